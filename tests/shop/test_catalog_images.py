"""Uploaded product images get a thumbnail; non-images are refused clearly."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from shop.catalog.models import ProductImage
from shop.catalog.services import InvalidImageError, product_image_add
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#c2185b").save(buffer, format="PNG")
    return buffer.getvalue()


def test_thumbnail_is_generated_and_keeps_aspect_ratio(world: CatalogWorld) -> None:
    image = product_image_add(product=world.dress, filename="big.png", content=_png(1600, 800))
    with Image.open(image.thumbnail.path) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (480, 240)


def test_a_non_image_is_refused(world: CatalogWorld) -> None:
    with pytest.raises(InvalidImageError):
        product_image_add(
            product=world.dress, filename="evil.png", content=b"<?php system($_GET) ?>"
        )


def test_admin_upload_creates_thumbnail(world: CatalogWorld) -> None:
    client = Client()
    client.force_login(world.owner_a)
    url = reverse("admin:catalog_product_change", args=[world.dress.pk])
    form = client.get(url).context["adminform"].form
    data = {
        "shop": world.shop_a.pk,
        "slug": "silk-dress",
        "category": world.category.pk,
        "status": "published",
        "translations-TOTAL_FORMS": 0,
        "translations-INITIAL_FORMS": 0,
        "images-TOTAL_FORMS": 1,
        "images-INITIAL_FORMS": 0,
        "images-0-alt": "Front",
        "images-0-position": 0,
        "images-0-image": SimpleUploadedFile("front.png", _png(800, 800), "image/png"),
    }
    assert form is not None
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    image = ProductImage.objects.get(product=world.dress)
    assert image.thumbnail and image.alt == "Front"
