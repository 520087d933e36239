"""Giveaways and coupon drops on the room socket (real Redis, real database): entering by
button or chat keyword, replies to the sender only, clear errors, throttled counters, the
snapshot, claiming a code."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from liverooms.giveaways.models import EntryMethod, GiveawayEntry
from liverooms.giveaways.services import coupon_drop, giveaway_draw, giveaway_open
from liverooms.realtime.protocol import OUTBOUND_TYPES
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import display_name
from tests.factories import build_world, make_user, make_voucher
from tests.liverooms.test_room_socket import (  # noqa: F401 (fixture)
    _close_socket_db_connections,
    connect,
    receive_until,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room_world():  # type: ignore[no-untyped-def]
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="give-live",
        title="Give live",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    return world, room


async def _frames_until(communicator: Any, predicate: Any, timeout: float = 3.0) -> list[dict]:  # type: ignore[type-arg]
    """Every frame up to and including the first that satisfies ``predicate``."""
    seen = []
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = max(deadline - asyncio.get_running_loop().time(), 0.01)
        frame = json.loads(await communicator.receive_from(timeout=remaining))
        assert frame["type"] in OUTBOUND_TYPES, frame
        seen.append(frame)
        if predicate(frame):
            return seen


async def test_enter_by_button_and_keyword_with_clear_errors(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    giveaway = await sync_to_async(giveaway_open)(
        room=room, prize="Scarf", winners=1, minutes=5, keyword="Scarf", actor=world.host_a
    )
    shopper, keyworder = world.shopper, await sync_to_async(make_user)(country="ES")
    button = await connect(room, shopper)
    chatter = await connect(room, keyworder)
    anonymous = await connect(room)
    snapshot = await receive_until(button, "room.snapshot")
    assert snapshot["giveaway"]["id"] == giveaway.pk
    assert snapshot["giveaway"]["seed_hash"] == giveaway.seed_hash
    assert snapshot["giveaway"]["you"] == {"entry": None} and "seed" not in snapshot["giveaway"]
    await receive_until(chatter, "room.snapshot")
    anonymous_snapshot = await receive_until(anonymous, "room.snapshot")
    assert "you" not in anonymous_snapshot["giveaway"]

    await button.send_json_to({"type": "giveaway.enter", "ref": "b1"})
    entered = await receive_until(button, "giveaway.entered")
    assert entered["ref"] == "b1" and entered["id"] == giveaway.pk
    assert entered["entry"].startswith(display_name(shopper) + "#")
    await button.send_json_to({"type": "giveaway.enter", "ref": "b2"})
    again = await receive_until(button, "error")
    assert (again["code"], again["ref"]) == ("giveaway_already_entered", "b2")

    # A chat line with the keyword (any case, a whole word) enters its author.
    await chatter.send_json_to({"type": "chat.send", "text": "scarfs are nice", "ref": "c0"})
    await chatter.send_json_to({"type": "chat.send", "text": "I want the SCARF!", "ref": "c1"})
    by_chat = await receive_until(chatter, "giveaway.entered")
    assert by_chat["ref"] == "c1"
    entries = await sync_to_async(list)(
        GiveawayEntry.objects.filter(giveaway=giveaway).values_list("method", flat=True)
    )
    assert sorted(entries) == sorted([EntryMethod.BUTTON, EntryMethod.KEYWORD])

    await anonymous.send_json_to({"type": "giveaway.enter", "ref": "a1"})
    assert (await receive_until(anonymous, "error"))["code"] == "auth_required"
    await anonymous.send_json_to({"type": "giveaway.enter", "id": "x"})
    assert (await receive_until(anonymous, "error"))["code"] == "invalid_message"

    # The entry counter is throttled: fewer frames than entries, the last one is current.
    frames = await _frames_until(
        anonymous, lambda f: f["type"] == "giveaway.entries" and f["count"] == 2, timeout=4
    )
    counts = [f["count"] for f in frames if f["type"] == "giveaway.entries"]
    assert len(counts) <= 2 and counts[-1] == 2
    # Replies went to their senders only.
    assert not [f for f in frames if f["type"] in ("giveaway.entered", "error")]

    await sync_to_async(giveaway_draw)(giveaway_id=giveaway.pk, actor=world.host_a)
    drawn = await receive_until(anonymous, "giveaway.drawn")
    assert drawn["giveaway"]["seed"] and len(drawn["giveaway"]["winners"]) == 1
    assert drawn["giveaway"]["winners"][0]["handle"] in (entered["entry"], by_chat["entry"])
    await button.send_json_to({"type": "giveaway.enter", "ref": "late"})
    assert (await receive_until(button, "error"))["code"] == "giveaway_closed"
    for communicator in (button, chatter, anonymous):
        await communicator.disconnect()


async def test_not_eligible_gets_a_reason(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    await sync_to_async(giveaway_open)(
        room=room, prize="VIP", winners=1, minutes=5, countries=["FR"], actor=world.host_a
    )
    viewer = await connect(room, world.shopper)
    await receive_until(viewer, "room.snapshot")
    await viewer.send_json_to({"type": "giveaway.enter", "ref": "e"})
    refused = await receive_until(viewer, "error")
    assert (refused["code"], refused["detail"], refused["ref"]) == (
        "giveaway_not_eligible",
        "country",
        "e",
    )
    # A NUL in a chat line (found by the fuzz test) is refused instead of killing the socket.
    await viewer.send_json_to({"type": "chat.send", "text": "win\u0000", "ref": "nul"})
    assert (await receive_until(viewer, "error"))["code"] == "invalid_message"
    await viewer.send_json_to({"type": "ping", "ref": "still-here"})
    assert (await receive_until(viewer, "pong"))["ref"] == "still-here"
    await viewer.disconnect()


async def test_claim_a_code_and_see_the_count_fall(room_world) -> None:  # type: ignore[no-untyped-def]
    world, room = room_world
    template = await sync_to_async(make_voucher)(world.shop_a, "DROP10", percentage="10")
    watcher = await connect(room)
    await receive_until(watcher, "room.snapshot")
    coupon = await sync_to_async(coupon_drop)(
        room=room, voucher_id=template.pk, total=2, per_shopper=1, actor=world.host_a
    )
    assert (await receive_until(watcher, "coupon.dropped"))["coupon"]["remaining"] == 2
    claimer = await connect(room, world.shopper)
    snapshot = await receive_until(claimer, "room.snapshot")
    assert snapshot["coupon"]["you"] == {"codes": []}
    await claimer.send_json_to({"type": "coupon.claim", "id": coupon.pk, "ref": "k"})
    claimed = await receive_until(claimer, "coupon.claimed")
    assert claimed["ref"] == "k" and len(claimed["code"]) == 10
    assert (await receive_until(watcher, "coupon.updated"))["remaining"] == 1
    await claimer.send_json_to({"type": "coupon.claim", "ref": "k2"})
    assert (await receive_until(claimer, "error"))["code"] == "coupon_limit_reached"
    second = await connect(room, await sync_to_async(make_user)())
    await receive_until(second, "room.snapshot")
    await second.send_json_to({"type": "coupon.claim"})
    await receive_until(second, "coupon.claimed")
    closed = await receive_until(watcher, "coupon.closed")
    assert (closed["reason"], closed["remaining"]) == ("sold_out", 0)
    third = await connect(room, await sync_to_async(make_user)())
    await receive_until(third, "room.snapshot")
    await third.send_json_to({"type": "coupon.claim"})
    assert (await receive_until(third, "error"))["code"] == "coupon_sold_out"
    again = await connect(room, world.shopper)
    assert (await receive_until(again, "room.snapshot"))["coupon"] is None  # no active drop
    for communicator in (watcher, claimer, second, third, again):
        await communicator.disconnect()
