"""Fuzzed query strings on the public product API: a result or a clear 400, never a crash."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CatalogWorld

PARAM_NAMES = [
    "currency",
    "lang",
    "q",
    "category",
    "shop",
    "option",
    "in_stock",
    "sort",
    "page",
    "page_size",
    "include_drafts",
    "junk",
]


@pytest.mark.django_db
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=st.dictionaries(st.sampled_from(PARAM_NAMES), st.text(max_size=40), max_size=6))
def test_product_list_never_crashes(world: CatalogWorld, params: dict[str, str]) -> None:
    cleaned = {k: v.replace("\x00", "") for k, v in params.items()}
    response = Client().get("/api/v1/products/", cleaned)
    assert response.status_code in (200, 400, 404), response.content[:500]
    body = response.json()
    if response.status_code != 200:
        assert body["error"] and body["message"]
    else:
        assert "results" in body
