"""Going live from the browser: the host console publishes Chromium's fake camera and
microphone through the real relay; a second page, signed out, plays the video by itself."""

from __future__ import annotations

import pytest

from liverooms.media.models import RoomPublisher
from tests.browser.conftest import start_broadcast
from tests.liverooms.test_media import Stack, stack  # noqa: F401 - fixture
from tests.servers import daphne_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYING = """() => {
  const video = document.querySelector('#stage-video video');
  if (!video || video.videoWidth === 0) return null;
  return {width: video.videoWidth, time: video.currentTime, muted: video.muted};
}"""


def test_host_goes_live_in_chromium_and_a_viewer_page_plays(stack: Stack, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    host_context = browser.new_context(viewport={"width": 1280, "height": 800})
    session = stack.cookie(stack.world.host_a)["Cookie"].split("=", 1)[1]
    host_context.add_cookies(
        [{"name": "sessionid", "value": session, "domain": "127.0.0.1", "path": "/"}]
    )
    viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        early = viewer_context.new_page()  # there before the host: told the camera is coming
        early.goto(f"http://{stack.web}/en/live/{stack.room.slug}/")
        early.get_by_text("The host will be on camera in a moment.").wait_for(timeout=10000)
        host = host_context.new_page()
        host.goto(f"http://{stack.web}/en/live/{stack.room.slug}/host/")
        start_broadcast(host)
        # The host sees live numbers from its own connection.
        host.wait_for_function(
            "() => /kbps/.test(document.getElementById('rtc-stats').textContent)",
            timeout=15000,
        )
        viewer = viewer_context.new_page()
        viewer.goto(f"http://{stack.web}/en/live/{stack.room.slug}/")
        first = viewer.wait_for_function(PLAYING, timeout=20000).json_value()
        assert first["width"] > 0 and first["muted"]  # muted autoplay, no tap needed
        viewer.wait_for_function(
            f"() => document.querySelector('#stage-video video').currentTime > {first['time'] + 1}",
            timeout=15000,
        )
        assert viewer.is_visible("#unmute")
        early.wait_for_selector("#stage-note", state="hidden", timeout=15000)  # video instead
        viewer.click("#unmute")
        assert viewer.evaluate("document.querySelector('#stage-video video').muted") is False
        identity = f"user-{stack.world.host_a.pk}"
        assert list(RoomPublisher.objects.values_list("identity", flat=True)) == [identity]
        # The host stops: the viewer's list empties as the relay reports the tracks gone.
        host.click("#broadcast-stop")
        viewer.wait_for_function(
            "() => !document.querySelector('#stage-video video')", timeout=30000
        )
        viewer.get_by_text("The host will be on camera in a moment.").wait_for(timeout=5000)
    finally:
        host_context.close()
        viewer_context.close()
