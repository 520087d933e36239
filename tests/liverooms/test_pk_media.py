"""A PK link through the whole stack: real daphne, the real relay process, aiortc peers.

The hosts of two rooms go live, one invites the other from the console, the other accepts;
a viewer of the second room is told about the first room's host, subscribes to them over its
own room socket and decodes their video; after the PK ends that subscription is refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError
from django.db import connections
from django.test import Client
from django.utils import timezone

from liverooms.media.models import PkBattle, PkStatus
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.liverooms.test_media import (
    Stack,
    _frames,
    _offer,
    _until,
    stack,  # noqa: F401 - fixture
)
from tests.relay.media import CounterVideoTrack, read_frame
from tests.servers import daphne_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

# Each host draws frames of its own size, so a viewer can tell whose video it decoded.
SIZE_A, SIZE_B = (320, 240), (352, 288)


def _socket(on: Stack, room: LiveRoom, cookie: dict[str, str] | None = None) -> Any:
    headers = {"Origin": f"http://{on.web}", **(cookie or {})}
    return websockets.connect(f"ws://{on.web}/ws/rooms/{room.slug}/", additional_headers=headers)


def _host_action(user: Any, room: LiveRoom, action: str, **fields: Any) -> dict[str, Any]:
    try:
        client = Client()
        client.force_login(user)
        response = client.post(f"/en/live/{room.slug}/host/action/", {"action": action, **fields})
        return response.json()  # type: ignore[no-any-return]
    finally:
        connections.close_all()  # runs in a worker thread: leave no session behind


async def _go_live(socket: Any, size: tuple[int, int]) -> RTCPeerConnection:
    pc = RTCPeerConnection()
    pc.addTrack(CounterVideoTrack(*size))
    pc.addTrack(AudioStreamTrack())
    await socket.send(json.dumps({"type": "rtc.publish", "ref": "go", "sdp": await _offer(pc)}))
    reply = await _until(socket, lambda f: f.get("ref") == "go")
    assert reply["type"] == "rtc.answer", reply
    await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    return pc


async def _subscribe(
    socket: Any, publisher: str, room: str, ref: str
) -> tuple[RTCPeerConnection, dict[str, Any], list[tuple[int, int]]]:
    """rtc.subscribe naming the publisher's room; decoded frames land in the list as
    (width, counter)."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    seen: list[tuple[int, int]] = []

    async def read(track: Any) -> None:
        try:
            while True:
                frame = await track.recv()
                decoded = read_frame(frame)
                if decoded is not None:
                    seen.append((frame.width, decoded[0]))
        except MediaStreamError:
            return

    pc.on("track", lambda t: asyncio.ensure_future(read(t)) if t.kind == "video" else None)
    message = {"type": "rtc.subscribe", "ref": ref, "publisher": publisher, "room": room}
    await socket.send(json.dumps({**message, "sdp": await _offer(pc)}))
    reply = await _until(socket, lambda f: f.get("ref") == ref)
    if reply["type"] == "rtc.answer":
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply["sdp"], type="answer"))
    return pc, reply, seen


def _listed(frame: dict[str, Any], room: str, identity: str) -> bool:
    return frame["type"] == "rtc.publishers" and any(
        (p["room"], p["identity"]) == (room, identity) for p in frame["publishers"]
    )


