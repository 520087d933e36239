"""Per-process caches for the socket connect path.

A burst of joins (a show starting, a link shared) is thousands of sockets within seconds.
Each used to look the room up and build its own snapshot, a few database trips each, all
queued behind Channels' single database thread. Here a web process looks a room up at most
once a second and builds the anonymous viewers' snapshot once per room event sequence number:
a snapshot read after seq S is valid for every viewer who joins while the room is still at S
(anything later reaches them through the hub, because they subscribed before reading S).
Concurrent misses share one build.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from liverooms.realtime import events
from liverooms.realtime.hub import RoomHub
from liverooms.rooms.models import LiveRoom
from liverooms.rooms.selectors import room_for_socket, room_snapshot

ROOM_TTL = 1.0  # seconds a process trusts its copy of a room (status changes arrive as events)
SNAPSHOT_MAX_AGE = 5.0  # seconds, so counters in a reused snapshot are never far behind


def snapshot_text(seq: int, snapshot: Any, likes: int, viewers: int) -> str:
    return json.dumps(
        {
            "type": "room.snapshot",
            "seq": seq,
            "room": snapshot.room,
            "chat": snapshot.chat,
            "pinned_message": snapshot.pinned_message,
            "pinned_product": snapshot.pinned_product,
            "deal": snapshot.deal,
            "likes": likes,
            "viewers": viewers,
            "you": snapshot.you,
            "publishers": snapshot.publishers,
            "pk": snapshot.pk,
            "giveaway": snapshot.giveaway,
            "coupon": snapshot.coupon,
            "quiz": snapshot.quiz,
            "gifts": snapshot.gifts,
        },
        ensure_ascii=False,
    )


@dataclass
class _Entry:
    value: Any
    key: Any
    at: float


class SocketCache:
    def __init__(self) -> None:
        self.rooms: dict[str, _Entry] = {}
        self.snapshots: dict[int, _Entry] = {}
        self.pending: dict[tuple[str, Any], asyncio.Future[Any]] = {}

    async def _single_flight(self, key: tuple[str, Any], build: Any) -> Any:
        future = self.pending.get(key)
        if future is not None:
            return await asyncio.shield(future)
        future = asyncio.get_running_loop().create_future()
        self.pending[key] = future
        try:
            value = await build()
        except BaseException as failed:
            future.set_exception(failed)
            future.exception()  # retrieved: waiters re-raise it, nobody else must log it
            raise
        else:
            future.set_result(value)
            return value
        finally:
            self.pending.pop(key, None)

    async def room(self, slug: str) -> LiveRoom | None:
        entry = self.rooms.get(slug)
        if entry is not None and time.monotonic() - entry.at < ROOM_TTL:
            return entry.value  # type: ignore[no-any-return]

        async def build() -> LiveRoom | None:
            room = await database_sync_to_async(room_for_socket)(slug)
            self.rooms[slug] = _Entry(room, slug, time.monotonic())
            return room

        return await self._single_flight(("room", slug), build)  # type: ignore[no-any-return]

    async def anonymous_snapshot(self, hub: RoomHub, room: LiveRoom, seq: int) -> str:
        """The snapshot every signed-out viewer gets, as sent text, for the room at ``seq``."""
        entry = self.snapshots.get(room.pk)
        if (
            entry is not None
            and entry.key == seq
            and time.monotonic() - entry.at < SNAPSHOT_MAX_AGE
        ):
            return entry.value  # type: ignore[no-any-return]

        async def build() -> str:
            def read() -> Any:
                fresh = room_for_socket(room.slug) or room
                return room_snapshot(fresh, AnonymousUser())

            snapshot = await database_sync_to_async(read)()
            likes = int(await hub.redis.get(events.key(room.pk, "likes")) or 0)
            viewers = await hub.viewer_count(room.pk)
            text = snapshot_text(seq, snapshot, likes, viewers)
            self.snapshots[room.pk] = _Entry(text, seq, time.monotonic())
            return text

        return await self._single_flight(("snapshot", (room.pk, seq)), build)  # type: ignore[no-any-return]


_caches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SocketCache] = (
    weakref.WeakKeyDictionary()
)


def get_socket_cache() -> SocketCache:
    """This event loop's cache (one per web process; tests get one per loop)."""
    loop = asyncio.get_running_loop()
    cache = _caches.get(loop)
    if cache is None:
        cache = _caches[loop] = SocketCache()
    return cache
