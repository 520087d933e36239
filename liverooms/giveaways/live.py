"""The socket side of giveaways and coupon drops, called by the room consumer.

``giveaway_socket_message`` answers ``giveaway.enter`` and ``coupon.claim`` to the sender
only; ``giveaway_chat_line`` enters the author of an accepted chat line that contains the
open giveaway's keyword. Rooms without a keyword giveaway cost chat one dictionary lookup:
each process caches the room's keyword flag (kept in Redis by the services) for a second.

Counters that move with every entry or claim (``giveaway.entries``, ``coupon.updated``) are
throttled across processes: at most one frame per ``COUNTER_INTERVAL`` per room and counter
(a Redis NX key picks the publisher), and a process that was refused publishes the latest
value once the interval has passed, so the last count always goes out.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async

from liverooms.giveaways.models import EntryMethod, GiveawayEntry, RoomCoupon
from liverooms.giveaways.services import GiveawayError, coupon_claim, giveaway_enter, keyword_key
from liverooms.realtime import events
from liverooms.realtime.protocol import CouponClaim, ErrorCode, GiveawayEnter

if TYPE_CHECKING:
    from liverooms.rooms.consumers import RoomConsumer

COUNTER_INTERVAL = 1.0  # seconds between two frames of the same counter in a room
FLAG_TTL = 1.0  # seconds a process trusts its copy of a room's keyword flag


class _ProcessState:
    def __init__(self) -> None:
        self.flags: dict[int, tuple[float, dict[str, Any] | None]] = {}
        self.pending: dict[tuple[int, str], asyncio.Task[None]] = {}


_states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ProcessState] = (
    weakref.WeakKeyDictionary()
)


def _state() -> _ProcessState:
    loop = asyncio.get_running_loop()
    state = _states.get(loop)
    if state is None:
        state = _states[loop] = _ProcessState()
    return state


async def _reply(consumer: RoomConsumer, body: dict[str, Any], ref: str | None) -> None:
    if ref:
        body["ref"] = ref
    await consumer.send(text_data=json.dumps(body, ensure_ascii=False))


async def _refuse(consumer: RoomConsumer, refused: GiveawayError, ref: str | None) -> None:
    body: dict[str, Any] = {"type": "error", "code": refused.code, "message": str(refused)}
    if refused.detail:
        body["detail"] = refused.detail
    if ref:
        body["ref"] = ref
    await consumer.send(text_data=json.dumps(body, ensure_ascii=False))
    if consumer.limiter.refused():
        from liverooms.realtime.protocol import CLOSE_FLOOD

        await consumer.close(code=CLOSE_FLOOD)


async def giveaway_socket_message(
    consumer: RoomConsumer, message: GiveawayEnter | CouponClaim
) -> None:
    """``giveaway.enter`` -> ``giveaway.entered`` (the entry's public handle);
    ``coupon.claim`` -> ``coupon.claimed`` (the code). Errors go to the sender only."""
    assert consumer.room is not None
    room, user = consumer.room, consumer.user
    try:
        if isinstance(message, GiveawayEnter):
            entry = await database_sync_to_async(giveaway_enter)(
                room=room, user=user, giveaway_id=message.id
            )
            await _entered(consumer, entry, message.ref)
        else:
            claim = await database_sync_to_async(coupon_claim)(
                room=room, user=user, coupon_id=message.id
            )
            body = {"type": "coupon.claimed", "id": claim.coupon_id, "code": claim.code.code}
            await _reply(consumer, body, message.ref)
            await counter_changed(room.pk, "coupon.updated", claim.coupon_id, _coupon_counter)
    except GiveawayError as refused:
        await _refuse(consumer, refused, message.ref)


async def _entered(consumer: RoomConsumer, entry: GiveawayEntry, ref: str | None) -> None:
    assert consumer.room is not None
    await _reply(
        consumer,
        {"type": "giveaway.entered", "id": entry.giveaway_id, "entry": entry.handle},
        ref,
    )
    await counter_changed(
        consumer.room.pk, "giveaway.entries", entry.giveaway_id, _giveaway_counter
    )


async def giveaway_chat_line(consumer: RoomConsumer, text: str, ref: str | None = None) -> None:
    """After an accepted chat line: enter its author if it contains the open giveaway's
    keyword (a whole word, any case). Repeats and closed giveaways are ignored quietly;
    other refusals (not eligible) reach the author."""
    assert consumer.room is not None
    flag = await _keyword_flag(consumer)
    if flag is None or not flag.get("keyword"):
        return
    pattern = rf"(?<!\w){re.escape(flag['keyword'])}(?!\w)"
    if not re.search(pattern, text.casefold()):
        return
    try:
        entry = await database_sync_to_async(giveaway_enter)(
            room=consumer.room,
            user=consumer.user,
            giveaway_id=flag["id"],
            method=EntryMethod.KEYWORD,
        )
    except GiveawayError as refused:
        if refused.code not in (ErrorCode.GIVEAWAY_ALREADY_ENTERED, ErrorCode.GIVEAWAY_CLOSED):
            await _refuse(consumer, refused, ref)
        return
    await _entered(consumer, entry, ref)


async def _keyword_flag(consumer: RoomConsumer) -> dict[str, Any] | None:
    assert consumer.room is not None
    state, now = _state(), time.monotonic()
    cached = state.flags.get(consumer.room.pk)
    if cached is not None and now - cached[0] < FLAG_TTL:
        return cached[1]
    raw = await consumer.hub.redis.get(keyword_key(consumer.room.pk))
    flag = json.loads(raw) if raw else None
    state.flags[consumer.room.pk] = (now, flag)
    return flag


def _giveaway_counter(giveaway_id: int) -> dict[str, Any]:
    return {
        "id": giveaway_id,
        "count": GiveawayEntry.objects.filter(giveaway_id=giveaway_id).count(),
    }


def _coupon_counter(coupon_id: int) -> dict[str, Any]:
    coupon = RoomCoupon.objects.get(pk=coupon_id)
    return {"id": coupon_id, "remaining": coupon.remaining, "total": coupon.total}


async def counter_changed(
    room_id: int, event_type: str, object_id: int, read: Callable[[int], dict[str, Any]]
) -> None:
    """Publish the counter now if nobody did within the interval, else once it has passed."""
    from liverooms.realtime.hub import get_hub

    redis = get_hub().redis
    name = f"{event_type}:{object_id}"
    if await redis.set(
        events.key(room_id, f"tick:{name}"), "1", nx=True, px=int(COUNTER_INTERVAL * 1000)
    ):
        payload = await database_sync_to_async(read)(object_id)
        body = json.dumps(payload, sort_keys=True)
        last_key = events.key(room_id, f"last:{name}")
        if await redis.getset(last_key, body) != body:
            await redis.expire(last_key, 3600)
            await events.apublish(redis, room_id, event_type, payload)
        return
    state, key = _state(), (room_id, name)
    if key not in state.pending:
        state.pending[key] = asyncio.create_task(
            _later(state, key, room_id, event_type, object_id, read)
        )


async def _later(
    state: _ProcessState,
    key: tuple[int, str],
    room_id: int,
    event_type: str,
    object_id: int,
    read: Callable[[int], dict[str, Any]],
) -> None:
    try:
        await asyncio.sleep(COUNTER_INTERVAL)
    finally:
        state.pending.pop(key, None)
    await counter_changed(room_id, event_type, object_id, read)