def test_viewers_of_a_linked_room_watch_the_other_host_only_while_linked(stack: Stack) -> None:  # noqa: F811
    world, room_a = stack.world, stack.room
    room_b = LiveRoom.objects.create(
        shop=world.shop_b,
        slug="across-town",
        title="Across town",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    host_a, host_b = f"user-{world.host_a.pk}", f"user-{world.owner_b.pk}"
    cookie_a, cookie_b = stack.cookie(world.host_a), stack.cookie(world.owner_b)

    async def scenario() -> None:
        async with (
            _socket(stack, room_a, cookie_a) as console_a,
            _socket(stack, room_b, cookie_b) as console_b,
            _socket(stack, room_a) as viewer_a,
            _socket(stack, room_b) as viewer_b,
        ):
            for socket in (console_a, console_b, viewer_a, viewer_b):
                snapshot = await _until(socket, lambda f: f["type"] == "room.snapshot")
                assert snapshot["pk"] is None
            pc_a = await _go_live(console_a, SIZE_A)
            pc_b = await _go_live(console_b, SIZE_B)
            await _until(viewer_b, lambda f: _listed(f, room_b.slug, host_b))
            # Not linked yet: room A's host cannot be watched from room B.
            _pc, refused, _seen = await _subscribe(viewer_b, host_a, room_a.slug, "early")
            assert (refused["type"], refused["code"]) == ("error", "pk_not_linked")
            await _pc.close()

            invited = await asyncio.to_thread(
                _host_action, world.host_a, room_a, "pk_invite", target_room=room_b.slug
            )
            assert invited == {"ok": True}
            invitation = await _until(console_b, lambda f: f["type"] == "pk.invited")
            assert invitation["pk"]["inviter"]["slug"] == room_a.slug
            answer = await asyncio.to_thread(_host_action, world.owner_b, room_b, "pk_accept")
            assert answer == {"ok": True}
            for viewer, own in ((viewer_b, room_b.slug), (viewer_a, room_a.slug)):
                started = await _until(viewer, lambda f: f["type"] == "pk.started")
                assert started["pk"]["status"] == "active" and started["pk"]["ends_at"]
                linked = await _until(
                    viewer,
                    lambda f: _listed(f, room_a.slug, host_a) and _listed(f, room_b.slug, host_b),
                )
                rooms_listed = [p["room"] for p in linked["publishers"]]
                assert rooms_listed[0] == own and set(rooms_listed) == {room_a.slug, room_b.slug}

            # The viewer of room B plays room A's host (through room A's relay room) and its own.
            pc_other, answer, other = await _subscribe(viewer_b, host_a, room_a.slug, "other")
            assert answer["type"] == "rtc.answer", answer
            pc_own, answer, own = await _subscribe(viewer_b, host_b, room_b.slug, "own")
            assert answer["type"] == "rtc.answer", answer
            await _frames(other, 15)
            await _frames(own, 15)
            assert {width for width, _counter in other} == {SIZE_A[0]}
            assert {width for width, _counter in own} == {SIZE_B[0]}
            assert [c for _w, c in other] == sorted(c for _w, c in other)

            # A late viewer of room B gets the link in its snapshot.
            async with _socket(stack, room_b) as late:
                snapshot = await _until(late, lambda f: f["type"] == "room.snapshot")
                assert snapshot["pk"]["status"] == "active"
                assert (room_a.slug, host_a) in [
                    (p["room"], p["identity"]) for p in snapshot["publishers"]
                ]

            # Room A's host ends the PK: room B is back to its own host, and room A's host can
            # no longer be watched from room B.
            ended = await asyncio.to_thread(_host_action, world.host_a, room_a, "pk_end")
            assert ended == {"ok": True}
            over = await _until(viewer_b, lambda f: f["type"] == "pk.ended")
            assert (over["pk"]["status"], over["pk"]["end_reason"]) == ("ended", "host")
            alone = await _until(viewer_b, lambda f: f["type"] == "rtc.publishers")
            assert [(p["room"], p["identity"]) for p in alone["publishers"]] == [
                (room_b.slug, host_b)
            ]
            _pc, refused, _seen = await _subscribe(viewer_b, host_a, room_a.slug, "late")
            assert (refused["type"], refused["code"]) == ("error", "pk_not_linked")
            # Room B's own stream went on all along.
            seen = len(own)
            await _frames(own, seen + 10)
            for pc in (pc_a, pc_b, pc_other, pc_own, _pc):
                await pc.close()

    asyncio.run(scenario())
    assert PkBattle.objects.get().status == PkStatus.ENDED
