"""The shoppable replay in Chromium: a real replay file made by the replay job from synthetic
recorded tracks plays, a product marker seeks and shows that product's card, chat follows the
playhead, and buying from the drawer records the replay as the order's source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from liverooms.replays.models import Replay, RoomTimelineEvent
from liverooms.replays.services import (
    replay_delete,
    replay_for_room,
    replay_process,
    replay_publish,
)
from liverooms.rooms.models import ChatMessage
from tests.browser.conftest import signed_in_context
from tests.factories import build_world, make_product, make_shipping
from tests.replays.conftest import Show, at, make_show  # noqa: F401 - fixture
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context_for(browser: Any, user: Any) -> Any:
    return signed_in_context(browser, user, currency="EUR", locale="en-US")


def test_replay_plays_seeks_to_products_and_sells_with_the_replay_as_source(
    web_server: Any,  # noqa: F811
    browser: Any,
    make_show: Any,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    from shop.orders.models import Order

    # Given: a show of 8 s (the dress pinned at 1 s and unpinned at 3 s, a bag pinned at 5 s)
    # turned into a published replay by the real job; chat said at 0.5 s and at 6 s.
    # The files go to the test MEDIA_ROOT, which the web process serves from too.
    settings.REPLAY_WORK_DIR = tmp_path / "work"
    settings.REPLAY_TRANSCODE = ""
    world = build_world()
    bag = make_product(
        world.shop_a, "leather-bag", names={"en": "Leather bag"}, prices={"EUR": "80.00"}
    )
    show: Show = make_show(world, seconds=8.0, slug="replay-show")
    RoomTimelineEvent.objects.create(room=show.room, kind="pin", product=bag, at=at(5.0))
    for seconds, text in ((0.5, "Hello <b>all</b>"), (6.0, "Love the bag")):
        message = ChatMessage.objects.create(
            room=show.room, user=world.shopper, author_name="Ana", text=text
        )
        ChatMessage.objects.filter(pk=message.pk).update(created_at=at(seconds))
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    replay = replay_publish(replay=replay, actor=world.owner_a)
    make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    server = web_server()
    context = _context_for(browser, world.shopper)
    try:
        page = context.new_page()
        page.goto(f"http://{server}/en/replays/{replay.slug}/")
        video = "document.getElementById('replay-video')"
        page.wait_for_function(f"{video}.readyState >= 1", timeout=10000)

        # The video plays: its clock advances.
        page.evaluate(f"{video}.muted = true; {video}.play()")
        page.wait_for_function(f"{video}.currentTime > 0.6", timeout=10000)
        page.locator("#chat-lines li", has_text="Hello <b>all</b>").wait_for(timeout=5000)
        assert page.locator("#chat-lines b").count() == 0  # chat is text, never markup

        # A marker seeks: the bag's marker jumps to 5 s and the card shows the bag.
        page.evaluate(f"{video}.pause()")
        page.click(f".replay-marker[data-product='{bag.pk}']")
        position = page.evaluate(f"{video}.currentTime")
        assert abs(position - 5.0) < 0.3
        page.wait_for_function(
            "document.getElementById('pinned-name').textContent === 'Leather bag'", timeout=5000
        )
        assert "80.00" in page.locator("#pinned-price").inner_text()
        assert page.locator("#chat-lines li", has_text="Hello").count() == 1
        assert page.locator("#chat-lines li", has_text="Love the bag").count() == 0  # said at 6 s
        page.evaluate(f"{video}.play()")
        page.locator("#chat-lines li", has_text="Love the bag").wait_for(timeout=5000)
        page.evaluate(f"{video}.pause()")

        # Seeking back to the dress rebuilds the chat up to 1 s and shows the dress.
        page.click(f".replay-marker[data-product='{world.dress.pk}']")
        assert abs(page.evaluate(f"{video}.currentTime") - 1.0) < 0.3
        page.wait_for_function(
            "document.getElementById('pinned-name').textContent === 'Silk dress'", timeout=5000
        )
        assert page.locator("#chat-lines li", has_text="Love the bag").count() == 0
        assert "119.00" in page.locator("#pinned-price").inner_text()

        # Buy from the drawer while the video keeps playing, without leaving the page.
        page.click("#buy-now")
        page.evaluate(f"{video}.play()")
        page.fill("[name=line1]", "Calle Mayor 1")
        page.fill("[name=name]", "Ana Ruiz")
        page.fill("[name=city]", "Madrid")
        page.fill("[name=postal_code]", "28001")
        page.select_option("#buy-country", "ES")
        page.wait_for_function(
            "document.getElementById('buy-total').textContent.includes('125.90')"
        )
        page.fill("#buy-card", "4242 4242 4242 4242")
        page.fill("[name=expiry]", "12/30")
        page.fill("[name=cvc]", "123")
        url_before = page.url
        page.click("#buy-pay")
        page.locator("#buy-done").wait_for(state="visible", timeout=10000)
        assert page.url == url_before
        assert page.evaluate(f"{video}.currentTime") > 1.0  # playback went on meanwhile

        order = Order.objects.get()
        assert (order.source_type, order.source_id, order.status) == (
            "replay",
            str(replay.pk),
            "paid",
        )
        assert order.lines.get().variant.product_id == world.dress.pk  # type: ignore[union-attr]
        # Leaving the page reports the seconds really played (a beacon).
        page.evaluate("window.dispatchEvent(new Event('pagehide'))")
        for _attempt in range(50):
            replay = Replay.objects.get(pk=replay.pk)
            if replay.watch_seconds:
                break
            page.wait_for_timeout(100)
        assert 1 <= replay.watch_seconds <= 30
        assert replay.views == 1
        assert replay.product_clicks >= 2  # the two marker clicks
    finally:
        context.close()
        replay_delete(replay=Replay.objects.get(pk=replay.pk), actor=None)


def test_the_player_applies_the_merchants_trim(
    web_server: Any,  # noqa: F811
    page: Any,
    make_show: Any,  # noqa: F811
    tmp_path: Path,
    settings: Any,
) -> None:
    # Given: a 6 s show (dress pinned at 1 s) trimmed to 2-4 s: the dress's pin is cut away.
    settings.REPLAY_WORK_DIR = tmp_path / "work"
    settings.REPLAY_TRANSCODE = ""
    world = build_world()
    show: Show = make_show(world, seconds=6.0, slug="trimmed-show")
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    Replay.objects.filter(pk=replay.pk).update(trim_start=2.0, trim_end=4.0)
    replay = replay_publish(replay=Replay.objects.get(pk=replay.pk), actor=world.owner_a)
    server = web_server()
    try:
        page.goto(f"http://{server}/en/replays/{replay.slug}/")
        video = "document.getElementById('replay-video')"
        # Playback starts at the trim start and stops at the trim end.
        page.wait_for_function(f"{video}.readyState >= 1 && {video}.currentTime >= 1.99")
        assert page.locator(".replay-marker").count() == 0  # the pin at 1 s is trimmed away
        # The dress was still pinned at 2 s (pinned at 1, unpinned at 3): its card shows.
        page.locator("#pinned-card").wait_for(state="visible", timeout=5000)
        page.evaluate(f"{video}.muted = true; {video}.play()")
        page.wait_for_function(f"{video}.paused && {video}.currentTime >= 3.9", timeout=10000)
        assert page.evaluate(f"{video}.currentTime") <= 4.3
        assert page.locator("#pinned-card").is_hidden()  # unpinned at 3 s
    finally:
        replay_delete(replay=Replay.objects.get(pk=replay.pk), actor=None)
