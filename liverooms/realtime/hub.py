"""Per-process fan-out for rooms.

One ``RoomHub`` per event loop (i.e. per web process) holds one Redis pub/sub connection, is
subscribed to the channels of the rooms that have viewers on this process, and hands each
frame, serialised once by the publisher, to every local socket. It also batches this
process's chat messages and likes into short frames and keeps viewer presence in Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from django.conf import settings

from liverooms.realtime import events

logger = logging.getLogger(__name__)

BATCH_INTERVAL = 0.15  # seconds: chat is published at most this often per process
LIKES_INTERVAL = 0.3  # likes only move a counter: a slower tick means fewer frames per viewer
PRESENCE_HEARTBEAT = 10.0
PRESENCE_TTL = 30.0
VIEWER_TICK = 2.0
QUEUE_LIMIT = 256  # frames waiting for one slow viewer before it is resynchronised
REDIS_POOL_SIZE = 64  # per web process


class Member:
    """A local socket. ``deliver`` never blocks the hub: frames go to a bounded queue."""

    def __init__(
        self, send: Callable[[str], Awaitable[None]], resync: Callable[[], Awaitable[None]]
    ) -> None:
        self.id = uuid.uuid4().hex
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)
        self._send, self._resync = send, resync
        # Frames wait until the socket has its snapshot (or its replay), so they never
        # overtake it; the client drops any whose seq the snapshot already covers.
        self.ready = asyncio.Event()
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def deliver(self, frame: str) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            # Too far behind: drop what is queued and send a fresh snapshot instead.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def _write(self) -> None:
        await self.ready.wait()
        while True:
            frame = await self.queue.get()
            try:
                await (self._resync() if frame is None else self._send(frame))
            except Exception:
                logger.debug("dropping frame for closed member %s", self.id)

    def close(self) -> None:
        self.writer.cancel()


@dataclass
class RoomState:
    members: set[Member] = field(default_factory=set)
    chat: list[dict[str, Any]] = field(default_factory=list)
    likes: int = 0
    flush_scheduled: bool = False
    likes_published: float = 0.0
    last_viewers: int = -1


class RoomHub:
    def __init__(self, url: str) -> None:
        # A blocking pool: a burst of joins waits for a free connection instead of failing
        # with "Too many connections" (seen at 2,000 viewers connecting at once).
        pool = aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=REDIS_POOL_SIZE, timeout=30
        )
        self.redis = aioredis.Redis(connection_pool=pool)
        self.pubsub = self.redis.pubsub()
        self.rooms: dict[int, RoomState] = {}
        self.listener: asyncio.Task[None] | None = None
        self.ticker: asyncio.Task[None] | None = None
        self.channel_rooms: dict[str, int] = {}
        self.subscribed: dict[str, asyncio.Event] = {}

    # Membership -------------------------------------------------------------------------
    async def join(self, room_id: int, member: Member) -> None:
        state = self.rooms.get(room_id)
        if state is None:
            state = self.rooms[room_id] = RoomState()
            name = events.channel(room_id)
            self.channel_rooms[name] = room_id
            self.subscribed[name] = asyncio.Event()
            await self.pubsub.subscribe(name)
        state.members.add(member)
        self._start_tasks()
        # Only once Redis confirms the subscription is every later event sure to reach us;
        # the caller reads the snapshot's seq after this.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.subscribed[events.channel(room_id)].wait(), timeout=5)
        await self.redis.zadd(events.key(room_id, "viewers"), {member.id: time.time()})

    async def leave(self, room_id: int, member: Member) -> None:
        member.close()
        state = self.rooms.get(room_id)
        if state is None:
            return
        state.members.discard(member)
        with contextlib.suppress(Exception):
            await self.redis.zrem(events.key(room_id, "viewers"), member.id)
        if not state.members:
            await self._flush(room_id)
            self.rooms.pop(room_id, None)
            name = events.channel(room_id)
            self.channel_rooms.pop(name, None)
            self.subscribed.pop(name, None)
            with contextlib.suppress(Exception):
                await self.pubsub.unsubscribe(name)

    def local_members(self, room_id: int) -> int:
        state = self.rooms.get(room_id)
        return len(state.members) if state else 0

    # Batching ----------------------------------------------------------------------------
    def add_chat(self, room_id: int, message: dict[str, Any]) -> None:
        state = self.rooms.get(room_id)
        if state is None:
            return
        state.chat.append(message)
        self._schedule_flush(room_id, state)

    def add_likes(self, room_id: int, count: int) -> None:
        state = self.rooms.get(room_id)
        if state is None:
            return
        state.likes += count
        self._schedule_flush(room_id, state)

    def _schedule_flush(self, room_id: int, state: RoomState) -> None:
        if not state.flush_scheduled:
            state.flush_scheduled = True
            asyncio.get_running_loop().call_later(
                BATCH_INTERVAL, lambda: asyncio.ensure_future(self._flush(room_id))
            )

    async def _flush(self, room_id: int) -> None:
        state = self.rooms.get(room_id)
        if state is None:
            return
        state.flush_scheduled = False
        chat, state.chat = state.chat, []
        likes = 0
        if state.likes:
            if time.monotonic() - state.likes_published >= LIKES_INTERVAL or not state.members:
                likes, state.likes = state.likes, 0
                state.likes_published = time.monotonic()
            else:
                self._schedule_flush(room_id, state)  # keep counting; publish on a later tick
        try:
            if chat:
                await events.apublish(self.redis, room_id, "chat.batch", {"messages": chat})
            if likes:
                total = await self.redis.incrby(events.key(room_id, "likes"), likes)
                await events.apublish(
                    self.redis, room_id, "likes.update", {"total": total, "delta": likes}
                )
        except Exception:
            logger.exception("publishing batch for room %s failed", room_id)

    # Fan-out -----------------------------------------------------------------------------
    def _start_tasks(self) -> None:
        if self.listener is None or self.listener.done():
            self.listener = asyncio.get_running_loop().create_task(self._listen())
        if self.ticker is None or self.ticker.done():
            self.ticker = asyncio.get_running_loop().create_task(self._tick())

    async def _listen(self) -> None:
        while self.rooms:
            if self.pubsub.connection is None:  # the first SUBSCRIBE is still on its way
                await asyncio.sleep(0.01)
                continue
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except Exception:
                logger.exception("room pub/sub read failed")
                await asyncio.sleep(0.5)
                continue
            if not message:
                continue
            if message["type"] == "subscribe":
                confirmed = self.subscribed.get(message["channel"])
                if confirmed is not None:
                    confirmed.set()
                continue
            if message["type"] != "message":
                continue
            room_id = self.channel_rooms.get(message["channel"])
            state = self.rooms.get(room_id) if room_id is not None else None
            if state is None:
                continue
            frame = message["data"]
            for member in tuple(state.members):
                member.deliver(frame)

    async def _tick(self) -> None:
        """Presence heartbeats and viewer counts (published by one process per tick)."""
        last_heartbeat = 0.0
        while self.rooms:
            await asyncio.sleep(VIEWER_TICK)
            now = time.time()
            for room_id, state in list(self.rooms.items()):
                viewers_key = events.key(room_id, "viewers")
                try:
                    if now - last_heartbeat >= PRESENCE_HEARTBEAT and state.members:
                        await self.redis.zadd(viewers_key, {m.id: now for m in state.members})
                    await self.publish_viewers(room_id)
                except Exception:
                    logger.exception("presence tick failed for room %s", room_id)
            if now - last_heartbeat >= PRESENCE_HEARTBEAT:
                last_heartbeat = now

    async def viewer_count(self, room_id: int) -> int:
        viewers_key = events.key(room_id, "viewers")
        now = time.time()
        await self.redis.zremrangebyscore(viewers_key, 0, now - PRESENCE_TTL)
        return int(await self.redis.zcard(viewers_key))

    async def publish_viewers(self, room_id: int, *, force: bool = False) -> None:
        if not force and not await self.redis.set(
            events.key(room_id, "viewers_tick"), "1", nx=True, px=int(VIEWER_TICK * 900)
        ):
            return  # another process publishes this tick
        count = await self.viewer_count(room_id)
        last_key = events.key(room_id, "viewers_published")
        if force or str(count) != await self.redis.get(last_key):
            await self.redis.set(last_key, count, ex=3600)
            await events.apublish(self.redis, room_id, "viewers.update", {"count": count})


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()


def get_hub() -> RoomHub:
    """This event loop's hub (one per web process; tests get one per loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub(settings.REALTIME_REDIS_URL)
    return hub
