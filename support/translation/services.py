"""The translation service other apps call: ``translate_text`` and ``detect_language``.

Order for every text: the shop's own product text and the translation memory (human work
first), then the configured machine engine (``TRANSLATION_ENGINE``) with the glossary
enforced, else the original text with ``engine == "none"``. Results are cached by engine,
language pair, shop, glossary version and the text's sha256, so a text is translated once per
target language. Nothing here raises on engine trouble: the caller gets the original text.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from shop.shops.models import Shop
from support.translation import languages
from support.translation.engines import external_engine
from support.translation.engines.glossary import enforce
from support.translation.memory import (
    builtin_lookup,
    glossary_changed,
    glossary_for,
    glossary_version,
    normalize_text,
    text_hash,
)
from support.translation.models import MemoryOrigin, TranslationMemoryEntry

logger = logging.getLogger(__name__)

NO_ENGINE = "none"
BUILTIN = "builtin"
ENGINE_NAMES = (BUILTIN, "libretranslate", "openai")


@dataclass(frozen=True)
class TranslationResult:
    text: str
    source: str | None
    target: str
    engine: str  # "builtin", "libretranslate", "openai", or "none" (the original text)
    cached: bool = False

    @property
    def translated(self) -> bool:
        return self.engine != NO_ENGINE


def detect_language(text: str) -> str | None:
    """The language of ``text`` (en, zh-hans, es, ar, id) or None when unsure. Offline."""
    return languages.detect_language(text)


def _cache_key(engine: str, source: str | None, target: str, shop_id: int | None, text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    version = glossary_version(shop_id)
    return f"translation:{engine}:{source or 'auto'}:{target}:{shop_id or 0}:{version}:{digest}"


def translate_text(
    *, text: str, target: str, source: str | None = None, shop: Shop | int | None = None
) -> TranslationResult:
    """``text`` in ``target``; ``source`` is detected offline when not given.

    Raises ValueError only for a target language the site does not offer. Reads the database
    (shop text, memory, glossary) and may call the configured engine over HTTP (bounded by
    TRANSLATION_TIMEOUT); engine failures give the original text, logged.
    """
    wanted = languages.normalize_language(target)
    if wanted is None:
        raise ValueError(f"Unsupported target language {target!r}.")
    shop_id = shop.pk if isinstance(shop, Shop) else shop
    original = TranslationResult(text=text, source=None, target=wanted, engine=NO_ENGINE)
    if not normalize_text(text):
        return original
    source = languages.normalize_language(source) or detect_language(text)
    original = replace(original, source=source)
    if source == wanted:
        return original
    engine = external_engine()
    engine_name = engine.name if engine is not None else BUILTIN
    key = _cache_key(engine_name, source, wanted, shop_id, text)
    hit = cache.get(key)
    if hit is not None:
        return TranslationResult(
            text=hit["text"], source=hit["source"], target=wanted, engine=hit["engine"], cached=True
        )
    glossary = glossary_for(shop_id=shop_id, source=source, target=wanted)
    result = original
    if source is not None:
        match = builtin_lookup(
            shop_id=shop_id, text=text, source=source, target=wanted, glossary=glossary
        )
        if match is not None:
            result = replace(original, text=match.text, engine=BUILTIN)
    if not result.translated and engine is not None:
        machine = engine.translate(text=text, source=source, target=wanted, glossary=glossary)
        if machine is not None and machine.text.strip():
            result = TranslationResult(
                text=enforce(machine.text, glossary),
                source=machine.source or source,
                target=wanted,
                engine=engine.name,
            )
    if result.translated:  # failures are not cached: the next call tries again
        cache.set(
            key,
            {"text": result.text, "source": result.source, "engine": result.engine},
            timeout=settings.TRANSLATION_CACHE_SECONDS,
        )
    return result


# Memory and glossary writes -----------------------------------------------------------------
@transaction.atomic
def memory_store(
    *,
    source_language: str,
    source_text: str,
    target_language: str,
    target_text: str,
    shop: Shop | int | None = None,
    origin: str = MemoryOrigin.HUMAN,
) -> TranslationMemoryEntry:
    """Remember a translation (an approved product draft, an agent's edited reply ...).

    One entry per shop, language pair and source text: storing again updates it, and a
    machine translation never overwrites a human one. Takes a row lock on that entry.
    """
    source = languages.normalize_language(source_language)
    target = languages.normalize_language(target_language)
    if source is None or target is None:
        raise ValueError("Unsupported language.")
    shop_id = shop.pk if isinstance(shop, Shop) else shop
    entry, created = TranslationMemoryEntry.objects.select_for_update().get_or_create(
        shop_id=shop_id,
        source_language=source,
        source_hash=text_hash(source_text),
        target_language=target,
        defaults={"source_text": source_text, "target_text": target_text, "origin": origin},
    )
    if not created and not (entry.origin == MemoryOrigin.HUMAN and origin == MemoryOrigin.MACHINE):
        entry.source_text, entry.target_text, entry.origin = source_text, target_text, origin
        entry.save(update_fields=["source_text", "target_text", "origin", "updated_at"])
    memory_forget_cached(entry=entry)
    return entry


def memory_forget_cached(*, entry: TranslationMemoryEntry) -> None:
    """After commit, drop cached translations of the entry's text for its shop, so the next
    lookup uses the entry (global entries: only the global cache, shops' expire by TTL)."""
    keys = [
        _cache_key(name, entry.source_language, entry.target_language, entry.shop_id, text)
        for name in ENGINE_NAMES
        for text in {entry.source_text, normalize_text(entry.source_text)}
    ]
    transaction.on_commit(lambda: cache.delete_many(keys))


def glossary_touch(*, shop_id: int) -> None:
    """Call after a glossary change (the admin does): cached translations re-run with it."""
    transaction.on_commit(lambda: glossary_changed(shop_id))
