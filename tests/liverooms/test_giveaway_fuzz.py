"""Fuzzed giveaway and coupon traffic (the test_room_fuzz.py style): socket messages and chat
keyword lines only get known answers or `error` events, the room keeps working; fuzzed console
actions by anyone answer cleanly; the invariants hold (one entry per shopper, never more codes
than a drop holds, one open giveaway and one active drop per room)."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.giveaways.models import (
    CouponStatus,
    Giveaway,
    GiveawayEntry,
    GiveawayStatus,
    RoomCoupon,
    RoomCouponClaim,
)
from liverooms.giveaways.services import coupon_drop, giveaway_open
from liverooms.realtime.protocol import OUTBOUND_TYPES
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import build_world, make_voucher
from tests.liverooms.test_room_fuzz import json_values
from tests.liverooms.test_room_socket import connect, receive_until

ids = st.integers(-5, 2**63) | st.sampled_from([None, "1", 1.5, True]) | json_values
messages = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["giveaway.enter", "coupon.claim"])},
        optional={"id": ids, "ref": st.text(max_size=10) | json_values, "extra": json_values},
    ).map(json.dumps),
    st.fixed_dictionaries(
        {
            "type": st.just("chat.send"),
            "text": st.sampled_from(["win", "WIN!", "i win", "winner", "w i n", ""])
            | st.text(max_size=40),
        }
    ).map(json.dumps),
)


@pytest.fixture
def give_room(transactional_db):  # type: ignore[no-untyped-def]
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="give-fuzz",
        title="Give fuzz",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    giveaway_open(
        room=room, prize="Fuzz prize", winners=2, minutes=30, keyword="win", actor=world.host_a
    )
    template = make_voucher(world.shop_a, "FUZZ5", percentage="5")
    coupon_drop(room=room, voucher_id=template.pk, total=3, per_shopper=2, actor=world.host_a)
    return world, room, template


def _invariants(room: LiveRoom) -> None:
    per_user = GiveawayEntry.objects.values("giveaway", "user").annotate(n=Count("id"))
    assert all(row["n"] == 1 for row in per_user)
    for coupon in RoomCoupon.objects.filter(room=room):
        claims = RoomCouponClaim.objects.filter(coupon=coupon).count()
        assert claims == coupon.claimed <= coupon.total
        most = RoomCouponClaim.objects.filter(coupon=coupon).values("user").annotate(n=Count("id"))
        assert all(row["n"] <= coupon.per_shopper for row in most)
    assert Giveaway.objects.filter(room=room, status=GiveawayStatus.OPEN).count() <= 1
    assert RoomCoupon.objects.filter(room=room, status=CouponStatus.ACTIVE).count() <= 1


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(messages, min_size=1, max_size=8))
def test_fuzzed_giveaway_messages_only_get_answers_or_errors(give_room, batch: list[str]) -> None:  # type: ignore[no-untyped-def]
    world, room, _template = give_room

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
            while True:
                frame = json.loads(await fuzzer.receive_from(timeout=5))
                assert frame["type"] in OUTBOUND_TYPES
                if frame["type"] == "error":
                    assert set(frame) <= {"type", "code", "message", "ref", "detail"}
                    assert frame["code"] and frame["message"]
                if frame.get("ref") == "alive":
                    break
            await bystander.send_json_to({"type": "ping", "ref": "me-too"})
            assert (await receive_until(bystander, "pong"))["ref"] == "me-too"
            await fuzzer.disconnect()
            await bystander.disconnect()
        finally:
            await database_sync_to_async(connections.close_all)()

    asyncio.run(scenario())
    _invariants(room)


console_actions = st.fixed_dictionaries(
    {
        "action": st.sampled_from(
            ["giveaway_open", "giveaway_close", "giveaway_draw", "coupon_drop", "coupon_stop"]
        )
    },
    optional={
        "prize": st.text(max_size=210),
        "quantity": st.integers(-3, 200_000).map(str) | st.text(max_size=6),
        "per_buyer_limit": st.integers(-1, 120).map(str),
        "minutes": st.integers(-1, 2000).map(str),
        "keyword": st.sampled_from(["win", "two words", "x", "ok!", ""]) | st.text(max_size=45),
        "countries": st.sampled_from(["ES,FR", "es; fr", "XX", "", ",,"]) | st.text(max_size=20),
        "requires_purchase": st.sampled_from(["1", "on", "", "no"]),
        "giveaway_id": st.integers(-1, 10).map(str) | st.text(max_size=4),
        "voucher_id": st.integers(-1, 10).map(str) | st.text(max_size=4),
    },
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["host_a", "owner_b", "shopper"]), console_actions), max_size=6
    )
)
def test_fuzzed_console_actions_answer_cleanly(give_room, steps) -> None:  # type: ignore[no-untyped-def]
    world, room, template = give_room
    for who, fields in steps:
        client = Client()
        client.force_login(getattr(world, who))
        if fields.get("voucher_id") == "0":
            fields = {**fields, "voucher_id": str(template.pk)}
        response = client.post(f"/en/live/{room.slug}/host/action/", fields)
        assert response.status_code in (200, 400, 403, 409), response.content
        if who != "host_a":
            assert response.status_code in (400, 403)
        if response.status_code != 403:
            assert response.json()["ok"] is (response.status_code == 200)
    _invariants(room)
