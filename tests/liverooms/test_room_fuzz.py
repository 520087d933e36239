"""Fuzzed inbound messages: only `error` events (or normal answers) come back, the socket
stays open unless it floods, and the room keeps working for everyone."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.realtime.protocol import OUTBOUND_TYPES
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world
from tests.liverooms.test_room_socket import connect, receive_until

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
messages = st.one_of(
    st.text(min_size=1, max_size=200),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["chat.send", "like.send", "room.resume", "ping", "room.x", ""])},
        optional={
            "text": json_values,
            "count": json_values,
            "last_seq": json_values,
            "ref": json_values,
        },
    ).map(json.dumps),
)


@pytest.fixture
def fuzz_room(transactional_db):  # type: ignore[no-untyped-def]
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="fuzz",
        title="Fuzz",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    return world, room


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(messages, min_size=1, max_size=8))
def test_fuzzed_messages_only_get_errors_and_the_room_survives(fuzz_room, batch: list[str]) -> None:  # type: ignore[no-untyped-def]
    world, room = fuzz_room

    async def scenario() -> None:
        from channels.db import database_sync_to_async
        from django.db import connections

        try:
            fuzzer = await connect(room, world.shopper)
            bystander = await connect(room)
            await receive_until(fuzzer, "room.snapshot")
            await receive_until(bystander, "room.snapshot")
            for text in batch:
                await fuzzer.send_to(text_data=text)
            await fuzzer.send_json_to({"type": "ping", "ref": "alive"})
            while True:  # every answer is a known event type; the ping still gets its pong
                frame = json.loads(await fuzzer.receive_from(timeout=5))
                assert frame["type"] in OUTBOUND_TYPES
                if frame["type"] == "error":
                    assert set(frame) <= {"type", "code", "message", "ref"} and frame["code"]
                if frame.get("ref") == "alive":
                    break
            await bystander.send_json_to({"type": "ping", "ref": "me-too"})
            assert (await receive_until(bystander, "pong"))["ref"] == "me-too"
            await fuzzer.disconnect()
            await bystander.disconnect()
        finally:
            await database_sync_to_async(connections.close_all)()

    asyncio.run(scenario())
