"""Two Chromium pages in one live room: a chat line typed on one appears on the other."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world
from tests.servers import daphne_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chat_between_two_pages(daphne_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    LiveRoom.objects.create(
        shop=world.shop_a,
        slug="browser-room",
        title="Browser show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    server = daphne_server()
    client = Client()
    client.force_login(world.shopper)
    talker_context = browser.new_context(viewport={"width": 390, "height": 844})
    talker_context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "127.0.0.1",
                "path": "/",
            }
        ]
    )
    viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        talker, viewer = talker_context.new_page(), viewer_context.new_page()
        for page in (talker, viewer):
            page.goto(f"http://{server}/en/live/browser-room/")
            page.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        viewer.wait_for_function("Number(document.getElementById('viewer-count').textContent) >= 2")
        talker.fill("#chat-input", "<img src=x onerror=alert(1)> Is the dress lined?")
        talker.press("#chat-input", "Enter")
        line = viewer.locator("#chat-lines li", has_text="Is the dress lined?")
        line.wait_for(timeout=5000)
        assert "<img src=x onerror=alert(1)>" in line.inner_text()  # shown as text, not HTML
        assert viewer.locator("#chat-lines img").count() == 0
        talker.click("#like-button")
        viewer.wait_for_function("Number(document.getElementById('like-count').textContent) >= 1")
        assert viewer.locator("#chat-form").count() == 0  # anonymous viewers watch and read
    finally:
        talker_context.close()
        viewer_context.close()


def _context_for(browser, server: str, user):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": "127.0.0.1",
                "path": "/",
            },
            {"name": "showroom_currency", "value": "EUR", "domain": "127.0.0.1", "path": "/"},
        ]
    )
    return context


def test_host_pins_a_product_and_a_viewer_buys_it_in_the_room(daphne_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from shop.orders.models import Order
    from tests.factories import make_shipping

    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="buy-room",
        title="Buy show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    server = daphne_server()
    host_context, viewer_context = (
        _context_for(browser, server, world.host_a),
        _context_for(browser, server, world.shopper),
    )
    try:
        viewer = viewer_context.new_page()
        viewer.goto(f"http://{server}/en/live/buy-room/")
        viewer.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        host = host_context.new_page()
        host.goto(f"http://{server}/en/live/buy-room/host/")
        host.click(f"[data-pin='{world.dress.pk}']")
        viewer.locator("#pinned-card").wait_for(state="visible", timeout=5000)
        viewer.wait_for_function(
            "document.getElementById('pinned-name').textContent === 'Silk dress'", timeout=5000
        )
        assert "119.00" in viewer.locator("#pinned-price").inner_text()
        host.fill("#deal-form [name=price]", "99")
        host.fill("#deal-form [name=quantity]", "3")
        host.click("#deal-start")
        viewer.locator("#deal").wait_for(state="visible", timeout=5000)  # the live-only price
        viewer.wait_for_function(
            "document.getElementById('deal-price').textContent.includes('99.00')"
        )
        assert "3" in viewer.locator("#deal-left").inner_text()
        viewer.click("#buy-now")
        viewer.fill("[name=line1]", "Calle Mayor 1")
        viewer.fill("[name=name]", "Ana Ruiz")
        viewer.fill("[name=city]", "Madrid")
        viewer.fill("[name=postal_code]", "28001")
        viewer.select_option("#buy-country", "ES")
        viewer.wait_for_function(
            "document.getElementById('buy-total').textContent.includes('105.90')"
        )
        viewer.fill("#buy-card", "4242 4242 4242 4242")
        viewer.fill("[name=expiry]", "12/30")
        viewer.fill("[name=cvc]", "123")
        url_before = viewer.url
        viewer.click("#buy-pay")
        viewer.locator("#buy-done").wait_for(state="visible", timeout=10000)
        assert viewer.url == url_before  # never left the room page
        order = Order.objects.get()
        assert (order.source_type, order.source_id, order.status) == (
            "live_room",
            str(room.pk),
            "paid",
        )
        assert order.subtotal == 99  # bought at the deal price
        viewer.wait_for_function("document.getElementById('deal-left').textContent.includes('2')")
        viewer.locator("#ticker").wait_for(state="visible", timeout=5000)  # "just bought"
    finally:
        host_context.close()
        viewer_context.close()
