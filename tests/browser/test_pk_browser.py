"""A PK in Chromium: two host consoles in two rooms go live with the fake camera, one invites
the other, the other accepts; a signed-out phone-sized viewer page of the second room plays
both hosts side by side, and goes back to one host when the PK ends."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from liverooms.media.models import PkBattle, PkStatus
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.browser.conftest import start_broadcast
from tests.liverooms.test_media import Stack, stack  # noqa: F401 - fixture
from tests.servers import daphne_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Videos on the stage with a picture whose time moved on since the previous poll.
PLAYING = """(count) => {
  const videos = [...document.querySelectorAll('#stage-video video')];
  if (videos.length !== count || videos.some((v) => v.videoWidth === 0)) return false;
  const seen = { key: videos.map((v) => v.dataset.identity).join(), at: videos.map((v) => v.currentTime) };
  const before = window.playingBefore;
  window.playingBefore = seen;
  return Boolean(before && before.key === seen.key && seen.at.every((t, i) => t > before.at[i]));
}"""


def _console(browser: Any, on: Stack, user: Any, room: LiveRoom, contexts: list[Any]) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(context)
    session = on.cookie(user)["Cookie"].split("=", 1)[1]
    context.add_cookies(
        [{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}]
    )
    page = context.new_page()
    page.goto(f"http://{on.web}/en/live/{room.slug}/host/")
    start_broadcast(page)
    return page


def test_two_hosts_link_their_rooms_and_a_viewer_sees_both(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, room_a = stack.world, stack.room
    room_b = LiveRoom.objects.create(
        shop=world.shop_b,
        slug="across-town",
        title="Across town",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    contexts: list[Any] = []
    try:
        host_a = _console(browser, stack, world.host_a, room_a, contexts)
        host_b = _console(browser, stack, world.owner_b, room_b, contexts)
        viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
        contexts.append(viewer_context)
        viewer = viewer_context.new_page()
        viewer.goto(f"http://{stack.web}/en/live/{room_b.slug}/")
        viewer.wait_for_function(PLAYING, arg=1, polling=500, timeout=20000)
        assert viewer.is_hidden("#pk-bar")

        # Room A's host picks room B from the live rooms and invites it for 3 minutes.
        host_a.wait_for_selector(f"#pk-target option[value='{room_b.slug}']", state="attached")
        host_a.select_option("#pk-target", room_b.slug)
        host_a.select_option("#pk-seconds", "180")
        host_a.click("#pk-invite")
        host_a.wait_for_function(
            "() => /Across town/.test(document.getElementById('pk-state').textContent)"
        )
        # Room B's host sees the invitation and accepts it.
        host_b.wait_for_selector("#pk-incoming:not([hidden])", timeout=10000)
        assert "On air" in host_b.text_content("#pk-state")  # room A's title
        host_b.click("#pk-accept")

        # The viewer of room B now plays both hosts side by side, room A's on the far side.
        viewer.wait_for_function(PLAYING, arg=2, polling=500, timeout=20000)
        assert viewer.get_attribute("#stage", "data-pk") == "active"
        assert viewer.is_visible("#pk-bar")
        assert viewer.text_content("#pk-bar [data-pk-clock]").startswith(("3:", "2:"))
        linked = viewer.eval_on_selector_all(
            "#stage-video video", "(vs) => vs.map((v) => v.dataset.linked)"
        )
        assert sorted(linked) == ["false", "true"]
        # Both consoles play the other host.
        for console in (host_a, host_b):
            console.wait_for_function(
                "() => { const v = document.querySelector('#pk-opponent video');"
                " return v && v.videoWidth > 0; }",
                timeout=20000,
            )
            assert console.is_visible("#pk-end")
            assert console.is_hidden("#pk-cancel") and console.is_hidden("#pk-invite-form")

        # Room A's host ends it: the viewer is back to room B's host alone.
        host_a.click("#pk-end")
        viewer.wait_for_function(PLAYING, arg=1, polling=500, timeout=20000)
        viewer.wait_for_selector("#pk-bar", state="hidden")
        assert viewer.get_attribute("#stage", "data-pk") is None
        host_b.wait_for_selector("#pk-invite-form:not([hidden])")
        assert PkBattle.objects.get().status == PkStatus.ENDED
    finally:
        for context in contexts:
            context.close()
