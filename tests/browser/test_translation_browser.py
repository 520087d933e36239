"""A Spanish viewer's room page shows an English chat line in Spanish; a tap shows the
original (builtin engine: the translation comes from the shop's translation memory)."""

from __future__ import annotations

import pytest

from support.translation.services import memory_store
from tests.browser.conftest import signed_in_context
from tests.factories import build_world, make_live_room
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chat_in_the_viewers_language(web_server, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    make_live_room(world.shop_a, "translated-room", title="Translated show")
    memory_store(
        source_language="en",
        source_text="Is the dress lined?",
        target_language="es",
        target_text="¿El vestido tiene forro?",
        shop=world.shop_a,
    )
    server = web_server()
    talker_context = signed_in_context(browser, world.shopper)
    viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        talker, viewer = talker_context.new_page(), viewer_context.new_page()
        talker.goto(f"http://{server}/en/live/translated-room/")
        viewer.goto(f"http://{server}/es/live/translated-room/")
        for page in (talker, viewer):
            page.wait_for_function("document.getElementById('room').dataset.status === 'live'")
        viewer.wait_for_function("Number(document.getElementById('viewer-count').textContent) >= 2")
        talker.fill("#chat-input", "Is the dress lined?")
        talker.press("#chat-input", "Enter")
        line = viewer.locator("#chat-lines li span.translated")
        line.wait_for(timeout=8000)
        assert line.inner_text().strip() == "¿El vestido tiene forro?"
        assert line.get_attribute("title") == "Toca para ver el original"
        line.click()
        assert line.inner_text().strip() == "Is the dress lined?"
        line.click()
        assert line.inner_text().strip() == "¿El vestido tiene forro?"
        # The English talker sees the line as typed, never a translation.
        mine = talker.locator("#chat-lines li", has_text="Is the dress lined?")
        mine.wait_for(timeout=5000)
        assert talker.locator("#chat-lines span.translated").count() == 0
    finally:
        talker_context.close()
        viewer_context.close()
