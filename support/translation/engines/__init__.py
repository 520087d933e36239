"""The engine interface and the registry ``TRANSLATION_ENGINE`` selects from.

An engine turns text into text for one language pair and nothing else: the shop's own
translations, the memory, the glossary, caching and error policy live in ``services``. An
engine that fails (network, HTTP error, nonsense answer) logs a warning and returns None;
it never raises into the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    rendering: str  # what the term must read as in the translation (itself when kept)
    case_sensitive: bool = False


@dataclass(frozen=True)
class EngineTranslation:
    text: str
    source: str | None  # the source language the engine used or detected, when it says


class Engine(Protocol):
    name: str

    def translate(
        self, *, text: str, source: str | None, target: str, glossary: list[GlossaryEntry]
    ) -> EngineTranslation | None: ...


def external_engine(name: str | None = None) -> Engine | None:
    """The configured machine-translation engine, or None for ``builtin`` (memory only)."""
    name = (name or settings.TRANSLATION_ENGINE or "builtin").lower()
    if name == "libretranslate":
        from support.translation.engines.libretranslate import LibreTranslateEngine

        return LibreTranslateEngine.from_settings()
    if name == "openai":
        from support.translation.engines.openai import OpenAIEngine

        return OpenAIEngine.from_settings()
    if name != "builtin":
        raise ValueError(f"Unknown TRANSLATION_ENGINE {name!r} (builtin, libretranslate, openai).")
    return None
