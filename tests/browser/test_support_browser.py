"""The support widget in Chromium: a Spanish-speaking shopper asks where their order is and
gets the tracking status in Spanish; a staff member's reply from the inbox appears in the
shopper's widget at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.orders.models import Order, OrderStatus, Shipment, TrackingEvent
from support.chat.models import Conversation, SenderKind, SupportMessage
from tests.browser.conftest import signed_in_context
from tests.factories import CatalogWorld, build_world
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, user):  # type: ignore[no-untyped-def]
    return signed_in_context(browser, user)


def _shipped_order(world: CatalogWorld) -> Order:
    order = Order.objects.create(
        shop=world.shop_a,
        number="SRTRACK1",
        user=world.shopper,
        email=world.shopper.email,
        language="es",
        status=OrderStatus.SHIPPED,
        currency="EUR",
        subtotal=Decimal("119.00"),
        total=Decimal("119.00"),
        ship_name="Lucía Pérez",
        ship_line1="Calle Mayor 1",
        ship_city="Madrid",
        ship_country="ES",
        paid_at=timezone.now() - dt.timedelta(days=3),
    )
    shipment = Shipment.objects.create(
        order=order,
        carrier="Correos",
        tracking_number="PQ123456789ES",
        shipped_at=timezone.now() - dt.timedelta(days=2),
    )
    TrackingEvent.objects.create(
        shipment=shipment,
        status="in_transit",
        location="Zaragoza",
        occurred_at=timezone.now() - dt.timedelta(hours=5),
    )
    return order


def test_a_spanish_shopper_asks_where_the_order_is_and_staff_reply_live(  # type: ignore[no-untyped-def]
    web_server,  # noqa: F811
    browser,
) -> None:
    # Given a signed-in shopper with a shipped order of shop A, on a product page in Spanish
    world = build_world()
    _shipped_order(world)
    server = web_server(AI_TOKEN_DELAY="0.01")
    shopper_context = _signed_in(browser, world.shopper)
    staff_context = _signed_in(browser, world.owner_a)
    try:
        staff = staff_context.new_page()
        staff.goto(f"http://{server}/en/support/inbox/")
        staff.wait_for_function("document.getElementById('inbox').dataset.live === '1'")
        shopper = shopper_context.new_page()
        shopper.goto(f"http://{server}/es/s/shop-a/p/silk-dress/")

        # When they open the widget and ask in Spanish
        shopper.click("#support-launcher")
        shopper.wait_for_function(
            "document.getElementById('support-widget').dataset.connected === '1'"
        )
        shopper.fill("#support-input", "¿dónde está mi pedido?")
        shopper.press("#support-input", "Enter")

        # Then the agent's reply gives the tracking status, in Spanish
        reply = shopper.locator("#support-messages .from-agent[data-message]").first
        reply.wait_for(timeout=15000)
        text = reply.inner_text()
        assert "PQ123456789ES" in text or "Correos" in text, text
        assert "tránsito" in text.lower(), text
        assert "Zaragoza" in text, text
        stored = SupportMessage.objects.get(sender_kind=SenderKind.AGENT)
        assert {call["tool"] for call in stored.tool_calls} & {"shipment_tracking", "order_status"}

        # When a staff member, whose inbox listed the conversation live, opens it and replies
        conversation = Conversation.objects.get(shopper=world.shopper)
        row = staff.locator(f'#inbox-list [data-conversation="{conversation.pk}"]')
        row.wait_for(timeout=5000)
        assert "SRTRACK1" in row.inner_text()  # the latest message: the agent's answer
        with staff.expect_navigation():
            row.locator("a").click()
        assert "¿dónde está mi pedido?" in staff.locator("#transcript").inner_text()
        staff.fill("#reply-text", "Hola Lucía, soy Ana de la tienda. Llega mañana.")
        staff.click("#reply-send")

        # Then the shopper sees it in the widget without reloading
        human = shopper.locator("#support-messages .from-human", has_text="Llega mañana.")
        human.wait_for(timeout=5000)
        assert shopper.locator("#support-panel").is_visible()

        # When the staff member asks for a rating, the shopper gives four stars
        with staff.expect_navigation():
            staff.click("#request-csat")
        shopper.locator("#support-csat").wait_for(state="visible", timeout=5000)
        shopper.locator("#support-csat label").nth(3).click()
        shopper.fill("#support-csat-comment", "Muy rápido")
        shopper.click("#support-csat-send")
        shopper.locator("#support-csat").wait_for(state="hidden", timeout=5000)
        conversation.refresh_from_db()
        assert conversation.csat_score == 4 and conversation.csat_comment == "Muy rápido"

        # And on the next page the widget opens again with the whole conversation
        shopper.goto(f"http://{server}/es/s/shop-a/")
        shopper.locator("#support-messages .from-human", has_text="Llega mañana.").wait_for()
        senders = shopper.locator("#support-messages [data-message]").evaluate_all(
            "lines => lines.map(line => line.className.replace('support-line from-', ''))"
        )
        assert senders == ["shopper", "agent", "human"]
    finally:
        shopper_context.close()
        staff_context.close()


def test_the_widget_picks_a_shop_on_neutral_pages_and_fits_a_phone(  # type: ignore[no-untyped-def]
    web_server,  # noqa: F811
    browser,
) -> None:
    build_world()
    server = web_server(AI_TOKEN_DELAY="0")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar")
    try:
        page = context.new_page()
        page.goto(f"http://{server}/ar/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        page.click("#support-launcher")
        page.locator("#support-picker").wait_for(state="visible")
        page.select_option("#support-shop", "shop-b")
        page.click("#support-shop-go")
        page.wait_for_function(
            "document.getElementById('support-widget').dataset.connected === '1'"
        )
        # The panel fills the phone's screen and stays inside it
        box = page.locator("#support-panel").bounding_box()
        assert box is not None and box["width"] <= 390 and box["x"] >= 0
        page.fill("#support-input", "مرحبا")
        page.press("#support-input", "Enter")
        page.locator("#support-messages .from-agent[data-message]").first.wait_for(timeout=15000)
        assert Conversation.objects.get().shop.slug == "shop-b"
    finally:
        context.close()
