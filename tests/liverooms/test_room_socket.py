"""The room WebSocket with real Redis and a real database: snapshot, chat, likes, viewers,
resume after reconnect, errors and limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from config.routing import websocket_urlpatterns
from liverooms.realtime.protocol import (
    CLOSE_BANNED,
    CLOSE_FLOOD,
    CLOSE_ROOM_NOT_FOUND,
    OUTBOUND_TYPES,
)
from liverooms.rooms.models import ChatMessage, ChatWordFilter, LiveRoom, RoomSanction, RoomStatus
from liverooms.rooms.services import chat_delete, room_start
from tests.factories import CatalogWorld, build_world, make_user

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_db_connections():  # type: ignore[no-untyped-def]
    """Consumers use the DB from Channels' worker thread; close it so the test DB can drop."""
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


application = URLRouter(websocket_urlpatterns)


@pytest.fixture
def room_world() -> tuple[CatalogWorld, LiveRoom]:
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="spring-show",
        title="Spring show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    room.hosts.add(world.host_a)
    return world, room


async def connect(room: LiveRoom | str, user: Any = None, query: str = "") -> WebsocketCommunicator:
    slug = room if isinstance(room, str) else room.slug
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{slug}/{query}")
    if user is not None:
        communicator.scope["user"] = user
    else:
        from django.contrib.auth.models import AnonymousUser

        communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive_until(
    communicator: WebsocketCommunicator, event_type: str, timeout: float = 10.0
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await communicator.receive_from(timeout=max(remaining, 0.01)))
        assert frame["type"] in OUTBOUND_TYPES, frame
        if frame["type"] == event_type:
            return frame


async def test_viewer_gets_a_snapshot_then_sees_chat_and_likes(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    await sync_to_async(ChatMessage.objects.create)(room=room, author_name="Early", text="first!")
    viewer = await connect(room)
    snapshot = await receive_until(viewer, "room.snapshot")
    assert snapshot["room"]["status"] == "live" and snapshot["chat"][0]["text"] == "first!"
    assert snapshot["you"] == {
        "signed_in": False,
        "name": "",
        "can_moderate": False,
        "can_publish": False,
        "identity": "",
    }
    assert snapshot["publishers"] == []
    shopper = await connect(room, world.shopper)
    await receive_until(shopper, "room.snapshot")
    await shopper.send_json_to({"type": "chat.send", "text": "  <b>Is it silk?</b> ", "ref": "c1"})
    batch = await receive_until(viewer, "chat.batch")
    assert (
        batch["messages"][0]["text"] == "<b>Is it silk?</b>"
    )  # stored as typed, escaped by clients
    assert batch["messages"][0]["ref"] == "c1" and batch["seq"] > snapshot["seq"]
    for _ in range(5):
        await shopper.send_json_to({"type": "like.send", "count": 3})
    likes = await receive_until(viewer, "likes.update")
    assert likes["total"] >= 3  # likes are aggregated into few frames
    await viewer.disconnect()
    await shopper.disconnect()


async def test_likes_and_pings_do_not_wait_for_the_database_thread(room_world) -> None:  # type: ignore[no-untyped-def]
    """Given the database thread busy with other sockets' work, a viewer's ping and likes are
    still answered at once: only messages that need the database queue for it."""
    from channels.db import database_sync_to_async

    world, room = room_world
    viewer = await connect(room)
    await receive_until(viewer, "room.snapshot")
    shopper = await connect(room, world.shopper)
    await receive_until(shopper, "room.snapshot")
    busy = asyncio.ensure_future(database_sync_to_async(time.sleep)(3.0))
    await asyncio.sleep(0.1)  # the thread is now taken
    started = time.monotonic()
    await shopper.send_json_to({"type": "ping", "ref": "p1"})
    assert (await receive_until(shopper, "pong", timeout=2.0))["ref"] == "p1"
    await shopper.send_json_to({"type": "like.send", "count": 2})
    assert (await receive_until(viewer, "likes.update", timeout=2.5))["delta"] == 2
    assert time.monotonic() - started < 2.5 and not busy.done()
    await busy
    await viewer.disconnect()
    await shopper.disconnect()


async def test_anonymous_viewers_cannot_chat_or_like(room_world) -> None:  # type: ignore[no-untyped-def]
    _world, room = room_world
    viewer = await connect(room)
    await receive_until(viewer, "room.snapshot")
    await viewer.send_json_to({"type": "chat.send", "text": "hello", "ref": "x"})
    error = await receive_until(viewer, "error")
    assert error == {
        "type": "error",
        "code": "auth_required",
        "message": "Sign in to chat.",
        "ref": "x",
    }
    await viewer.send_json_to({"type": "like.send"})
    assert (await receive_until(viewer, "error"))["code"] == "auth_required"
    assert await sync_to_async(ChatMessage.objects.count)() == 0
    await viewer.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "unknown_type"),
        ('{"type": "room.explode"}', "unknown_type"),
        ('{"type": "chat.send"}', "invalid_message"),
        ('{"type": "chat.send", "text": ""}', "invalid_message"),
        ('{"type": "chat.send", "text": "hi", "admin": true}', "invalid_message"),
        ('{"type": "like.send", "count": 1000}', "invalid_message"),
        ('{"type": "chat.send", "text": "' + "x" * 5000 + '"}', "too_large"),
    ],
)
async def test_bad_messages_get_an_error_and_the_room_keeps_working(
    room_world, frame: str, code: str
) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    shopper = await connect(room, world.shopper)
    await receive_until(shopper, "room.snapshot")
    await shopper.send_to(text_data=frame)
    assert (await receive_until(shopper, "error"))["code"] == code
    await shopper.send_json_to({"type": "ping", "ref": "still-there"})
    assert (await receive_until(shopper, "pong"))["ref"] == "still-there"
    await shopper.disconnect()


