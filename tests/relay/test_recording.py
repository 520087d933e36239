"""Recording a live room and the signed events the web tier receives about it."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import av
import pytest
from aiohttp import web

from config.services import free_port
from liverooms.relay.tokens import TokenError, verify_webhook
from tests.relay.conftest import SECRET, RelayProcess
from tests.relay.media import Publisher, Subscriber, use_loopback


class WebhookReceiver:
    """The web tier's end: checks signatures, dedupes by id, fails the first delivery once."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[str] = []
        self.bad_signatures = 0
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify_webhook(SECRET, body, request.headers.get("X-Relay-Signature", ""))
        except TokenError:
            self.bad_signatures += 1
            return web.Response(status=400)
        event = json.loads(body)
        self.deliveries.append(event["id"])
        if len(self.deliveries) == 1:
            return web.Response(status=503)  # the first attempt fails: it must come again
        if all(seen["id"] != event["id"] for seen in self.events):
            self.events.append(event)
        return web.Response(status=204)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/relay/events", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return f"http://127.0.0.1:{self.port}/relay/events"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def of(self, type: str, identity: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["type"] == type and (identity is None or e["identity"] == identity)
        ]

    async def wait_for(
        self, type: str, identity: str | None = None, timeout: float = 8.0
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while not self.of(type, identity):
            if time.monotonic() > deadline:
                raise AssertionError(f"no {type} event; got {[e['type'] for e in self.events]}")
            await asyncio.sleep(0.05)
        return self.of(type, identity)[0]


def decode(path: str) -> tuple[float, int]:
    """(container duration in seconds, decoded frames) of a recording."""
    with av.open(path) as container:
        frames = sum(1 for _ in container.decode(container.streams[0]))
        return (container.duration or 0) / 1_000_000, frames


@pytest.mark.asyncio
async def test_a_live_room_is_recorded_and_the_web_tier_is_told(
    relay_factory: Callable[..., RelayProcess],
) -> None:
    use_loopback()
    receiver = WebhookReceiver()
    relay = relay_factory(RELAY_WEBHOOK_URL=await receiver.start(), RELAY_STATS_INTERVAL="1")
    room = "rec-live"
    try:
        async with aiohttp.ClientSession() as session:
            publisher = Publisher(relay.url, relay.token(room, "host", publish=True, name="Host"))
            began = time.time()
            await publisher.start(session)
            viewer = Subscriber(relay.url, relay.token(room, "viewer"), "host")
            await viewer.start(session)
            await asyncio.sleep(3)
            async with session.post(
                f"{relay.url}/v1/rooms/{room}/close", json={"token": relay.admin(room)}
            ) as response:
                closed = await response.json()
            await viewer.close()
            await publisher.close()
        finished = await receiver.wait_for("recording.finished")
        await receiver.wait_for("participant.left", "host")
        await receiver.wait_for("participant.left", "viewer")
    finally:
        await receiver.stop()

    files = {f["kind"]: f for f in closed["files"]}
    assert closed["closed"] is True and set(files) == {"audio", "video"}
    assert finished["data"]["files"] == closed["files"]
    for kind, recorded in files.items():
        duration, frames = decode(recorded["path"])
        assert recorded["codec"] == {"audio": "opus", "video": "VP8"}[kind]
        assert recorded["identity"] == "host"
        assert 2.0 <= duration <= 4.0 and abs(duration - recorded["duration"]) < 0.5
        assert frames >= {"audio": 100, "video": 50}[kind]
        assert began <= recorded["started_at"] <= began + 2
    assert receiver.bad_signatures == 0
    retried = receiver.deliveries[0]
    assert receiver.deliveries.count(retried) == 2, "a failed delivery is retried as is"
    # The first event of all: this node started (the web tier forgets what it had before).
    started = receiver.of("relay.started")
    assert [e["id"] for e in started] == [retried]
    assert started[0]["node"] == f"test-{relay.port}" and started[0]["room"] == ""
    assert started[0]["data"]["started_at"] <= began
    host_events = [e["type"] for e in receiver.events if e["identity"] == "host"]
    assert host_events[0] == "participant.joined"
    assert host_events.index("track.published") < host_events.index("track.unpublished")
    assert sorted(e["data"]["kind"] for e in receiver.of("track.published", "host")) == [
        "audio",
        "video",
    ]
    assert host_events.index("track.unpublished") < host_events.index("participant.left")
    order = [(e["type"], e["identity"]) for e in receiver.events]
    finished_at = order.index(("recording.finished", None))
    assert order.index(("track.unpublished", "host")) < finished_at
    assert finished_at < order.index(("participant.left", "host"))
    assert receiver.of("participant.joined", "viewer") and receiver.of("participant.left", "viewer")
    stats = receiver.of("peer.stats", "host")
    assert stats and set(stats[-1]["data"]) >= {
        "role",
        "bitrate_kbps",
        "rtt_ms",
        "loss_pct",
        "fps",
        "subscribers",
    }
    assert stats[-1]["data"]["role"] == "publisher" and stats[-1]["peer_id"]
    room_events = [e for e in receiver.events if e["type"] != "relay.started"]
    assert all(e["room"] == room and e["id"].startswith("evt_") for e in room_events)


@pytest.mark.asyncio
async def test_a_private_call_is_not_recorded(relay_factory: Callable[..., RelayProcess]) -> None:
    use_loopback()
    relay = relay_factory()
    room = "rec-private"
    async with aiohttp.ClientSession() as session:
        caller = Publisher(relay.url, relay.token(room, "buyer", publish=True, kind="private"))
        await caller.start(session)
        await asyncio.sleep(1)
        async with session.post(
            f"{relay.url}/v1/rooms/{room}/close",
            json={"token": relay.token(room, "consultant", admin=True, kind="private")},
        ) as response:
            closed = await response.json()
        await caller.close()

    assert closed["closed"] is True and closed["files"] == []
    assert not relay.recordings.exists() or not any(relay.recordings.rglob("*.webm"))


@pytest.mark.asyncio
async def test_removing_a_cohost_finishes_their_recording(
    relay_factory: Callable[..., RelayProcess],
) -> None:
    use_loopback()
    receiver = WebhookReceiver()
    relay = relay_factory(RELAY_WEBHOOK_URL=await receiver.start())
    room = "rec-cohost"
    try:
        async with aiohttp.ClientSession() as session:
            cohost = Publisher(relay.url, relay.token(room, "cohost", publish=True))
            await cohost.start(session)
            await asyncio.sleep(1.5)
            async with session.post(
                f"{relay.url}/v1/rooms/{room}/remove",
                json={"token": relay.admin(room), "identity": "cohost"},
            ) as response:
                assert response.status == 200
            finished = await receiver.wait_for("recording.finished")
            await cohost.close()
    finally:
        await receiver.stop()

    assert finished["identity"] == "cohost" and finished["data"]["reason"] == "removed"
    assert sorted(f["kind"] for f in finished["data"]["files"]) == ["audio", "video"]
    for recorded in finished["data"]["files"]:
        duration, frames = decode(recorded["path"])
        assert 0.8 <= duration <= 2.5 and frames > 0
