"""A guest on a phone buys a product with the test card and sees the paid order page."""

from __future__ import annotations

import re

import pytest

from shop.orders.models import Order, OrderStatus
from tests.factories import CatalogWorld, make_shipping

pytestmark = pytest.mark.browser


def test_guest_buys_with_the_test_card(live_server, live_world: CatalogWorld, page) -> None:  # type: ignore[no-untyped-def]
    make_shipping(live_world.shop_a, ["ES", "FR"], {"EUR": "6.90"})
    page.goto(f"{live_server.url}/en/s/shop-a/p/silk-dress/")
    assert page.locator("#currency-switch").input_value() == "USD"  # en-US browser
    with page.expect_navigation():
        page.select_option("#currency-switch", "EUR")
    page.fill("#quantity", "2")
    with page.expect_navigation():
        page.click("#add-to-cart")
    assert page.locator("#cart-count").inner_text() == "2"

    page.click("#cart-link")
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Check out with Shop A")).click()
    page.fill("#id_email", "guest@example.test")
    page.fill("#id_name", "Ana Ruiz")
    page.fill("#id_line1", "Calle Mayor 1")
    page.fill("#id_city", "Madrid")
    page.fill("#id_postal_code", "28001")
    with page.expect_navigation():  # choosing the country recomputes shipping on the server
        page.select_option("#id_country", "ES")
    assert page.locator("#id_name").input_value() == "Ana Ruiz"  # nothing typed is lost
    assert "6.90" in page.locator("#shipping").inner_text()
    total = page.locator("#total").inner_text()
    assert "244.90" in total
    with page.expect_navigation():
        page.click("button.place")
    assert re.search(r"/orders/SR\w+/pay/$", page.url)

    page.fill("#id_card_number", "4242 4242 4242 4242")
    page.fill("#id_expiry", "12/30")
    page.fill("#id_cvc", "123")
    with page.expect_navigation():
        page.click("#pay-button")
    assert page.locator("#order-status").inner_text() == "Paid"
    assert "244.90" in page.locator("#order-total").inner_text()
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.email == "guest@example.test"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
