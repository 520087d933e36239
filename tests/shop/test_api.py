"""REST API v1: products in a currency and language, scoping, validation, schema."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


def test_list_in_currency_and_language(world: CatalogWorld) -> None:
    body = Client().get("/api/v1/products/", {"currency": "JPY", "lang": "zh-hans"}).json()
    assert body["count"] == 2
    by_slug = {p["slug"]: p for p in body["results"]}
    dress = by_slug["silk-dress"]
    assert dress["name"] == "真丝连衣裙" and dress["language"] == "zh-hans"
    assert dress["price_from"]["currency"] == "JPY"
    assert "." not in dress["price_from"]["amount"]
    # 119 EUR is the shop's own price; JPY is crossed via USD: 119 / 0.9 * 150.25 = 19866.39 -> 19866
    assert dress["price_from"]["amount"] == "19866" and dress["price_from"]["converted"] is True
    watch = by_slug["diver-watch"]
    assert watch["name"] == "Diver watch" and watch["language"] == "en"  # fallback


def test_detail_has_variants_with_prices(world: CatalogWorld) -> None:
    body = (
        Client()
        .get(f"/api/v1/products/{world.dress.pk}/", {"currency": "EUR", "lang": "es"})
        .json()
    )
    variant = body["variants"][0]
    assert variant["price"] == {
        "amount": "119.00",
        "currency": "EUR",
        "formatted": "119,00\xa0€",
        "converted": False,
        "rate_date": None,
    }
    assert variant["options"] == {"Color": "Rojo"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"lang": "klingon"}, "lang"),
        ({"category": "nope"}, "category"),
        ({"option": "abc"}, "option"),
        ({"option": "999999"}, "option"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"sort": "price; DROP TABLE"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page_size": "-5"}, "page_size"),
    ],
)
def test_invalid_parameters_get_a_clear_400(
    world: CatalogWorld, params: dict[str, str], field: str
) -> None:
    response = Client().get("/api/v1/products/", params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameters"
    assert field in body["fields"] and field in body["message"]


def test_bad_id_and_missing_product(world: CatalogWorld) -> None:
    assert Client().get("/api/v1/products/abc/").status_code in (400, 404)
    missing = Client().get("/api/v1/products/999999/")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    assert Client().get("/api/v1/products/1/", {"currency": "??"}).status_code == 400


def test_drafts_only_for_staff_of_their_own_shop(world: CatalogWorld) -> None:
    anonymous = Client()
    assert anonymous.get(f"/api/v1/products/{world.coat_draft.pk}/").status_code == 404
    staff_a = Client()
    staff_a.force_login(world.owner_a)
    slugs = {
        p["slug"]
        for p in staff_a.get("/api/v1/products/", {"include_drafts": "true"}).json()["results"]
    }
    assert slugs == {"silk-dress", "wool-coat", "diver-watch"}  # not shop B's draft
    assert staff_a.get(f"/api/v1/products/{world.watch_draft.pk}/").status_code == 404
    assert staff_a.get(f"/api/v1/products/{world.coat_draft.pk}/").status_code == 200


def test_pagination(world: CatalogWorld) -> None:
    body = Client().get("/api/v1/products/", {"page_size": 1}).json()
    assert body["count"] == 2 and len(body["results"]) == 1 and body["next"]
    assert Client().get("/api/v1/products/", {"page": 99}).status_code == 404


def test_openapi_schema_and_docs_page() -> None:
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/products/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"currency", "lang", "q", "category", "page"} <= params
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn.jsdelivr" not in docs.content  # assets are bundled, no CDN needed
