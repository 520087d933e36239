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
