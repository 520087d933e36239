"""Live video through the whole stack: a real daphne serving the room socket, the real relay
process, aiortc peers that signal over the room socket. The host goes live, a signed-out
viewer plays the video, a shopper asks to co-host, is let in, publishes, and is removed; the
relay's signed webhooks keep every viewer's list of publishers current."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from django.db import connections
from django.test import Client
from django.utils import timezone

from config.services import free_port
from liverooms.media.models import CohostRequest, CohostStatus, RelayEvent, RoomPublisher
from liverooms.media.services import MediaError, relay_call, relay_event_handle, relay_url_for
from liverooms.realtime import events
from liverooms.relay.tokens import sign_webhook
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import CatalogWorld, build_world
from tests.relay.conftest import RelayProcess, start_relay
from tests.relay.media import CounterVideoTrack, read_frame, use_loopback
from tests.servers import daphne_server, failed, print_tail  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "relay-test-secret"  # what tests.relay.conftest.start_relay gives the relay


class Stack:
    def __init__(self, web: str, relay: RelayProcess, world: CatalogWorld, room: LiveRoom) -> None:
        self.web, self.relay, self.world, self.room = web, relay, world, room

    def cookie(self, user: Any) -> dict[str, str]:
        client = Client()
        client.force_login(user)
        return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    def socket(self, cookie: dict[str, str] | None = None) -> Any:
        headers = {"Origin": f"http://{self.web}", **(cookie or {})}
        return websockets.connect(
            f"ws://{self.web}/ws/rooms/{self.room.slug}/", additional_headers=headers
        )


@pytest.fixture
def stack(daphne_server, tmp_path: Path, settings, request) -> Iterator[Stack]:  # type: ignore[no-untyped-def]  # noqa: F811
    use_loopback()
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="on-air",
        title="On air",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    port = free_port()
    relay = start_relay(
        tmp_path, RELAY_WEBHOOK_URL=f"http://127.0.0.1:{port}/rtc/relay/events/", RELAY_RECORD="off"
    )
    relay_env = {
        "RELAY_SECRET": SECRET,
        "RELAY_URLS": relay.url,
        "RELAY_REDIS_PREFIX": f"media-test-{uuid.uuid4().hex[:8]}",  # no registered nodes
    }
    web = daphne_server(port, **relay_env)
    # This process acts for the host console (co-host decisions) against the same relay.
    settings.RELAY_SECRET = SECRET
    settings.RELAY_URLS = [relay.url]
    settings.RELAY_REDIS_PREFIX = relay_env["RELAY_REDIS_PREFIX"]
    yield Stack(web, relay, world, room)
    relay.stop()
    if failed(request):
        print_tail(relay.log)


async def _until(socket: Any, predicate: Any, timeout: float = 10.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if predicate(frame):
                return frame


async def _offer(pc: RTCPeerConnection) -> str:
    await pc.setLocalDescription(await pc.createOffer())
    return str(pc.localDescription.sdp)


async def _publish(socket: Any, ref: str) -> tuple[RTCPeerConnection, dict[str, Any]]:
    pc = RTCPeerConnection()
    pc.addTrack(CounterVideoTrack())
    pc.addTrack(AudioStreamTrack())
    await socket.send(json.dumps({"type": "rtc.publish", "ref": ref, "sdp": await _offer(pc)}))
    reply = await _until(socket, lambda f: f.get("ref") == ref)
    if reply["type"] == "rtc.answer":
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    return pc, reply


async def _watch(socket: Any, publisher: str, ref: str) -> tuple[RTCPeerConnection, list[int]]:
    """Subscribe over the room socket; the counters of decoded frames land in the list."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    counters: list[int] = []

    async def read(track: Any) -> None:
        try:
            while True:
                frame = await track.recv()
                decoded = read_frame(frame)
                if decoded is not None:
                    counters.append(decoded[0])
        except MediaStreamError:
            return

    pc.on(
        "track",
        lambda track: asyncio.ensure_future(read(track)) if track.kind == "video" else None,
    )
    payload = {"type": "rtc.subscribe", "ref": ref, "publisher": publisher}
    await socket.send(json.dumps({**payload, "sdp": await _offer(pc)}))
    reply = await _until(socket, lambda f: f.get("ref") == ref)
    assert reply["type"] == "rtc.answer", reply
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    return pc, counters


