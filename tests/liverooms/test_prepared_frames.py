"""Prepared frames (liverooms/realtime/uvicorn_ws.py): a real uvicorn server with the shipped
WebSocket protocol and a real `websockets` client, then the room consumer's use of them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
import websockets
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.services import free_port, web_command
from liverooms.realtime.uvicorn_ws import (
    PREPARED_FRAMES,
    PreparedFramesProtocol,
    prepare_text_frame,
)
from liverooms.rooms.services import room_end
from tests.factories import build_world, make_live_room
from tests.liverooms.test_room_socket import application, receive_until

pytestmark = pytest.mark.asyncio

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class Probe:
    """An ASGI app whose WebSocket handler the test supplies."""

    def __init__(self) -> None:
        self.handler: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None
        self.done = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket" and self.handler is not None
        try:
            await self.handler(scope, receive, send)
        finally:
            self.done.set()


async def _serve(probe: Probe, *, deflate: bool = False) -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        probe,
        host="127.0.0.1",
        port=port,
        ws=PreparedFramesProtocol,
        ws_per_message_deflate=deflate,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


@pytest_asyncio.fixture
async def probe() -> AsyncIterator[tuple[Probe, str]]:
    app = Probe()
    async for url in _serve(app):
        yield app, url


async def test_the_shipped_web_command_runs_uvicorn_with_prepared_frames() -> None:
    command = web_command("127.0.0.1", 8000, server="uvicorn")
    assert command[command.index("--ws") + 1] == (
        "liverooms.realtime.uvicorn_ws:PreparedFramesProtocol"
    )
    assert command[command.index("--ws-per-message-deflate") + 1] == "false"


async def test_prepared_and_asgi_frames_arrive_whole_and_in_order(probe) -> None:  # type: ignore[no-untyped-def]
    app, url = probe
    refused: list[bool] = []
    after_close: list[bool] = []

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        write = scope["extensions"][PREPARED_FRAMES]["write"]
        assert (await receive())["type"] == "websocket.connect"
        refused.append(write(prepare_text_frame("too early")))  # before the handshake
        await send({"type": "websocket.accept"})
        assert write(prepare_text_frame("one"))
        await send({"type": "websocket.send", "text": "two"})
        assert write(prepare_text_frame("drei ✓ " + "x" * 70_000))  # a 64-bit length header
        assert write(prepare_text_frame("four"))
        assert (await receive())["type"] == "websocket.disconnect"
        after_close.append(write(prepare_text_frame("too late")))

    app.handler = handler
    async with websockets.connect(url, compression=None) as client:
        received = [await asyncio.wait_for(client.recv(), 5) for _ in range(4)]
    await asyncio.wait_for(app.done.wait(), 5)
    assert received[:2] == ["one", "two"]
    assert received[2] == "drei ✓ " + "x" * 70_000 and received[3] == "four"
    assert refused == [False] and after_close == [False]


async def test_a_reader_that_stops_reading_makes_write_decline_and_loses_nothing(probe) -> None:  # type: ignore[no-untyped-def]
    app, url = probe
    written: list[int] = []
    chunk = "y" * 60_000

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        write = scope["extensions"][PREPARED_FRAMES]["write"]
        await receive()
        await send({"type": "websocket.accept"})
        frame = prepare_text_frame(chunk)
        for number in range(20_000):  # the client reads nothing yet: buffers fill up
            if not write(frame):
                break
            written.append(number)
        # Declined under backpressure: ASGI send waits until the reader catches up.
        await send({"type": "websocket.send", "text": "after"})
        await receive()

    app.handler = handler
    async with websockets.connect(url, compression=None, max_size=None) as client:
        await asyncio.sleep(0.5)  # let the server hit the transport's high-water mark
        assert 0 < len(written) < 20_000
        frames = [await asyncio.wait_for(client.recv(), 10) for _ in range(len(written) + 1)]
    assert all(frame == chunk for frame in frames[:-1]) and frames[-1] == "after"


async def test_write_declines_when_the_connection_compresses() -> None:
    app = Probe()
    answers: list[bool] = []

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        write = scope["extensions"][PREPARED_FRAMES]["write"]
        await receive()
        await send({"type": "websocket.accept"})
        answers.append(write(prepare_text_frame("raw")))
        await send({"type": "websocket.send", "text": "compressed"})
        await receive()

    app.handler = handler
    async for url in _serve(app, deflate=True):
        async with websockets.connect(url, compression="deflate") as client:
            assert await asyncio.wait_for(client.recv(), 5) == "compressed"
    assert answers == [False]


# The room consumer ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_room_frames_go_through_prepared_writes_except_those_the_consumer_reads() -> None:
    world = await sync_to_async(build_world)()
    room = await sync_to_async(make_live_room)(world.shop_a, "prepared")
    written: list[str] = []
    accept = True

    def write(frame: bytes) -> bool:
        if not accept:
            return False
        assert frame[0] == 0x81  # FIN + text, unmasked
        length = frame[1] if frame[1] < 126 else int.from_bytes(frame[2:4], "big")
        written.append(frame[-length:].decode())
        return True

    async def chat(socket: WebsocketCommunicator, text: str) -> None:
        await socket.send_json_to({"type": "chat.send", "text": text})

    viewer = WebsocketCommunicator(application, f"/ws/rooms/{room.slug}/")
    viewer.scope["extensions"] = {PREPARED_FRAMES: {"write": write}}
    from django.contrib.auth.models import AnonymousUser

    viewer.scope["user"] = AnonymousUser()
    assert (await viewer.connect())[0]
    await receive_until(viewer, "room.snapshot")  # snapshots take the ASGI path
    shopper = WebsocketCommunicator(application, f"/ws/rooms/{room.slug}/")
    shopper.scope["user"] = world.shopper
    assert (await shopper.connect())[0]
    await receive_until(shopper, "room.snapshot")

    await chat(shopper, "through the prepared path")
    await receive_until(shopper, "chat.batch", timeout=15)  # no prepared writes here
    for _ in range(50):
        if any('"chat.batch"' in frame for frame in written):
            break
        await asyncio.sleep(0.05)
    batch = json.loads(next(frame for frame in written if '"chat.batch"' in frame))
    assert batch["messages"][0]["text"] == "through the prepared path"

    accept = False  # the server declines (backpressure): the same frame comes through ASGI
    await chat(shopper, "through ASGI send")
    batch = await receive_until(viewer, "chat.batch", timeout=15)
    assert batch["messages"][0]["text"] == "through ASGI send"

    accept = True  # a status change is read by the consumer, so it never takes the shortcut
    await sync_to_async(room_end)(room=room, actor=world.host_a)
    assert (await receive_until(viewer, "room.status", timeout=15))["status"] == "ended"
    assert not any('"room.status"' in frame for frame in written)
    for socket in (viewer, shopper):
        await socket.disconnect()
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()
