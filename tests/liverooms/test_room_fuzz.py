"""Fuzzed inbound messages: only `error` events (or normal answers) come back, the socket
stays open unless it floods, and the room keeps working for everyone."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.media.pk import pk_accept, pk_invite
from liverooms.realtime.protocol import OUTBOUND_TYPES
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world
from tests.fuzz import json_values as fuzz_json
from tests.liverooms.test_room_socket import connect, receive_until

json_values = fuzz_json(text_size=30, width=4, max_leaves=12)
# rtc.subscribe, with a `room` naming this room, the room linked with it (PK), a room that
# is not linked, or junk.
rtc_subscribes = st.fixed_dictionaries(
    {
        "type": st.just("rtc.subscribe"),
        "publisher": st.sampled_from(["user-1", "viewer-x", "", "no spaces!"]) | json_values,
        "sdp": st.sampled_from(["v=0 not really an offer", ""]) | json_values,
    },
    optional={
        "room": st.sampled_from(["fuzz", "fuzz-linked", "fuzz-stranger", "", "../x", "a" * 90])
        | json_values,
        "ref": st.text(max_size=10),
    },
).map(json.dumps)
messages = st.one_of(
    st.text(min_size=1, max_size=200),
    rtc_subscribes,
    json_values.map(json.dumps),
    st.fixed_dictionaries({"type": json_values}).map(json.dumps),
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
def fuzz_room(transactional_db, settings):  # type: ignore[no-untyped-def]
    # No relay node: a well-formed rtc.subscribe gets relay_unavailable, whatever else runs.
    settings.RELAY_REDIS_PREFIX, settings.RELAY_URLS = "fuzz-no-relay", []
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="fuzz",
        title="Fuzz",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    linked, _stranger = (
        LiveRoom.objects.create(
            shop=world.shop_b,
            slug=slug,
            title=slug,
            scheduled_at=timezone.now(),
            status=RoomStatus.LIVE,
        )
        for slug in ("fuzz-linked", "fuzz-stranger")
    )
    pk_invite(room=room, target_slug=linked.slug, actor=world.host_a)
    pk_accept(room=linked, actor=world.owner_b)
    return world, room


def test_a_type_that_is_not_a_string_is_an_unknown_type(fuzz_room) -> None:  # type: ignore[no-untyped-def]
    """Regression: {"type": {...}} used to raise TypeError (unhashable) in the consumer."""
    world, room = fuzz_room

    async def scenario() -> None:
        from channels.db import database_sync_to_async
        from django.db import connections

        try:
            socket = await connect(room, world.shopper)
            await receive_until(socket, "room.snapshot")
            for odd in ({"a": 1}, [1, 2], 3, True, None):
                await socket.send_json_to({"type": odd, "ref": "odd"})
                error = await receive_until(socket, "error")
                assert error["code"] == "unknown_type" and error["ref"] == "odd", error
            await socket.send_json_to({"type": "ping", "ref": "alive"})
            assert (await receive_until(socket, "pong"))["ref"] == "alive"
            await socket.disconnect()
        finally:
            await database_sync_to_async(connections.close_all)()

    asyncio.run(scenario())


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


pk_actions = st.fixed_dictionaries(
    {"action": st.sampled_from(["pk_invite", "pk_accept", "pk_decline", "pk_cancel", "pk_end"])},
    optional={
        "target_room": st.sampled_from(["fuzz", "fuzz-linked", "fuzz-stranger", "nope"])
        | st.text(max_size=60),
        "seconds": st.integers(-10, 5000).map(str) | st.text(max_size=6),
    },
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["host_a", "owner_b", "shopper"]), pk_actions), max_size=6
    )
)
def test_fuzzed_pk_console_actions_answer_cleanly_and_keep_one_battle_per_room(
    fuzz_room, steps: list[tuple[str, dict[str, str]]]
) -> None:  # type: ignore[no-untyped-def]
    """Any PK action, by anyone, against any room: a JSON answer or a refusal, never a server
    error, and never two open battles for one room."""
    from django.db.models import Q
    from django.test import Client

    from liverooms.media.models import PK_OPEN, PkBattle

    world, room = fuzz_room
    rooms = {"host_a": room, "owner_b": LiveRoom.objects.get(slug="fuzz-stranger")}
    for who, fields in steps:
        client = Client()
        client.force_login(getattr(world, who))
        target = rooms.get(who, room)
        response = client.post(f"/en/live/{target.slug}/host/action/", fields)
        assert response.status_code in (200, 400, 403, 409), response.content
        if response.status_code != 403:
            assert response.json()["ok"] is (response.status_code == 200)
    for each in LiveRoom.objects.all():
        open_battles = PkBattle.objects.filter(
            Q(inviter_room=each) | Q(invitee_room=each), status__in=PK_OPEN
        )
        assert open_battles.count() <= 1, list(open_battles)
