"""The builtin engine's knowledge: the shop's own product text, the translation memory (exact
then fuzzy) and the glossary. It only ever returns translations a person wrote or approved,
so it never invents text."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, F, IntegerField, Q, Value, When
from rapidfuzz import fuzz, process

from shop.catalog.models import ProductTranslation
from support.translation.engines import GlossaryEntry
from support.translation.engines.glossary import enforce
from support.translation.models import GlossaryTerm, MemoryOrigin, TranslationMemoryEntry

FUZZY_CANDIDATES = 2000  # most-used entries of a language pair compared for a fuzzy match


def normalize_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode()).hexdigest()


@dataclass(frozen=True)
class MemoryMatch:
    text: str
    kind: str  # "shop", "glossary", "exact" or "fuzzy"
    score: float = 100.0


def _shop_filter(shop_id: int | None) -> Q:
    return Q(shop_id=shop_id) | Q(shop__isnull=True) if shop_id else Q(shop__isnull=True)


def shop_text(*, shop_id: int | None, text: str, source: str, target: str) -> str | None:
    """The merchant's own translation when ``text`` is a product's name or description."""
    if not shop_id:
        return None
    clean = text.strip()
    originals = ProductTranslation.objects.filter(product__shop_id=shop_id, language=source).filter(
        Q(name=clean) | Q(description=clean)
    )
    for original in originals.only("product_id", "name", "description")[:5]:
        translated = ProductTranslation.objects.filter(
            product_id=original.product_id, language=target, reviewed=True
        ).first()
        if translated is None:
            continue
        if original.name == clean:
            return translated.name
        if translated.description:
            return translated.description
    return None


def memory_exact(*, shop_id: int | None, text: str, source: str, target: str) -> str | None:
    entry = (
        TranslationMemoryEntry.objects.filter(
            _shop_filter(shop_id),
            source_language=source,
            target_language=target,
            source_hash=text_hash(text),
        )
        .annotate(
            own=Case(
                When(shop_id=shop_id, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("own", "origin", "-usage_count")  # "human" sorts before "machine"
        .first()
    )
    if entry is None:
        return None
    TranslationMemoryEntry.objects.filter(pk=entry.pk).update(usage_count=F("usage_count") + 1)
    return entry.target_text


def memory_fuzzy(
    *, shop_id: int | None, text: str, source: str, target: str
) -> tuple[str, float] | None:
    """The human translation of the most similar remembered text, above the threshold."""
    wanted = normalize_text(text)
    low, high = int(len(wanted) * 0.7), int(len(wanted) * 1.3) + 1
    candidates = list(
        TranslationMemoryEntry.objects.filter(
            _shop_filter(shop_id),
            source_language=source,
            target_language=target,
            origin=MemoryOrigin.HUMAN,
        )
        .order_by("-usage_count")
        .values_list("pk", "source_text", "target_text")[:FUZZY_CANDIDATES]
    )
    candidates = [c for c in candidates if low <= len(normalize_text(c[1])) <= high]
    if not candidates:
        return None
    best = process.extractOne(
        wanted.lower(),
        [normalize_text(c[1]).lower() for c in candidates],
        scorer=fuzz.ratio,
        score_cutoff=settings.TRANSLATION_FUZZY_THRESHOLD,
    )
    if best is None:
        return None
    _choice, score, index = best
    pk, _source_text, target_text = candidates[index]
    TranslationMemoryEntry.objects.filter(pk=pk).update(usage_count=F("usage_count") + 1)
    return target_text, float(score)


# Glossary ---------------------------------------------------------------------------------
def glossary_version(shop_id: int | None) -> int:
    if not shop_id:
        return 0
    return int(cache.get(f"translation:glossary-version:{shop_id}") or 0)


def glossary_changed(shop_id: int) -> None:
    """Bump the shop's glossary version: cached translations made with the old one expire."""
    key = f"translation:glossary-version:{shop_id}"
    cache.add(key, 0, timeout=None)
    cache.incr(key)


def glossary_for(*, shop_id: int | None, source: str | None, target: str) -> list[GlossaryEntry]:
    if not shop_id:
        return []
    terms = GlossaryTerm.objects.filter(shop_id=shop_id).filter(
        Q(target_language="") | Q(target_language=target)
    )
    if source:
        terms = terms.filter(Q(source_language="") | Q(source_language=source))
    return [
        GlossaryEntry(term=t.term, rendering=t.rendering(), case_sensitive=t.case_sensitive)
        for t in terms
    ]


def builtin_lookup(
    *, shop_id: int | None, text: str, source: str, target: str, glossary: list[GlossaryEntry]
) -> MemoryMatch | None:
    """Shop text, then a whole-text glossary term, then the memory (exact, then fuzzy)."""
    own = shop_text(shop_id=shop_id, text=text, source=source, target=target)
    if own is not None:
        return MemoryMatch(text=own, kind="shop")
    wanted = normalize_text(text).lower()
    for entry in glossary:
        if normalize_text(entry.term).lower() == wanted:
            return MemoryMatch(text=entry.rendering, kind="glossary")
    exact = memory_exact(shop_id=shop_id, text=text, source=source, target=target)
    if exact is not None:
        return MemoryMatch(text=exact, kind="exact")
    fuzzy = memory_fuzzy(shop_id=shop_id, text=text, source=source, target=target)
    if fuzzy is not None:
        return MemoryMatch(text=enforce(fuzzy[0], glossary), kind="fuzzy", score=fuzzy[1])
    return None
