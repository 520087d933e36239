"""Storefront pages in five languages and six currencies, filters, pagination, drafts."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shop.catalog.models import ProductStatus
from tests.factories import CatalogWorld, make_product

pytestmark = pytest.mark.django_db


def _url(name: str, language: str = "en", *args: object) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def test_first_visit_follows_accept_language(world: CatalogWorld) -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
    assert response.status_code == 302 and response["Location"] == "/zh-hans/"
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="es-ES")
    assert response["Location"] == "/es/"


def test_language_cookie_beats_accept_language(world: CatalogWorld) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "ar", "next": "/en/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Location"] == "/ar/"


def test_pages_are_translated_and_arabic_is_right_to_left(world: CatalogWorld) -> None:
    arabic = Client().get("/ar/").content.decode()
    assert re.search(r'<html lang="ar" dir="rtl">', arabic)
    assert "فستان حريري" in arabic  # product text in Arabic
    chinese = Client().get("/zh-hans/").content.decode()
    assert 'dir="ltr"' in chinese and "真丝连衣裙" in chinese
    # UI strings come from the compiled catalogs, not the English source.
    assert "Search products" not in chinese
    assert "Search products" not in arabic
    assert "Buscar productos" in Client().get("/es/").content.decode()


def test_product_text_falls_back_to_the_shops_language(world: CatalogWorld) -> None:
    page = Client().get(_url("storefront:product", "id", "shop-a", "silk-dress")).content.decode()
    assert "Silk dress" in page and 'lang="en"' in page


def test_currency_from_cookie_and_jpy_has_no_decimals(world: CatalogWorld) -> None:
    client = Client()
    response = client.post("/currency/", {"currency": "JPY", "next": "/en/"})
    assert response.status_code == 302 and response["Location"] == "/en/"
    page = client.get(_url("storefront:product", "en", "shop-b", "diver-watch")).content.decode()
    assert "¥300,425" in page  # 1999.50 USD x 150.25, converted and rounded to whole yen
    assert "Converted from the shop" in page


def test_unknown_currency_is_refused_and_open_redirects_are_blocked(world: CatalogWorld) -> None:
    client = Client()
    assert client.post("/currency/", {"currency": "BTC"}).status_code == 400
    response = client.post("/currency/", {"currency": "EUR", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_currency_follows_country_when_no_cookie(world: CatalogWorld) -> None:
    page = Client().get("/en/", HTTP_ACCEPT_LANGUAGE="id-ID").content.decode()
    assert 'data-currency="IDR"' in page
    page = Client().get("/en/", HTTP_CF_IPCOUNTRY="SA").content.decode()
    assert 'data-currency="SAR"' in page


def test_listing_search_filters_and_pagination(world: CatalogWorld) -> None:
    for index in range(30):
        make_product(world.shop_a, f"tee-{index:02d}", names={"en": f"Cotton tee {index}"})
    client = Client()
    first = client.get(_url("storefront:products"), {"q": "cotton"})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["products"]) == 24
    second = client.get(_url("storefront:products"), {"q": "cotton", "page": 2})
    assert len(second.context["products"]) == 6
    assert (
        client.get(_url("storefront:products"), {"q": "cotton", "page": "zzz"}).status_code == 200
    )
    by_colour = client.get(_url("storefront:products"), {"option": [world.red.pk]})
    assert [p.slug for p in by_colour.context["products"]] == ["silk-dress"]
    by_category = client.get(_url("storefront:category", "en", "dresses"))
    assert [p.slug for p in by_category.context["products"]] == ["silk-dress"]
    by_shop = client.get(_url("storefront:shop", "en", "shop-b"))
    assert [p.slug for p in by_shop.context["products"]] == ["diver-watch"]


def test_bad_filters_are_reported_not_crashing(world: CatalogWorld) -> None:
    response = Client().get(
        _url("storefront:products"),
        {
            "category": "no-such-category",
            "option": ["abc", "999999"],
            "sort": "evil",
            "q": "x" * 500,
        },
    )
    assert response.status_code == 200
    assert "Unknown category." in response.content.decode()


def test_drafts_are_hidden_from_shoppers_and_other_shops(world: CatalogWorld) -> None:
    url = _url("storefront:product", "en", "shop-a", "wool-coat")
    assert Client().get(url).status_code == 404
    other = Client()
    other.force_login(world.owner_b)
    assert other.get(url).status_code == 404
    own = Client()
    own.force_login(world.owner_a)
    page = own.get(url)
    assert page.status_code == 200 and "Draft" in page.content.decode()
    listing = Client().get(_url("storefront:products")).context["products"]
    assert all(p.status == ProductStatus.PUBLISHED for p in listing)


def test_chat_style_injection_in_product_text_is_escaped(world: CatalogWorld) -> None:
    make_product(world.shop_a, "xss", names={"en": "<script>alert(1)</script>"})
    page = Client().get(_url("storefront:products")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.django_db
def test_nul_characters_in_parameters_get_400_not_500(world: CatalogWorld) -> None:
    client = Client()
    client.force_login(world.shopper)
    for url in ("/en/coins/?shop=%00", "/en/search/?q=a%00b", "/en/live/cards/?limit=%00"):
        assert client.get(url).status_code == 400, url
    form = "application/x-www-form-urlencoded"
    assert client.post("/en/coins/", "currency=US%00D", content_type=form).status_code == 400
    assert client.get("/en/coins/?shop=nope").status_code == 404  # ordinary input unchanged