async def test_flooding_gets_rate_limited_then_closed(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    shopper = await connect(room, world.shopper)
    await receive_until(shopper, "room.snapshot")
    other = await connect(room, world.owner_a)
    await receive_until(other, "room.snapshot")
    codes = []
    for _ in range(60):
        await shopper.send_json_to({"type": "ping"})
    while True:
        output = await shopper.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output["code"] == CLOSE_FLOOD
            break
        frame = json.loads(output["text"])
        if frame["type"] == "error":
            codes.append(frame["code"])
    assert codes and set(codes) == {"rate_limited"}
    await other.send_json_to({"type": "ping", "ref": "ok"})  # nobody else is affected
    assert (await receive_until(other, "pong"))["ref"] == "ok"
    await other.disconnect()


async def test_moderation_mute_ban_slow_mode_word_filter_delete(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    await sync_to_async(ChatWordFilter.objects.create)(shop=world.shop_a, phrase="cheap copy")
    shopper = await connect(room, world.shopper)
    await receive_until(shopper, "room.snapshot")
    await shopper.send_json_to({"type": "chat.send", "text": "Is this a CHEAP COPY?"})
    assert (await receive_until(shopper, "error"))["code"] == "blocked_words"
    room.slow_mode_seconds = 30
    await sync_to_async(room.save)()
    await shopper.send_json_to({"type": "chat.send", "text": "one"})
    batch = await receive_until(shopper, "chat.batch")
    await asyncio.sleep(1.1)  # let the chat token bucket refill
    await shopper.send_json_to({"type": "chat.send", "text": "two"})
    assert (await receive_until(shopper, "error"))["code"] == "slow_mode"
    await sync_to_async(chat_delete)(
        room=room, message_id=batch["messages"][0]["id"], actor=world.host_a
    )
    assert (await receive_until(shopper, "chat.deleted"))["id"] == batch["messages"][0]["id"]
    await sync_to_async(RoomSanction.objects.create)(room=room, user=world.shopper, kind="mute")
    await asyncio.sleep(1.1)
    room.slow_mode_seconds = 0
    await sync_to_async(room.save)()
    await shopper.send_json_to({"type": "chat.send", "text": "three"})
    assert (await receive_until(shopper, "error"))["code"] == "muted"
    await shopper.disconnect()
    await sync_to_async(RoomSanction.objects.create)(
        room=room, user=world.shopper, kind="ban", until=timezone.now() + dt.timedelta(hours=1)
    )
    banned = WebsocketCommunicator(application, f"/ws/rooms/{room.slug}/")
    banned.scope["user"] = world.shopper
    await banned.connect()
    assert (await receive_until(banned, "error"))["code"] == "forbidden"
    assert (await banned.receive_output(timeout=2))["code"] == CLOSE_BANNED


async def test_unknown_room_is_closed_with_a_clear_code(room_world) -> None:  # type: ignore[no-untyped-def]
    communicator = await connect("no-such-room")
    assert (await receive_until(communicator, "error"))["code"] == "room_not_found"
    assert (await communicator.receive_output(timeout=2))["code"] == CLOSE_ROOM_NOT_FOUND


async def test_reconnecting_viewer_gets_what_it_missed(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    shopper = await connect(room, world.shopper)
    first = await receive_until(shopper, "room.snapshot")
    viewer = await connect(room)
    await receive_until(viewer, "room.snapshot")
    await viewer.disconnect()  # the viewer's network drops...
    await shopper.send_json_to({"type": "chat.send", "text": "while you were away"})
    missed = await receive_until(shopper, "chat.batch")
    back = await connect(room, query=f"?since={first['seq']}")
    replayed = await receive_until(back, "chat.batch")  # no snapshot: just what it missed
    assert (
        replayed["seq"] == missed["seq"]
        and replayed["messages"][0]["text"] == "while you were away"
    )
    # Too far behind (history trimmed or a bogus seq): a fresh snapshot instead.
    stale = await connect(room, query="?since=999999")
    assert (await receive_until(stale, "room.snapshot"))["type"] == "room.snapshot"
    await stale.disconnect()
    await back.disconnect()
    await shopper.disconnect()


async def test_room_status_and_viewer_count_reach_viewers(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    room.status = RoomStatus.SCHEDULED
    await sync_to_async(room.save)()
    viewer = await connect(room)
    assert (await receive_until(viewer, "room.snapshot"))["room"]["status"] == "scheduled"
    second = await connect(room, await sync_to_async(make_user)())
    counts = (await receive_until(viewer, "viewers.update"))["count"]
    assert counts in (1, 2)
    await sync_to_async(room_start)(room=room, actor=world.host_a)
    assert (await receive_until(viewer, "room.status"))["status"] == "live"
    await viewer.disconnect()
    await second.disconnect()
