"""The whole replay path, live: an aiortc publisher streams counter video and audio through
the real relay for ~10 s while the host pins two products; the show ends; the relay's signed
``recording.finished`` reaches the web tier (a live server), which runs the replay job. The
replay must play for as long as the stream, show the counters in order, and have chapters
where the pins happened on the video."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from liverooms.media.services import room_media_close
from liverooms.replays.models import Replay, ReplayStatus
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import room_end, room_pin_product
from tests.factories import build_world, make_product
from tests.relay.conftest import SECRET, start_relay
from tests.relay.media import Publisher, read_frame, use_loopback

FPS = 30
STREAM_FRAMES = 300  # ~10 s
PIN_FRAMES = (90, 200)


def _show() -> tuple[Any, LiveRoom, list[int]]:
    world = build_world()
    scarf = make_product(world.shop_a, "silk-scarf", names={"en": "Silk scarf"})
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="pipeline",
        title="Pipeline",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    room.hosts.add(world.host_a)
    return world, room, [world.dress.pk, scarf.pk]


async def _until_frame(publisher: Publisher, frame: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while publisher.video.counter < frame:
        assert time.monotonic() < deadline, f"publisher stuck at frame {publisher.video.counter}"
        await asyncio.sleep(0.02)


async def _replay_done(room: LiveRoom, timeout: float = 120.0) -> Replay:
    deadline = time.monotonic() + timeout
    while True:
        replay = await Replay.objects.filter(room=room).afirst()
        if replay is not None and replay.status in (ReplayStatus.READY, ReplayStatus.FAILED):
            return replay
        assert time.monotonic() < deadline, f"no finished replay; got {replay and replay.status}"
        await asyncio.sleep(0.1)


def _decode(path: Path) -> list[tuple[float, int | None]]:
    with av.open(str(path)) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        return [
            (float(frame.time or 0), (read := read_frame(frame)) and read[0])
            for frame in container.decode(video=0)
        ]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_streamed_show_becomes_a_replay_with_chapters_at_the_pins(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    # given a live room whose host streams through a real relay that reports to the web tier
    use_loopback()
    relay = start_relay(tmp_path, RELAY_WEBHOOK_URL=f"{live_server.url}/rtc/relay/events/")
    settings.RELAY_SECRET = SECRET
    settings.RELAY_URLS = [relay.url]
    world, room, products = await sync_to_async(_show)()
    identity = f"user-{world.host_a.pk}"
    pins: list[float] = []
    try:
        async with aiohttp.ClientSession() as session:
            publisher = Publisher(
                relay.url, relay.token(f"room-{room.pk}", identity, publish=True, name="Host")
            )
            await publisher.start(session)
            streamed_from = time.monotonic()
            # when the host pins two products while streaming ~10 s ...
            for product, frame in zip(products, PIN_FRAMES, strict=True):
                await _until_frame(publisher, frame)
                before = publisher.video.counter
                await sync_to_async(room_pin_product)(
                    room=room, product_id=product, actor=world.host_a
                )
                pins.append((before + publisher.video.counter) / 2)
            await _until_frame(publisher, STREAM_FRAMES)
            # ... and ends the show (the relay closes the room and reports the recording)
            await sync_to_async(room_end)(room=room, actor=world.host_a)
            await sync_to_async(room_media_close)(room)
            streamed = time.monotonic() - streamed_from
            await publisher.close()
        replay = await _replay_done(room)
    finally:
        relay.stop()

    # then one ready replay of the stream's length, counters in order, chapters at the pins
    assert replay.status == ReplayStatus.READY, f"{replay.error}\n{relay.log_tail()}"
    assert await Replay.objects.filter(room=room).acount() == 1
    frames = _decode(Path(settings.MEDIA_ROOT) / replay.video.name)
    decoded = frames[-1][0] + 1 / FPS
    assert abs(decoded - streamed) <= 0.1 * streamed, (decoded, streamed)
    assert abs(replay.duration - decoded) < 0.5
    counters = [counter for _at, counter in frames if counter is not None]
    assert len(frames) >= 0.9 * STREAM_FRAMES and len(counters) >= 0.8 * len(frames)
    assert all(b > a for a, b in itertools.pairwise(counters))
    chapters = [c for c in replay.chapters if c["kind"] == "pin"]
    assert [c["product_id"] for c in chapters] == products
    for chapter, pinned_at_frame in zip(chapters, pins, strict=True):
        _at, counter = min(
            ((t, c) for t, c in frames if c is not None),
            key=lambda f: abs(f[0] - chapter["offset"]),
        )
        # the frame the chapter points at was on air within 1 s of the pin
        assert abs(counter - pinned_at_frame) <= FPS, (chapter, counter, pinned_at_frame)
    assert replay.poster and replay.starts_at is not None