async def _frames(counters: list[int], count: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while len(counters) < count:
        assert time.monotonic() < deadline, f"only {len(counters)} frames"
        await asyncio.sleep(0.05)


def test_host_goes_live_viewers_watch_and_a_cohost_joins(stack: Stack) -> None:
    world, room = stack.world, stack.room
    host_identity = f"user-{world.host_a.pk}"

    def host_action(action: str, **fields: Any) -> dict[str, Any]:
        try:
            client = Client()
            client.force_login(world.host_a)
            response = client.post(
                f"/en/live/{room.slug}/host/action/", {"action": action, **fields}
            )
            return response.json()  # type: ignore[no-any-return]
        finally:
            connections.close_all()  # runs in a worker thread: leave no session behind

    host_cookie, shopper_cookie = stack.cookie(world.host_a), stack.cookie(world.shopper)

    async def scenario() -> None:
        async with (
            stack.socket(host_cookie) as host,
            stack.socket() as viewer,
            stack.socket(shopper_cookie) as shopper,
        ):
            for socket in (host, viewer, shopper):
                snapshot = await _until(socket, lambda f: f["type"] == "room.snapshot")
                assert snapshot["publishers"] == []
            # Viewers may not publish; bad offers get a clear error and harm nothing.
            _pc, refused = await _publish(viewer, "v1")
            assert (refused["type"], refused["code"]) == ("error", "auth_required")
            _pc, refused = await _publish(shopper, "s1")
            assert (refused["type"], refused["code"]) == ("error", "publish_not_allowed")
            await host.send(
                json.dumps({"type": "rtc.publish", "ref": "bad", "sdp": "v=0 this is not an offer"})
            )
            bad = await _until(host, lambda f: f.get("ref") == "bad")
            assert bad["code"] == "rtc_failed" and bad["detail"] == "invalid_sdp", bad

            host_pc, answer = await _publish(host, "h1")
            assert answer["type"] == "rtc.answer" and answer["peer_id"], answer
            listed = await _until(
                viewer,
                lambda f: (
                    f["type"] == "rtc.publishers"
                    and any(p["identity"] == host_identity for p in f["publishers"])
                ),
            )
            assert listed["publishers"][0]["role"] == "host"
            viewer_pc, counters = await _watch(viewer, host_identity, "w1")
            await _frames(counters, 15)
            assert counters == sorted(counters)  # the host's frames, in order

            # A shopper asks to join; the host lets them in; they publish next to the host.
            await shopper.send(json.dumps({"type": "cohost.request"}))
            asked = await _until(host, lambda f: f["type"] == "cohost.requested")
            assert asked["user_id"] == world.shopper.pk
            assert (
                await asyncio.to_thread(host_action, "cohost_accept", user_id=asked["user_id"])
            )["ok"]
            await _until(shopper, lambda f: f["type"] == "cohost.accepted")
            cohost_pc, answer = await _publish(shopper, "s2")
            assert answer["type"] == "rtc.answer", answer
            both = await _until(
                viewer, lambda f: f["type"] == "rtc.publishers" and len(f["publishers"]) == 2
            )
            assert {p["role"] for p in both["publishers"]} == {"host", "cohost"}
            _pc2, cohost_counters = await _watch(viewer, f"user-{world.shopper.pk}", "w2")
            await _frames(cohost_counters, 10)

            # The host removes the co-host: their tracks stop for everyone.
            assert (
                await asyncio.to_thread(host_action, "cohost_remove", user_id=world.shopper.pk)
            )["ok"]
            await _until(
                viewer, lambda f: f["type"] == "rtc.publishers" and len(f["publishers"]) == 1
            )
            _pc, refused = await _publish(shopper, "s3")
            assert refused["code"] == "publish_not_allowed"
            # The host's stream went on all along, and chat still works.
            seen = len(counters)
            await _frames(counters, seen + 10)
            await viewer.send(json.dumps({"type": "ping", "ref": "p"}))
            assert (await _until(viewer, lambda f: f["type"] == "pong"))["ref"] == "p"
            for pc in (host_pc, viewer_pc, cohost_pc, _pc2):
                await pc.close()

    asyncio.run(scenario())
    assert CohostRequest.objects.get(user=world.shopper).status == CohostStatus.REMOVED
    assert list(RoomPublisher.objects.values_list("identity", flat=True)) == [host_identity]


def test_relay_webhooks_are_signed_and_applied_once(stack: Stack) -> None:
    url = f"http://{stack.web}/rtc/relay/events/"
    event = {
        "id": "evt_once",
        "type": "track.published",
        "room": f"room-{stack.room.pk}",
        "identity": f"user-{stack.world.host_a.pk}",
        "node": "n1",
        "at": time.time(),
        "data": {"kind": "video"},
    }
    body = json.dumps(event).encode()
    unsigned = requests.post(url, data=body, timeout=10)
    forged = requests.post(
        url, data=body, headers={"X-Relay-Signature": sign_webhook("wrong", body)}, timeout=10
    )
    assert unsigned.status_code == forged.status_code == 400
    assert not RelayEvent.objects.exists() and not RoomPublisher.objects.exists()
    headers = {"X-Relay-Signature": sign_webhook(SECRET, body)}
    first = requests.post(url, data=body, headers=headers, timeout=10).json()
    again = requests.post(url, data=body, headers=headers, timeout=10).json()
    assert (first["applied"], again["applied"]) == (True, False)
    assert RoomPublisher.objects.get().kinds == ["video"]
    garbage = b"[not json"
    response = requests.post(
        url, data=garbage, headers={"X-Relay-Signature": sign_webhook(SECRET, garbage)}, timeout=10
    )
    assert response.status_code == 400 and response.json()["error"] == "bad_event"


def _room(world: CatalogWorld, slug: str) -> LiveRoom:
    return LiveRoom.objects.create(
        shop=world.shop_a, slug=slug, title=slug, scheduled_at=timezone.now(), status="live"
    )


def test_a_relay_that_restarts_takes_the_publishers_it_had_with_it(
    live_world: CatalogWorld,
) -> None:
    """A crashed relay sent no track.unpublished; its next process says it started, and what
    the old one reported is dropped (only that node's rows, only those from before)."""
    crashed_room, other_room = _room(live_world, "crashed"), _room(live_world, "elsewhere")
    rows = {
        "gone": RoomPublisher.objects.create(room=crashed_room, identity="gone", node="n1"),
        "back": RoomPublisher.objects.create(room=crashed_room, identity="back", node="n1"),
        "other": RoomPublisher.objects.create(room=other_room, identity="other", node="n2"),
    }
    started = time.time()
    earlier = timezone.now() - timedelta(seconds=30)
    RoomPublisher.objects.filter(identity__in=["gone", "other"]).update(updated_at=earlier)
    RoomPublisher.objects.filter(identity="back").update(
        updated_at=timezone.now() + timedelta(seconds=1)  # from the new process
    )
    seq_before = int(events.sync_client().get(events.key(crashed_room.pk, "seq")) or 0)

    event = {"id": "evt_started", "type": "relay.started", "room": "", "node": "n1"}
    assert relay_event_handle({**event, "at": started, "data": {"started_at": started}})

    assert set(RoomPublisher.objects.values_list("identity", flat=True)) == {"back", "other"}
    history = events.sync_client().lrange(events.key(crashed_room.pk, "history"), 0, -1)
    told = [json.loads(frame) for frame in history if json.loads(frame)["seq"] > seq_before]
    assert [f["publishers"] for f in told if f["type"] == "rtc.publishers"] == [
        [{"identity": "back", "name": "", "role": rows["back"].role, "room": "crashed"}]
    ]


def test_a_relay_node_that_refuses_connections_is_forgotten(settings: Any) -> None:
    """Pages reconnecting after a crash are not sent back to the dead node while its registry
    entry lives on: the first refused call removes the entry and the room moves."""
    settings.RELAY_REDIS_PREFIX = prefix = f"media-test-{uuid.uuid4().hex[:8]}"
    settings.RELAY_URLS = []
    client = events.sync_client()
    dead_url, live_url = f"http://127.0.0.1:{free_port()}", "http://127.0.0.1:1"
    for node_id, url, load in (("dead", dead_url, 0), ("alive", live_url, 5)):
        client.set(
            f"{prefix}:relay:node:{node_id}",
            json.dumps({"id": node_id, "url": url, "load": load}),
            ex=60,
        )
    try:
        assert relay_url_for("room-1") == dead_url  # least loaded, and now sticky
        with pytest.raises(MediaError) as failed:
            asyncio.run(relay_call(dead_url, "/v1/publish", {}))
        assert failed.value.code == "relay_unavailable"
        assert client.get(f"{prefix}:relay:node:dead") is None
        assert relay_url_for("room-1") == live_url
    finally:
        client.delete(*client.keys(f"{prefix}:*"))
