"""The room socket behind the shipped web server (uvicorn): an oversized frame closes only the
socket that sent it (1009), a frame within the cap gets the application's ``too_large`` error,
and the room keeps serving everyone else."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


async def _until(socket: Any, predicate: Any, timeout: float = 8.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if predicate(frame):
                return frame


def test_oversized_frames_close_only_the_sender(web_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    LiveRoom.objects.create(
        shop=world.shop_a,
        slug="big-frames",
        title="Big",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    server = web_server()
    url = f"ws://{server}/ws/rooms/big-frames/"
    origin = {"Origin": f"http://{server}"}

    async def scenario() -> None:
        async with (
            websockets.connect(url, additional_headers=origin, max_size=None) as sender,
            websockets.connect(url, additional_headers=origin) as bystander,
        ):
            await _until(sender, lambda f: f["type"] == "room.snapshot")
            await _until(bystander, lambda f: f["type"] == "room.snapshot")
            await sender.send(json.dumps({"type": "like.send", "pad": "x" * 10_000}))
            error = await _until(sender, lambda f: f["type"] == "error")
            assert error["code"] == "too_large"
            await sender.send("x" * 70_000)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _until(sender, lambda f: False)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
            await bystander.send(json.dumps({"type": "no.such"}))
            assert (await _until(bystander, lambda f: f["type"] == "error"))["code"]
            async with websockets.connect(url, additional_headers=origin) as newcomer:
                await _until(newcomer, lambda f: f["type"] == "room.snapshot")

    asyncio.run(scenario())
