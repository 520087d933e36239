"""Publishing a product from its admin change form does what the list action does: the first
publication is stamped (the storefront lists newest first) and later edits keep the stamp."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import ProductStatus
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


def _save(client: Client, world: CatalogWorld, status: str) -> None:
    """Post the change form as the browser would: the fields as shown, a new status."""
    coat = world.coat_draft
    coat.refresh_from_db()
    url = reverse("admin:catalog_product_change", args=[coat.pk])
    shown = timezone.localtime(coat.published_at) if coat.published_at else None
    data = {
        "shop": world.shop_a.pk,
        "slug": coat.slug,
        "status": status,
        "published_at_0": shown.strftime("%Y-%m-%d") if shown else "",
        "published_at_1": shown.strftime("%H:%M:%S") if shown else "",
        "translations-TOTAL_FORMS": 0,
        "translations-INITIAL_FORMS": 0,
        "images-TOTAL_FORMS": 0,
        "images-INITIAL_FORMS": 0,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]


def test_the_change_form_stamps_the_first_publication(world: CatalogWorld) -> None:
    client = Client()
    client.force_login(world.owner_a)
    assert world.coat_draft.published_at is None
    _save(client, world, ProductStatus.PUBLISHED)
    world.coat_draft.refresh_from_db()
    first = world.coat_draft.published_at
    assert world.coat_draft.status == ProductStatus.PUBLISHED and first is not None
    listing = client.get("/en/").content.decode()
    assert listing.index("Wool coat") < listing.index(
        world.dress.translations.get(language="en").name
    )

    _save(client, world, ProductStatus.DRAFT)
    _save(client, world, ProductStatus.PUBLISHED)  # published again: the first stamp stays
    world.coat_draft.refresh_from_db()
    assert world.coat_draft.published_at == first.replace(microsecond=0)  # as the form shows it
