"""The builtin engine: the shop's own product text, the translation memory (exact, fuzzy),
the glossary, and the original text (engine "none") when nothing matches."""

from __future__ import annotations

import pytest

from shop.catalog.models import ProductTranslation
from support.translation.models import GlossaryTerm, MemoryOrigin, TranslationMemoryEntry
from support.translation.services import glossary_touch, memory_store, translate_text
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


def test_product_name_uses_the_shops_own_translation(world: CatalogWorld) -> None:
    result = translate_text(text="Silk dress", source="en", target="zh-hans", shop=world.shop_a)
    assert (result.text, result.engine, result.cached) == ("真丝连衣裙", "builtin", False)
    again = translate_text(text="Silk dress", source="en", target="zh-hans", shop=world.shop_a)
    assert again.text == "真丝连衣裙" and again.cached


def test_other_shops_product_text_is_not_used(world: CatalogWorld) -> None:
    result = translate_text(text="Silk dress", source="en", target="zh-hans", shop=world.shop_b)
    assert (result.text, result.engine) == ("Silk dress", "none")


def test_unreviewed_machine_draft_is_not_used_as_the_shops_translation(
    world: CatalogWorld,
) -> None:
    ProductTranslation.objects.create(
        product=world.dress, language="es", name="Vestido de sea", origin="machine", reviewed=False
    )
    result = translate_text(text="Silk dress", source="en", target="es", shop=world.shop_a)
    assert result.engine == "none" and result.text == "Silk dress"


def test_nothing_matches_gives_the_original_and_never_invents(world: CatalogWorld) -> None:
    result = translate_text(text="Is this available in red?", target="es", shop=world.shop_a)
    assert (result.text, result.source, result.target, result.engine) == (
        "Is this available in red?",
        "en",
        "es",
        "none",
    )


def test_memory_exact_match_prefers_the_shops_human_entry(world: CatalogWorld) -> None:
    memory_store(
        source_language="en",
        source_text="Free shipping over 50 euros",
        target_language="es",
        target_text="Envío global",
    )
    memory_store(
        source_language="en",
        source_text="Free shipping over 50 euros",
        target_language="es",
        target_text="Envío gratis a partir de 50 euros",
        shop=world.shop_a,
    )
    result = translate_text(
        text="Free  shipping over 50 euros", source="en", target="es", shop=world.shop_a
    )
    assert result.text == "Envío gratis a partir de 50 euros" and result.engine == "builtin"
    other = translate_text(
        text="Free shipping over 50 euros", source="en", target="es", shop=world.shop_b
    )
    assert other.text == "Envío global"  # global entries serve every shop
    entry = TranslationMemoryEntry.objects.get(shop=world.shop_a)
    assert entry.usage_count == 1


def test_memory_fuzzy_match_above_threshold_only(world: CatalogWorld) -> None:
    memory_store(
        source_language="en",
        source_text="Do you ship to Indonesia?",
        target_language="id",
        target_text="Apakah Anda mengirim ke Indonesia?",
        shop=world.shop_a,
    )
    near = translate_text(
        text="Do you ship to Indonesia ??", source="en", target="id", shop=world.shop_a
    )
    assert near.text == "Apakah Anda mengirim ke Indonesia?" and near.engine == "builtin"
    far = translate_text(text="Do you ship to Spain?", source="en", target="id", shop=world.shop_a)
    assert far.engine == "none"


def test_machine_memory_never_overwrites_human_and_is_not_fuzzy_matched(
    world: CatalogWorld,
) -> None:
    memory_store(
        source_language="en", source_text="Hello", target_language="es", target_text="Hola"
    )
    memory_store(
        source_language="en",
        source_text="Hello",
        target_language="es",
        target_text="Holaa",
        origin=MemoryOrigin.MACHINE,
    )
    assert TranslationMemoryEntry.objects.get().target_text == "Hola"
    memory_store(
        source_language="en",
        source_text="Good evening everyone",
        target_language="es",
        target_text="Buenas noches a todos",
        origin=MemoryOrigin.MACHINE,
    )
    result = translate_text(text="Good evening everyone!", source="en", target="es")
    assert result.engine == "none"


def test_glossary_term_is_enforced_in_fuzzy_memory_output(world: CatalogWorld) -> None:
    memory_store(
        source_language="en",
        source_text="The Lumiere scarf is back in stock",
        target_language="es",
        target_text="La bufanda Lumiere vuelve a estar disponible",
        shop=world.shop_a,
    )
    GlossaryTerm.objects.create(
        shop=world.shop_a, term="Lumiere", translation="Lumière", target_language="es"
    )
    glossary_touch(shop_id=world.shop_a.pk)
    result = translate_text(
        text="The Lumiere scarf is back in stock!", source="en", target="es", shop=world.shop_a
    )
    assert result.text == "La bufanda Lumière vuelve a estar disponible"


def test_whole_text_glossary_term_translates(world: CatalogWorld) -> None:
    GlossaryTerm.objects.create(shop=world.shop_a, term="Flash deal", translation="Oferta flash")
    result = translate_text(text="flash deal", source="en", target="es", shop=world.shop_a)
    assert (result.text, result.engine) == ("Oferta flash", "builtin")


def test_same_language_and_blank_text_are_returned_as_is(world: CatalogWorld) -> None:
    same = translate_text(text="¿Tienen talla M?", target="es")
    assert (same.text, same.source, same.engine) == ("¿Tienen talla M?", "es", "none")
    assert translate_text(text="   ", target="es").engine == "none"
    with pytest.raises(ValueError):
        translate_text(text="hi", target="fr")


def test_zh_hans_aliases_are_accepted(world: CatalogWorld) -> None:
    result = translate_text(text="Silk dress", source="EN", target="zh-Hans", shop=world.shop_a)
    assert result.target == "zh-hans" and result.text == "真丝连衣裙"


@pytest.mark.django_db(transaction=True)
def test_a_new_memory_entry_replaces_a_cached_translation(world: CatalogWorld) -> None:
    memory_store(
        source_language="en", source_text="See you", target_language="es", target_text="Chao"
    )
    assert translate_text(text="See you", source="en", target="es").text == "Chao"
    memory_store(
        source_language="en", source_text="See you", target_language="es", target_text="Hasta luego"
    )
    result = translate_text(text="See you", source="en", target="es")
    assert (result.text, result.cached) == ("Hasta luego", False)
