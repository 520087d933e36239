"""Chromium: the host opens a giveaway from the console, a phone viewer enters with the
button and sees the winners (themself) after the host draws; a coupon drop is claimed and
the viewer sees their code while the console's count falls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from liverooms.giveaways.models import GiveawayEntry, GiveawayWinner
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.browser.test_room_browser import _context_for
from tests.factories import build_world, make_voucher
from tests.servers import web_server  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_a_giveaway_see_the_draw_and_claim_a_coupon(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="giveaway-show",
        title="Giveaway show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    make_voucher(world.shop_a, "LIVE20", percentage="20", name="Live twenty")
    server = web_server()
    host_context = _context_for(browser, server, world.host_a)
    viewer_context = _context_for(browser, server, world.shopper)
    try:
        host = host_context.new_page()
        host.goto(f"http://{server}/en/live/{room.slug}/host/")
        host.wait_for_function(
            "document.getElementById('giveaway-state').textContent.includes('No giveaway')"
        )
        viewer = viewer_context.new_page()
        viewer.goto(f"http://{server}/en/live/{room.slug}/")
        viewer.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        assert viewer.locator("#giveaway-card").is_hidden()

        host.fill("#giveaway-form [name=prize]", "<i>Silk</i> scarf")
        host.fill("#giveaway-form [name=keyword]", "scarf")
        host.click("#giveaway-open")
        card = viewer.locator("#giveaway-card")
        card.wait_for(state="visible", timeout=5000)
        assert "<i>Silk</i> scarf" in card.inner_text()  # text, not markup
        assert "scarf" in viewer.locator("[data-giveaway-keyword]").inner_text()
        seed_hash = viewer.locator("[data-giveaway-hash]").get_attribute("title")
        assert seed_hash and len(seed_hash) == 64

        viewer.click("#giveaway-enter")
        viewer.locator("[data-giveaway-you]", has_text="You are in").wait_for(timeout=5000)
        assert viewer.locator("#giveaway-enter").is_hidden()
        host.wait_for_function(
            "document.getElementById('giveaway-state').textContent.includes('1 entered')",
            timeout=5000,
        )
        host.click("#giveaway-draw")
        viewer.locator("[data-giveaway-winners] li").first.wait_for(timeout=5000)
        handle = GiveawayEntry.objects.get(user=world.shopper).handle
        assert viewer.locator("[data-giveaway-winners] li").all_inner_texts() == [handle]
        assert "You won!" in viewer.locator("[data-giveaway-you]").inner_text()
        assert GiveawayWinner.objects.filter(entry__user=world.shopper).exists()
        record_url = f"http://{server}" + viewer.locator("[data-giveaway-verify]").get_attribute(
            "href"
        )
        record = viewer.request.get(record_url).json()
        assert record["seed_hash"] == seed_hash and record["winners"][0]["handle"] == handle
        checked = subprocess.run(  # anyone can re-run the draw against the live server
            [sys.executable, "-m", "liverooms.giveaways.verify", record_url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert checked.returncode == 0 and handle in checked.stdout, checked.stdout

        host.fill("#coupon-form [name=quantity]", "2")
        host.click("#coupon-drop")
        viewer.locator("#coupon-card").wait_for(state="visible", timeout=5000)
        assert "20% off" in viewer.locator("#coupon-card").inner_text()
        viewer.click("#coupon-claim")
        code = viewer.locator("#coupon-card .coupon-code")
        code.wait_for(timeout=5000)
        claimed = code.inner_text()
        assert len(claimed) == 10
        assert viewer.locator("#coupon-claim").is_hidden()  # one per shopper
        host.wait_for_function(
            "document.getElementById('coupon-state').textContent.includes('1 of 2 left')",
            timeout=5000,
        )
        viewer.goto(f"http://{server}/en/coupons/")  # the code is in the shopper's account
        assert viewer.locator(f"[data-code='{claimed}']").count() == 1
    finally:
        host_context.close()
        viewer_context.close()
