"""Gifts in Chromium: a viewer with coins taps a gift; another viewer's page plays its
animation and shows the top gifters; the sender's coins go down."""

from __future__ import annotations

import pytest
from django.utils import timezone

from liverooms.gifts.models import Gift, GiftAnimation
from liverooms.rooms.models import LiveRoom, RoomStatus
from shop.wallet.models import EntryKind
from shop.wallet.selectors import wallet_balance
from shop.wallet.services import wallet_credit
from tests.browser.conftest import signed_in_context
from tests.factories import build_world
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _signed_in(browser, user):  # type: ignore[no-untyped-def]
    return signed_in_context(browser, user)


def test_a_gift_animation_appears_for_another_viewer(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="gift-room",
        title="Gift show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    rocket = Gift.objects.create(
        shop=world.shop_a, name="Rocket", coin_price=20, animation=GiftAnimation.ROCKET
    )
    wallet_credit(
        user=world.shopper,
        shop_id=world.shop_a.pk,
        amount=50,
        kind=EntryKind.PURCHASE,
        idempotency_key="seed",
    )
    server = web_server()
    sender_context = _signed_in(browser, world.shopper)
    viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        sender, viewer = sender_context.new_page(), viewer_context.new_page()
        for page in (sender, viewer):
            page.goto(f"http://{server}/en/live/{room.slug}/")
            page.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        sender.wait_for_function("document.getElementById('gift-balance').textContent === '50'")
        assert viewer.locator("#gift-tray button").count() == 0  # signed out: no tray
        sender.click(f"#gift-tray button[data-gift-id='{rocket.pk}']")
        animation = viewer.locator(f"#gift-overlay .gift-animation[data-gift='{rocket.pk}']")
        animation.wait_for(timeout=5000)
        assert "Rocket" in animation.inner_text()
        viewer.locator("#gift-board li", has_text="shopper").wait_for(timeout=5000)
        sender.wait_for_function("document.getElementById('gift-balance').textContent === '30'")
        assert wallet_balance(user=world.shopper, shop=world.shop_a) == 30
        assert sender.locator("#gift-buy").get_attribute("href") == "/en/coins/?shop=shop-a"
    finally:
        sender_context.close()
        viewer_context.close()


def test_pk_score_bar_follows_gifts_and_shows_the_winner(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import uuid

    from liverooms.gifts.services import gift_send
    from liverooms.media.pk import pk_accept, pk_end, pk_invite

    world = build_world()
    room_a, room_b = (
        LiveRoom.objects.create(
            shop=shop,
            slug=slug,
            title=slug.title(),
            scheduled_at=timezone.now(),
            status=RoomStatus.LIVE,
        )
        for shop, slug in ((world.shop_a, "left-room"), (world.shop_b, "right-room"))
    )
    rose = Gift.objects.create(shop=world.shop_b, name="Rose", coin_price=15)
    wallet_credit(
        user=world.shopper,
        shop_id=world.shop_b.pk,
        amount=100,
        kind=EntryKind.PURCHASE,
        idempotency_key="seed",
    )
    pk_invite(room=room_a, target_slug=room_b.slug, actor=world.host_a)
    pk_accept(room=room_b, actor=world.owner_b)
    server = web_server()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        viewer = context.new_page()
        viewer.goto(f"http://{server}/en/live/{room_b.slug}/")
        viewer.wait_for_selector("[data-pk-score]:not([hidden])", timeout=5000)
        gift_send(room=room_b, user=world.shopper, gift_id=rose.pk, count=2, send_id=uuid.uuid4())
        viewer.wait_for_function(
            "document.querySelector('[data-pk-score-own]').textContent === '30'", timeout=5000
        )
        assert viewer.locator("[data-pk-score-other]").inner_text() == "0"
        pk_end(room=room_a, actor=world.host_a)
        viewer.wait_for_selector("[data-pk-score][data-result='won']", timeout=5000)
        assert "wins" in viewer.locator("[data-pk-clock]").inner_text()
    finally:
        context.close()
