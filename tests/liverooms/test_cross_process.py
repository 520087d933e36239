"""Two web processes sharing Redis and the database, a viewer on each: both see the same
chat and viewer count. Run with two daphne processes, and with the shipped server (uvicorn)
beside a daphne one."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from django.test import Client
from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world
from tests.servers import daphne_server, web_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


async def _until(socket: Any, predicate: Any, timeout: float = 8.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if predicate(frame):
                return frame


@pytest.mark.parametrize("servers", [("daphne", "daphne"), ("web", "daphne")])
def test_chat_and_viewer_count_cross_processes(servers: tuple[str, str], request) -> None:  # type: ignore[no-untyped-def]
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="two-procs",
        title="Two",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    first, second = (request.getfixturevalue(f"{name}_server")() for name in servers)
    assert first != second
    client = Client()
    client.force_login(world.shopper)
    session = client.cookies["sessionid"].value

    async def scenario() -> None:
        headers = {"Origin": f"http://{first}", "Cookie": f"sessionid={session}"}
        async with (
            websockets.connect(
                f"ws://{first}/ws/rooms/{room.slug}/", additional_headers=headers
            ) as talker,
            websockets.connect(
                f"ws://{second}/ws/rooms/{room.slug}/",
                additional_headers={"Origin": f"http://{second}"},
            ) as listener,
        ):
            await _until(talker, lambda f: f["type"] == "room.snapshot")
            await _until(listener, lambda f: f["type"] == "room.snapshot")
            await _until(listener, lambda f: f["type"] == "viewers.update" and f["count"] == 2)
            await talker.send(json.dumps({"type": "chat.send", "text": "hello from process one"}))
            batch = await _until(listener, lambda f: f["type"] == "chat.batch")
            assert batch["messages"][0]["text"] == "hello from process one"
            mirrored = await _until(talker, lambda f: f["type"] == "chat.batch")
            assert mirrored["seq"] == batch["seq"]  # one sequence per room, whichever process
        # Both left: a third viewer sees the count drop back.
        async with websockets.connect(
            f"ws://{second}/ws/rooms/{room.slug}/",
            additional_headers={"Origin": f"http://{second}"},
        ) as late:
            snapshot = await _until(late, lambda f: f["type"] == "room.snapshot")
            assert snapshot["viewers"] == 1
            assert snapshot["chat"][-1]["text"] == "hello from process one"  # persisted

    asyncio.run(scenario())
