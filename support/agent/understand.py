"""The builtin agent's reading of a shopper message: intent, entities and mood.

Scoring, not rules per question: each intent's lexicon phrases that occur in the message add
their weight (longer phrases weigh more), and a few cues decide between neighbours (an order
number points at orders, measurements at size advice, "how does ... work" at policies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from support.agent import lexicon
from support.agent.text import arabic_stem, fuzzy_equal, has_han, normalise, tokens


@dataclass(frozen=True)
class Phrase:
    text: str
    words: tuple[str, ...]
    han: bool

    @property
    def weight(self) -> float:
        if self.han:
            return 1.0 + 0.5 * (len(self.text) - 1)
        return float(len(self.words))


@lru_cache(maxsize=256)
def _compile(phrases: tuple[str, ...]) -> tuple[Phrase, ...]:
    compiled = []
    for raw in phrases:
        text = normalise(raw)
        if has_han(text):
            compiled.append(Phrase(text.replace(" ", ""), (), True))
        else:
            # Arabic lexicon words are matched without their article/suffix (message tokens
            # carry both forms), so "الجمارك" in the lexicon also finds "جمارك".
            words = tuple(arabic_stem(word) for word in text.split())
            compiled.append(Phrase(" ".join(words), words, False))
    # "الدفع" and "دفع" are one phrase once stemmed: count it once.
    return tuple({(p.text, p.han): p for p in compiled}.values())


@dataclass
class Message:
    """A message prepared for matching."""

    raw: str
    text: str = ""
    compact: str = ""
    token_set: frozenset[str] = frozenset()

    @classmethod
    def of(cls, raw: str) -> Message:
        text = normalise(raw)
        return cls(raw, text, re.sub(r"\s+", "", text), frozenset(tokens(raw)))

    def word_match(self, word: str, shortest: int = 5) -> float:
        """1 for an exact (or stem) match, 0.7 for a match with a typo, else 0."""
        if word.endswith("*"):
            stem = word[:-1]
            return 1.0 if any(token.startswith(stem) for token in self.token_set) else 0.0
        if word in self.token_set:
            return 1.0
        if any(fuzzy_equal(word, token, shortest) for token in self.token_set):
            return 0.7
        return 0.0

    def match(self, phrase: Phrase, shortest: int = 5) -> float:
        """How well the message contains ``phrase`` (0 = not at all)."""
        if phrase.han:
            return 1.0 if phrase.text in self.compact else 0.0
        return min((self.word_match(word, shortest) for word in phrase.words), default=0.0)

    def matches(self, phrase: Phrase) -> bool:
        return self.match(phrase) > 0

    def score(self, phrases: list[str], shortest: int = 5) -> float:
        """Sum of the weights of the phrases the message contains (typo matches count less)."""
        return sum(p.weight * self.match(p, shortest) for p in _compile(tuple(phrases)))


ORDER_NUMBER = re.compile(r"(?<![a-z0-9])(?:#\s*)?([a-z]{2}[a-z0-9]{8}|\d{4,12})(?![a-z0-9])")
_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(cm|mm|in|inch|inches|\"|سم|厘米|公分)?")


def order_number(message: Message) -> str | None:
    """An order number the shopper typed (``SR7K2M9QXA``, ``#12345``), normalised upper."""
    for match in ORDER_NUMBER.finditer(message.text):
        candidate = match.group(1)
        if candidate.isdigit() or any(ch.isdigit() for ch in candidate):
            return candidate.upper()
    return None


def measurements(message: Message) -> tuple[dict[str, Decimal], str]:
    """Body measurements by size-chart column and the unit ("cm" or "in") they are in."""
    found: dict[str, Decimal] = {}
    text = message.text
    unit = "cm"
    if any(
        re.search(rf"\d\s*{re.escape(normalise(w))}(?![a-z])", text) for w in lexicon.INCH_WORDS
    ):
        unit = "in"
    for column, names in lexicon.MEASUREMENT_WORDS.items():
        for name in sorted((normalise(n) for n in names), key=len, reverse=True):
            position = text.find(name)
            # Han and Arabic words attach to their neighbours (وخصري = "and my waist").
            attached = has_han(name) or "\u0600" <= name[0] <= "\u06ff"
            if position < 0 or (not attached and not _whole_word(text, position, name)):
                continue
            # The number right after the word ("chest 92"), else right before ("92 chest").
            after = _NUMBER.search(text, position + len(name), position + len(name) + 14)
            before = list(_NUMBER.finditer(text[max(0, position - 20) : position]))
            value = after or (before[-1] if before else None)
            if value is not None:
                found[column] = Decimal(value.group(1).replace(",", "."))
                break
    return found, unit


def _whole_word(text: str, position: int, word: str) -> bool:
    end = position + len(word)
    before = text[position - 1] if position > 0 else " "
    after = text[end] if end < len(text) else " "
    arabic = "\u0600" <= word[0] <= "\u06ff"
    return not before.isalnum() and (arabic or not after.isalpha())


_SIZE_CODES = ("xxl", "xl", "xs", "s", "m", "l")


def size_code(message: Message) -> str | None:
    """A size the shopper names ("size M", "talla L", "in M", "XL", "M码", "مقاس M")."""
    latin = "|".join(re.escape(normalise(w)) for w in lexicon.SIZE_WORDS if w.isascii())
    other = "|".join(re.escape(normalise(w)) for w in lexicon.SIZE_WORDS if not w.isascii())
    codes = "|".join(_SIZE_CODES)
    patterns = [
        # "size m" but not "sizes": the size word ends where the code's spacing starts.
        rf"(?<![a-z])(?:{latin})\s*[:#]?\s+({codes})(?![a-z])",
        rf"(?:{other})\s*({codes})(?![a-z])",
        rf"(?<![a-z])({codes})\s*(?:{other})",
        rf"(?<![a-z])({codes})\s+(?:{latin})(?![a-z])",
        r"(?<![a-z'])(xxl|xl|xs)(?![a-z])",
    ]
    for pattern in patterns:
        match = re.search(pattern, message.text)
        if match:
            return match.group(1)
    # A capital size letter on its own ("available in M?", "ada L?"): shoppers write sizes
    # in capitals, while a lone lower-case letter is usually something else.
    capital = re.search(r"(?<![A-Za-z'’])(XXL|XL|XS|S|M|L)(?![A-Za-z'’])", message.raw)
    return capital.group(1).casefold() if capital else None


PRIORITY = ("cancel", "return", "tracking", "size", "policy", "product", "order_status")


@dataclass
class Reading:
    intent: str  # one of lexicon.INTENT_PHRASES, or "unknown"
    scores: dict[str, float] = field(default_factory=dict)
    order_number: str | None = None
    measurements: dict[str, Decimal] = field(default_factory=dict)
    unit: str = "cm"
    size: str | None = None
    frustrated: bool = False
    wants_human: bool = False


def _shouting(raw: str) -> bool:
    letters = [ch for ch in raw if ch.isalpha() and ch.isascii()]
    upper = sum(1 for ch in letters if ch.isupper())
    return len(letters) >= 12 and upper / len(letters) > 0.8


def frustrated(message: Message) -> bool:
    # Stricter about typos than intents: calling a polite shopper angry is worse than missing.
    if message.score(lexicon.FRUSTRATION_PHRASES, shortest=7) > 0:
        return True
    if re.search(r"[!?！？]{3,}", message.raw) and _shouting(message.raw):
        return True
    return _shouting(message.raw) and re.search(r"[!！]{2,}", message.raw) is not None


def read(raw: str) -> Reading:
    """Intent and entities of one shopper message."""
    message = Message.of(raw)
    scores = {intent: message.score(p) for intent, p in lexicon.INTENT_PHRASES.items()}
    number = order_number(message)
    found, unit = measurements(message)
    reading = Reading(
        intent="unknown",
        scores=scores,
        order_number=number,
        measurements=found,
        unit=unit,
        size=size_code(message),
        frustrated=frustrated(message),
        wants_human=scores["handoff"] > 0,
    )
    if found:
        scores["size"] += 2.0
    if number:
        # An order number: about that order, not about choosing a product or a size.
        scores["size"] *= 0.5
        scores["product"] *= 0.5
    if scores["return"] > 0:
        action = message.score(lexicon.RETURN_ACTION) + (2 if number else 0)
        question = message.score(lexicon.POLICY_QUESTION)
        # Starting a return has side effects: only on an explicit request, never on a question
        # like "how long do refunds take".
        if question > action or action == 0:
            scores["policy"] += scores["return"]
            scores["return"] *= 0.5
        else:
            scores["return"] += 1.0
    if scores["tracking"] > 0 and scores["policy"] > 0 and scores["order_status"] > 0:
        # "where is my order / envío de mi pedido": about a parcel, not the shipping policy.
        scores["tracking"] += 1.0
    if scores["tracking"] > 0 or scores["return"] > 0 or scores["cancel"] > 0:
        # "my order" is the topic; tracking, a return or cancelling is what the shopper wants.
        scores["order_status"] *= 0.25
    elif number:
        scores["order_status"] += 1.5
    # On a tie, the more specific intent wins.
    business = {k: scores[k] for k in PRIORITY}
    best = max(business, key=lambda k: business[k])
    if business[best] > 0:
        reading.intent = best
    elif scores["thanks"] > 0:
        reading.intent = "thanks"
    elif scores["greeting"] > 0:
        reading.intent = "greeting"
    return reading
