"""Product text: publishing makes machine drafts for missing languages, the merchant reviews
them in the admin, and approval teaches the translation memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from shop.catalog.models import ProductStatus, ProductTranslation
from shop.catalog.services import product_set_status
from support.translation.engines import libretranslate
from support.translation.models import MemoryOrigin, TranslationMemoryEntry
from support.translation.products import product_draft_translations
from support.translation.services import translate_text
from tests.factories import CatalogWorld
from tests.support.translation_servers import FakeServer, running

pytestmark = pytest.mark.django_db(transaction=True)  # drafts are queued on commit


@pytest.fixture
def libre(settings: Any) -> Iterator[FakeServer]:
    with running("libretranslate") as fake:
        settings.TRANSLATION_ENGINE = "libretranslate"
        settings.LIBRETRANSLATE_URL = fake.url
        settings.TRANSLATION_TIMEOUT = 2.0
        libretranslate._server_codes.clear()
        yield fake


def texts(product: Any) -> dict[str, tuple[str, str, bool]]:
    return {t.language: (t.name, t.origin, t.reviewed) for t in product.translations.all()}


def test_publishing_drafts_missing_languages_for_review(
    world: CatalogWorld, libre: FakeServer
) -> None:
    coat = world.coat_draft  # "Wool coat", English only
    product_set_status(product=coat, status=ProductStatus.PUBLISHED)
    assert texts(coat) == {
        "en": ("Wool coat", "merchant", True),
        "zh-hans": ("zh-Hans: Wool coat", "machine", False),
        "es": ("es: Wool coat", "machine", False),
        "ar": ("ar: Wool coat", "machine", False),
        "id": ("id: Wool coat", "machine", False),
    }
    # Publishing again (or a retried job) changes nothing and asks the engine nothing new.
    calls = libre.requests["POST /translate"]
    product_set_status(product=coat, status=ProductStatus.PUBLISHED)
    assert product_draft_translations(product_id=coat.pk) == []
    assert libre.requests["POST /translate"] == calls


def test_existing_merchant_text_is_kept(world: CatalogWorld, libre: FakeServer) -> None:
    dress = world.dress  # en, zh-hans and ar written by the merchant
    assert product_draft_translations(product_id=dress.pk) == ["es", "id"]
    assert texts(dress)["zh-hans"] == ("真丝连衣裙", "merchant", True)


def test_builtin_engine_invents_no_drafts(world: CatalogWorld) -> None:
    product_set_status(product=world.coat_draft, status=ProductStatus.PUBLISHED)
    assert set(texts(world.coat_draft)) == {"en"}


def test_unpublished_products_get_no_drafts(world: CatalogWorld, libre: FakeServer) -> None:
    assert product_draft_translations(product_id=world.coat_draft.pk) == []
    assert libre.requests["POST /translate"] == 0


def test_merchant_approves_an_edited_draft_and_the_memory_learns_it(
    world: CatalogWorld, libre: FakeServer, settings: Any
) -> None:
    coat = world.coat_draft
    product_set_status(product=coat, status=ProductStatus.PUBLISHED)
    draft = ProductTranslation.objects.get(product=coat, language="es")
    client = Client()
    client.force_login(world.owner_a)
    review = reverse("admin:catalog_producttranslation_changelist")
    listing = client.get(review, {"reviewed__exact": "0"})
    assert listing.status_code == 200 and "es: Wool coat" in listing.content.decode()

    draft.name = "Abrigo de lana"  # the merchant corrects the machine
    draft.save()
    response = client.post(review, {"action": "approve", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reviewed
    entry = TranslationMemoryEntry.objects.get(
        shop=world.shop_a, target_language="es", source_text="Wool coat"
    )
    assert (entry.source_text, entry.target_text, entry.origin) == (
        "Wool coat",
        "Abrigo de lana",
        MemoryOrigin.HUMAN,
    )
    # The builtin engine now knows it, with no machine at all.
    settings.TRANSLATION_ENGINE = "builtin"
    result = translate_text(text="Wool coat", source="en", target="es", shop=world.shop_a)
    assert (result.text, result.engine) == ("Abrigo de lana", "builtin")


def test_other_shops_staff_cannot_see_or_approve_drafts(
    world: CatalogWorld, libre: FakeServer
) -> None:
    product_set_status(product=world.coat_draft, status=ProductStatus.PUBLISHED)
    draft = ProductTranslation.objects.get(product=world.coat_draft, language="es")
    client = Client()
    client.force_login(world.owner_b)
    review = reverse("admin:catalog_producttranslation_changelist")
    assert "es: Wool coat" not in client.get(review).content.decode()
    client.post(review, {"action": "approve", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert not draft.reviewed and not TranslationMemoryEntry.objects.exists()
