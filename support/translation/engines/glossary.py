"""Glossary enforcement around machine translation.

Before: each glossary term in the source becomes a placeholder token engines leave alone
(``⟦0⟧``-style tokens survive LibreTranslate/Argos and chat models far better than words).
After: tokens become the term's fixed rendering, and any source term an engine copied through
untranslated is replaced too.
"""

from __future__ import annotations

import re

from support.translation.engines import GlossaryEntry

_TOKEN = "[[{}]]"
_TOKEN_BACK = re.compile(r"\[\s*\[\s*(\d+)\s*\]\s*\]")


def _pattern(entry: GlossaryEntry) -> re.Pattern[str]:
    flags = 0 if entry.case_sensitive else re.IGNORECASE
    escaped = re.escape(entry.term)
    # Word boundaries only where the term starts/ends with a word character (not for Han).
    start = r"(?<!\w)" if entry.term[:1].isascii() and entry.term[:1].isalnum() else ""
    end = r"(?!\w)" if entry.term[-1:].isascii() and entry.term[-1:].isalnum() else ""
    return re.compile(f"{start}{escaped}{end}", flags)


def relevant(text: str, glossary: list[GlossaryEntry]) -> list[GlossaryEntry]:
    """The entries whose term occurs in ``text``, longest first (so phrases win over words)."""
    found = [entry for entry in glossary if entry.term and _pattern(entry).search(text)]
    return sorted(found, key=lambda entry: -len(entry.term))


def protect(text: str, glossary: list[GlossaryEntry]) -> tuple[str, list[GlossaryEntry]]:
    """``text`` with glossary terms replaced by numbered tokens, and the entries by number."""
    used: list[GlossaryEntry] = []
    for entry in relevant(text, glossary):
        token = _TOKEN.format(len(used))
        text, count = _pattern(entry).subn(token, text)
        if count:
            used.append(entry)
    return text, used


def restore(text: str, used: list[GlossaryEntry]) -> str:
    def back(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return used[index].rendering if index < len(used) else match.group(0)

    return _TOKEN_BACK.sub(back, text)


def enforce(text: str, glossary: list[GlossaryEntry]) -> str:
    """Replace source terms left untranslated in ``text`` by their fixed rendering."""
    for entry in relevant(text, glossary):
        if entry.rendering != entry.term:
            text = _pattern(entry).sub(lambda _m, r=entry.rendering: r, text)
    return text
