"""A small BM25 index over normalised tokens, with typo-tolerant query terms.

Used for catalog and policy retrieval by the builtin agent. Indexes are built per call: a
shop's catalog and policies are small (tens to hundreds of documents), and building from the
database each time means merchant edits show up at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from support.agent.text import fuzzy_equal, has_han, tokens

T = TypeVar("T")

# Words that carry no meaning for retrieval in any of the five languages.
STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "is",
        "are",
        "do",
        "does",
        "you",
        "your",
        "have",
        "has",
        "in",
        "on",
        "of",
        "for",
        "to",
        "my",
        "me",
        "i",
        "it",
        "this",
        "that",
        "what",
        "which",
        "how",
        "much",
        "and",
        "or",
        "with",
        "can",
        "be",
        "any",
        "there",
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "de",
        "del",
        "en",
        "y",
        "o",
        "es",
        "son",
        "tienen",
        "tienes",
        "hay",
        "que",
        "cual",
        "mi",
        "me",
        "por",
        "para",
        "con",
        "yang",
        "dan",
        "di",
        "ke",
        "ada",
        "apa",
        "ini",
        "itu",
        "saya",
        "aku",
        "untuk",
        "dengan",
        "berapa",
        "هل",
        "في",
        "من",
        "على",
        "عن",
        "ما",
        "هذا",
        "هذه",
        "لي",
        "عندكم",
    ]
)


@dataclass
class Index(Generic[T]):
    k1: float = 1.2
    b: float = 0.75
    documents: list[tuple[T, Counter[str], int]] = field(default_factory=list)
    document_frequency: Counter[str] = field(default_factory=Counter)

    def add(self, item: T, fields: Iterable[tuple[str, int]]) -> None:
        """Index ``item`` from ``(text, weight)`` pairs (a weight repeats the text's terms)."""
        counts: Counter[str] = Counter()
        for text, weight in fields:
            for token in tokens(text):
                if token not in STOP_WORDS:
                    counts[token] += weight
        self.documents.append((item, counts, sum(counts.values())))
        self.document_frequency.update(counts.keys())

    def _expand(self, term: str) -> list[tuple[str, float]]:
        """The indexed terms a query term stands for: itself, else close spellings."""
        if term in self.document_frequency:
            return [(term, 1.0)]
        if has_han(term):
            return []
        return [
            (known, 0.8)
            for known in self.document_frequency
            if not has_han(known) and fuzzy_equal(known, term)
        ]

    def search(self, query: str, limit: int = 5) -> list[tuple[T, float]]:
        if not self.documents:
            return []
        count = len(self.documents)
        average = sum(length for _i, _c, length in self.documents) / count or 1.0
        terms = [t for t in dict.fromkeys(tokens(query)) if t not in STOP_WORDS]
        scored: list[tuple[T, float]] = []
        expanded = {term: self._expand(term) for term in terms}
        for item, counts, length in self.documents:
            score = 0.0
            for matches in expanded.values():
                best = 0.0
                for known, factor in matches:
                    frequency = counts.get(known, 0)
                    if not frequency:
                        continue
                    df = self.document_frequency[known]
                    idf = math.log(1 + (count - df + 0.5) / (df + 0.5))
                    norm = frequency + self.k1 * (1 - self.b + self.b * length / average)
                    best = max(best, factor * idf * frequency * (self.k1 + 1) / norm)
                score += best
            if score > 0:
                scored.append((item, score))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored[:limit]
