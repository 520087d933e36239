"""Two Chromium pages in one live room: a chat line typed on one appears on the other."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import room_end, room_start
from tests.browser.conftest import signed_in_context
from tests.factories import build_world, make_live_room
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chat_between_two_pages(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    make_live_room(world.shop_a, "browser-room", title="Browser show")
    server = web_server()
    talker_context = signed_in_context(browser, world.shopper)
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
    return signed_in_context(browser, user, currency="EUR")


def test_host_pins_a_product_and_a_viewer_buys_it_in_the_room(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
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
    server = web_server()
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


def test_live_list_refreshes_itself_when_a_show_goes_live(web_server, page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="starting-soon",
        title="Pearls at dawn",
        scheduled_at=timezone.now() + dt.timedelta(minutes=30),
    )
    server = web_server(ROOM_LIST_REFRESH_SECONDS="1")
    page.goto(f"http://{server}/en/live/")
    upcoming = page.locator("#upcoming")
    upcoming.get_by_text("Pearls at dawn").wait_for(timeout=5000)
    assert "minutes" in upcoming.locator("time.countdown").inner_text()  # a live countdown
    assert page.locator("#live-now").get_by_text("Pearls at dawn").count() == 0
    room_start(room=room, actor=world.owner_a)
    page.locator("#live-now").get_by_text("Pearls at dawn").wait_for(timeout=8000)
    assert page.locator("#upcoming").get_by_text("Pearls at dawn").count() == 0
    # Someone typing an e-mail for a reminder keeps their form: no refresh under their cursor.
    LiveRoom.objects.create(
        shop=world.shop_a,
        slug="later",
        title="Jade evening",
        scheduled_at=timezone.now() + dt.timedelta(hours=3),
    )
    page.locator("#upcoming").get_by_text("Jade evening").wait_for(timeout=8000)
    email = page.locator("#upcoming input[type=email]")
    email.fill("watcher@example.test")
    room_end(room=room, actor=world.owner_a)
    page.wait_for_timeout(2500)
    assert email.input_value() == "watcher@example.test"
    assert page.locator("#live-now").get_by_text("Pearls at dawn").count() == 1
    page.locator("h1").click()  # focus leaves the form: the next round refreshes
    page.locator("#live-now .empty").wait_for(timeout=8000)
