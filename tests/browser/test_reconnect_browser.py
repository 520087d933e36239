"""The live video comes back by itself (issue #5): Chromium pages (a host console publishing the
fake camera, a viewer playing it) through the real relay and web processes, while the relay
crashes and restarts, or the room socket drops.

"Playing" means frames rendered (requestVideoFrameCallback), counted per MediaStream, so a
frozen picture from a dead connection never passes for video."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from config.services import free_port
from liverooms.media.models import RelayEvent, RoomPublisher
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.browser.conftest import start_broadcast
from tests.factories import CatalogWorld, build_world
from tests.relay.conftest import SECRET, RelayProcess, start_relay
from tests.relay.media import use_loopback
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOVERY = 20.0  # seconds the pages get to play again (the bound)

COUNT_FRAMES = """() => {
  window.framesByStream = {};
  setInterval(() => {
    for (const video of document.querySelectorAll('#stage-video video')) {
      if (video.countingFrames) continue;
      video.countingFrames = true;
      const count = () => {
        const id = video.srcObject && video.srcObject.id;
        if (id && video.videoWidth > 0) window.framesByStream[id] = (window.framesByStream[id] || 0) + 1;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    }
  }, 50);
}"""

PLAYING = """() => {
  const video = document.querySelector('#stage-video video');
  if (!video || !video.srcObject || video.videoWidth === 0) return null;
  const stream = video.srcObject.id;
  return {stream, width: video.videoWidth, time: video.currentTime,
          frames: window.framesByStream[stream] || 0};
}"""


@dataclass
class LiveStack:
    """One web process, one relay registered in Redis, a live room and its people."""

    web: str
    web_env: dict[str, str]
    relay: RelayProcess
    relay_env: dict[str, str]
    world: CatalogWorld
    room: LiveRoom
    workdir: Path

    @property
    def relay_room(self) -> str:
        return f"room-{self.room.pk}"

    def session_cookie(self, user: Any) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        host, _port = self.web.split(":")
        value = client.cookies["sessionid"].value
        return {"name": "sessionid", "value": value, "domain": host, "path": "/"}

    def crash_relay_and_start_again(self) -> float:
        """SIGKILL (no goodbye, no webhooks) and a new process on the same port and settings;
        returns when the new one answers."""
        self.relay.process.kill()
        self.relay.process.wait()
        killed = time.monotonic()
        self.relay = start_relay(self.workdir, port=self.relay.port, **self.relay_env)
        return killed

    def assigned_node(self) -> str | None:
        """The relay node id the web tier assigned the room to (sticky, in Redis)."""
        key = f"{self.relay_env['RELAY_REDIS_PREFIX']}:relay:room:{self.relay_room}"
        return events.sync_client().get(key)  # type: ignore[no-any-return]

    def relay_room_state(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.relay.admin(self.relay_room)}"}
        return self.relay.call("GET", f"/v1/rooms/{self.relay_room}", headers=headers)[1]


@pytest.fixture
def live(web_server: Callable[..., str], tmp_path: Path) -> Iterator[LiveStack]:  # noqa: F811
    use_loopback()
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="back-again",
        title="Back again",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    port = free_port()
    prefix = f"reconnect-{uuid.uuid4().hex[:8]}"
    relay_env = {
        "RELAY_WEBHOOK_URL": f"http://127.0.0.1:{port}/rtc/relay/events/",
        "RELAY_RECORD": "off",
        "RELAY_REDIS_URL": settings.REALTIME_REDIS_URL,
        "RELAY_REDIS_PREFIX": prefix,
    }
    relay = start_relay(tmp_path, **relay_env)
    web_env = {"RELAY_SECRET": SECRET, "RELAY_REDIS_PREFIX": prefix}
    stack = LiveStack(web_server(port, **web_env), web_env, relay, relay_env, world, room, tmp_path)
    yield stack
    stack.relay.stop()


def _go_live(stack: LiveStack, browser: Any) -> tuple[Any, Any]:
    """The host's console publishing and a viewer page playing it; returns both pages."""
    host_context = browser.new_context(viewport={"width": 1280, "height": 800})
    host_context.add_cookies([stack.session_cookie(stack.world.host_a)])
    host = host_context.new_page()
    host.goto(f"http://{stack.web}/en/live/{stack.room.slug}/host/")
    start_broadcast(host)
    viewer_context = browser.new_context(viewport={"width": 390, "height": 844})
    viewer_context.add_cookies([stack.session_cookie(stack.world.shopper)])
    viewer = viewer_context.new_page()
    viewer.goto(f"http://{stack.web}/en/live/{stack.room.slug}/")
    viewer.evaluate(COUNT_FRAMES)
    _frames_flow(viewer, timeout=20)
    return host, viewer


def _frames_flow(
    page: Any, *, timeout: float, not_stream: str | None = None, frames: int = 20
) -> dict[str, Any]:
    """Waits until the page's video renders ``frames`` new frames (on a stream other than
    ``not_stream``, when given) with its clock running; returns where it got."""
    deadline = time.monotonic() + timeout
    start: dict[str, Any] | None = None
    last: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        last = page.evaluate(PLAYING)
        if last is not None and last["stream"] != not_stream:
            if start is None or start["stream"] != last["stream"]:
                start = last
            elif last["frames"] - start["frames"] >= frames and last["time"] > start["time"]:
                return last
        time.sleep(0.1)
    raise AssertionError(f"no video playing within {timeout} s: first {start}, last {last}")


def _host_publishes_on(stack: LiveStack, *, timeout: float) -> dict[str, Any]:
    """The (current) relay process forwards the host's video; returns the host's state there."""
    identity = f"user-{stack.world.host_a.pk}"
    deadline = time.monotonic() + timeout
    seen: dict[str, Any] = {}
    while time.monotonic() < deadline:
        seen = stack.relay_room_state()
        host = next((p for p in seen.get("participants", []) if p["identity"] == identity), None)
        video = next((t for t in (host or {}).get("tracks", []) if t["kind"] == "video"), None)
        if host and host["publishing"] and video and video["live"] and video["frames"] > 0:
            return host
        time.sleep(0.1)
    raise AssertionError(f"the host is not publishing on the relay: {seen}")


def test_host_and_viewer_come_back_after_the_relay_crashes_and_restarts(
    live: LiveStack,
    browser: Any,
) -> None:
    host, viewer = _go_live(live, browser)
    before = viewer.evaluate(PLAYING)

    killed = live.crash_relay_and_start_again()
    restarted_at = timezone.now()

    # Within the bound: the host publishes to the new process and the viewer plays it on a
    # new connection (a new MediaStream), frames rendering and the clock running.
    _host_publishes_on(live, timeout=RECOVERY - (time.monotonic() - killed))
    _frames_flow(
        viewer, timeout=RECOVERY - (time.monotonic() - killed), not_stream=before["stream"]
    )
    # The web tier heard the new process: it forgot the crashed one's publishers and listed
    # the host again from the new process's webhook.
    assert RelayEvent.objects.filter(kind="relay.started").exists()
    publisher = RoomPublisher.objects.get(room=live.room)
    assert publisher.identity == f"user-{live.world.host_a.pk}"
    assert publisher.updated_at >= restarted_at
    # The console shows live numbers from the new connection (never a negative bitrate from
    # mixing the old connection's counters with the new one's).
    host.wait_for_function(
        "() => /[^-]\\d+ kbps/.test(document.getElementById('rtc-stats').textContent)",
        timeout=10000,
    )
    host.context.close()
    viewer.context.close()


def _web_process(address: str) -> psutil.Process:
    port = int(address.rsplit(":", 1)[1])
    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            return psutil.Process(connection.pid)
    raise AssertionError(f"nothing listens on {address}")


def _chat(page: Any, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def test_chat_and_video_resume_after_the_web_process_restarts(
    live: LiveStack,
    browser: Any,
    web_server: Callable[..., str],  # noqa: F811
) -> None:
    host, viewer = _go_live(live, browser)
    _chat(viewer, "before the restart")
    host.wait_for_selector("#chat-lines li:has-text('before the restart')", timeout=10000)

    # The web process restarts on the same port: every room socket closes, and the peers
    # those sockets made are left at the relay.
    process = _web_process(live.web)
    process.send_signal(signal.SIGTERM)
    process.wait(15)
    dropped = time.monotonic()
    web_server(int(live.web.rsplit(":", 1)[1]), **live.web_env)

    _host_publishes_on(live, timeout=RECOVERY - (time.monotonic() - dropped))
    _frames_flow(viewer, timeout=RECOVERY - (time.monotonic() - dropped))
    _chat(viewer, "after the restart")
    host.wait_for_selector("#chat-lines li:has-text('after the restart')", timeout=10000)
    viewer.wait_for_selector("#chat-lines li:has-text('after the restart')", timeout=5000)
    host.context.close()
    viewer.context.close()


def _until(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def test_a_host_who_left_while_the_relay_was_down_is_not_shown_after_it_restarts(
    live: LiveStack,
    browser: Any,
) -> None:
    host, viewer = _go_live(live, browser)
    live.relay.process.kill()  # no webhook will ever say the host's tracks ended
    live.relay.process.wait()
    host.context.close()  # the host gives up meanwhile
    live.relay = start_relay(live.workdir, port=live.relay.port, **live.relay_env)

    # The new process says it started: the web tier drops what the crashed one had reported,
    # and the viewer's page stops waiting for a host who is not coming back.
    _until(
        lambda: not RoomPublisher.objects.filter(room=live.room).exists(),
        timeout=RECOVERY,
        what="the crashed relay's publisher is still listed",
    )
    viewer.wait_for_function(
        "() => !document.querySelector('#stage-video video')", timeout=RECOVERY * 1000
    )
    viewer.context.close()


def test_pages_move_to_another_relay_when_the_rooms_relay_dies(
    live: LiveStack,
    browser: Any,
) -> None:
    other = start_relay(live.workdir, **live.relay_env)  # a second node, registered alike
    try:
        host, viewer = _go_live(live, browser)
        before = viewer.evaluate(PLAYING)
        assigned = live.assigned_node()
        dead, alive = (
            (live.relay, other) if assigned == f"test-{live.relay.port}" else (other, live.relay)
        )
        assert assigned == f"test-{dead.port}"
        dead.process.kill()  # gone for good
        dead.process.wait()
        killed = time.monotonic()
        # Its registry entry outlives it (by up to 15 s): make that window longer than the
        # test, so the pages can only come back if the web tier stops trusting the entry.
        entry = f"{live.relay_env['RELAY_REDIS_PREFIX']}:relay:node:test-{dead.port}"
        assert events.sync_client().expire(entry, 120)
        live.relay = alive

        # The pages reconnect; the web tier notices the dead node at the first refused call
        # and moves the room to the live node.
        _host_publishes_on(live, timeout=RECOVERY - (time.monotonic() - killed))
        _frames_flow(
            viewer, timeout=RECOVERY - (time.monotonic() - killed), not_stream=before["stream"]
        )
        assert live.assigned_node() == f"test-{alive.port}"
        assert RoomPublisher.objects.get(room=live.room).node == f"test-{alive.port}"
        host.context.close()
        viewer.context.close()
    finally:
        other.stop()
