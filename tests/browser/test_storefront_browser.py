"""A shopper on a phone: home page, switch to Arabic (RTL) and JPY (no decimals), open a product."""

from __future__ import annotations

import re

import pytest

from tests.factories import CatalogWorld

pytestmark = pytest.mark.browser


def test_home_switch_language_and_currency_then_open_product(
    live_server,
    live_world: CatalogWorld,
    page,  # type: ignore[no-untyped-def]
) -> None:
    page.goto(live_server.url + "/")
    assert page.url.endswith("/en/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator(".card").count() >= 2

    with page.expect_navigation():
        page.select_option("#language-switch", "ar")
    assert page.url.endswith("/ar/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.get_by_text("فستان حريري").first.is_visible()

    with page.expect_navigation():
        page.select_option("#currency-switch", "JPY")
    assert page.url.endswith("/ar/")
    prices = page.locator(".card .price").all_inner_texts()
    assert prices and all("¥" in p for p in prices), prices
    # Whole yen: no decimal part after the digits (e.g. "19,866 JP¥", never "19,866.39").
    assert not any(re.search(r"\d[.,]\d{2}(?!\d)", p) for p in prices), prices
    assert page.locator("#currency-switch").input_value() == "JPY"

    page.locator(".card a", has_text="فستان حريري").first.click()
    page.wait_for_url(re.compile(r"/ar/s/shop-a/p/silk-dress/$"))
    assert page.locator("h1").inner_text() == "فستان حريري"
    price = page.locator("#variant-price").inner_text()
    assert "¥" in price and not re.search(r"\d[.,]\d{2}(?!\d)", price), price
    assert page.locator("#variant-stock").inner_text().strip() != ""
    # The page fits a phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
