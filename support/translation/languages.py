"""Language codes and offline language detection.

Codes are the project's (``settings.LANGUAGES``: en, zh-hans, es, ar, id). Detection uses
lingua (its models ship inside the wheel: nothing is downloaded at run time), restricted to
those languages; short texts, where statistics are weak, fall back to the script (Han,
Arabic) and a few very common words, and below a confidence threshold the answer is None.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from django.conf import settings

CONFIDENCE_THRESHOLD = 0.7
SHORT_TEXT_WORDS = 4

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Very common words that settle short messages lingua is unsure about ("is it silk?").
_HINT_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "i",
            "you",
            "it",
            "is",
            "are",
            "the",
            "a",
            "an",
            "this",
            "that",
            "what",
            "where",
            "when",
            "how",
            "why",
            "my",
            "your",
            "do",
            "does",
            "did",
            "can",
            "please",
            "thanks",
            "thank",
            "hi",
            "hello",
            "yes",
            "no",
            "not",
            "have",
            "has",
            "size",
            "price",
            "much",
            "many",
            "ok",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "es",
            "son",
            "de",
            "que",
            "qué",
            "un",
            "una",
            "mi",
            "tu",
            "este",
            "esta",
            "eso",
            "cuánto",
            "cuanto",
            "dónde",
            "donde",
            "cómo",
            "como",
            "hola",
            "gracias",
            "por",
            "favor",
            "sí",
            "tiene",
            "tienen",
            "talla",
            "precio",
            "muy",
        ]
    ),
    "id": frozenset(
        [
            "ini",
            "itu",
            "apa",
            "apakah",
            "berapa",
            "ada",
            "kak",
            "gan",
            "sis",
            "saya",
            "aku",
            "kamu",
            "yang",
            "dan",
            "tidak",
            "bisa",
            "mau",
            "harga",
            "ukuran",
            "terima",
            "kasih",
            "dong",
            "ya",
            "sudah",
            "belum",
        ]
    ),
}

# Language codes other services send (browsers, LibreTranslate, models) -> ours.
_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hans": "zh-hans",
    "zh_hans": "zh-hans",
    "cmn": "zh-hans",
    "in": "id",  # the old ISO code for Indonesian
}


def supported_languages() -> list[str]:
    return list(settings.LANGUAGE_CODES)


def normalize_language(code: str | None) -> str | None:
    """Our code for ``code`` (``zh-Hans``, ``zh_CN``, ``es-MX`` ...), or None if unsupported."""
    if not code:
        return None
    lowered = code.strip().lower().replace("_", "-")
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered in settings.LANGUAGE_CODES:
        return lowered
    base = lowered.split("-")[0]
    if base in _ALIASES:
        return _ALIASES[base]
    return base if base in settings.LANGUAGE_CODES else None


_detector_lock = threading.Lock()


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = {
        "en": Language.ENGLISH,
        "zh-hans": Language.CHINESE,
        "es": Language.SPANISH,
        "ar": Language.ARABIC,
        "id": Language.INDONESIAN,
    }
    chosen = [languages[code] for code in settings.LANGUAGE_CODES if code in languages]
    return LanguageDetectorBuilder.from_languages(*chosen).build()


_LINGUA_CODES = {"ENGLISH": "en", "CHINESE": "zh-hans", "SPANISH": "es", "ARABIC": "ar"}
_LINGUA_CODES["INDONESIAN"] = "id"


def _by_script(text: str) -> str | None:
    han, arabic = len(_HAN.findall(text)), len(_ARABIC.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if han and han >= arabic and han * 2 >= latin:
        return "zh-hans"  # a Han character counts for a word: "这个 size 有吗" is Chinese
    if arabic and arabic >= latin:
        return "ar"
    return None


def _by_hint_words(text: str) -> str | None:
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None
    if any(ch in text for ch in "¿¡ñÑ"):
        return "es"
    scores = {code: sum(w in hints for w in words) for code, hints in _HINT_WORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    top = [code for code, score in scores.items() if score == scores[best] and score]
    if len(top) == 2 and "en" in top:
        # Shoppers borrow English words ("ok gan, ready stock?"), rarely the other way round.
        return next(code for code in top if code != "en")
    return best if len(top) == 1 else None


def detect_language(text: str) -> str | None:
    """The language of ``text`` as one of our codes, or None when unsure (or no words)."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not _WORD.search(text):
        return None
    scripted = _by_script(text)
    if scripted is not None:
        return scripted
    words = len(_WORD.findall(text))
    with _detector_lock:
        confidences = _detector().compute_language_confidence_values(text)
    top = confidences[0] if confidences else None
    statistical = _LINGUA_CODES.get(top.language.name) if top is not None else None
    if top is not None and statistical is not None:
        # Short texts need a clearer win before the statistics are trusted.
        needed = CONFIDENCE_THRESHOLD if words > SHORT_TEXT_WORDS else 0.9
        if top.value >= needed and statistical not in ("zh-hans", "ar"):
            return statistical
    hinted = _by_hint_words(text)
    if hinted is not None:
        return hinted
    if top is not None and statistical is not None and top.value >= CONFIDENCE_THRESHOLD:
        return statistical if statistical not in ("zh-hans", "ar") else None
    return None
