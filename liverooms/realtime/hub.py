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
import math
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from django.conf import settings

from liverooms.realtime import events
from liverooms.realtime.uvicorn_ws import prepare_text_frame

logger = logging.getLogger(__name__)

BATCH_INTERVAL = 0.15  # seconds: chat is published at most this often per process
MAX_BATCH_INTERVAL = 1.0  # ... and at least this often, however busy the process is
TARGET_FANOUT_SHARE = 0.5  # of the process's time that fan-out may take before batches grow
LIKES_INTERVAL = 1.0  # likes only move a counter: a slower tick means fewer frames per viewer
PRESENCE_HEARTBEAT = 10.0
PRESENCE_TTL = 30.0
VIEWER_TICK = 2.0
QUEUE_LIMIT = 256  # frames waiting for one slow viewer before it is resynchronised
REDIS_POOL_SIZE = 64  # per web process


class _Continue:
    """Await the rest of a coroutine that was already started by hand (see ``Member``)."""

    __slots__ = ("coro", "pending")

    def __init__(self, coro: Any, pending: Any) -> None:
        self.coro, self.pending = coro, pending

    def __await__(self) -> Any:
        pending = self.pending
        while True:
            try:
                value = yield pending
            except BaseException as exc:  # cancellation or the awaited future's error
                try:
                    pending = self.coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                pending = self.coro.send(value)
            except StopIteration as stop:
                return stop.value


class Member:
    """A local socket. ``deliver`` never blocks the hub: frames go to a bounded queue.

    When the socket is idle (nothing queued, nothing being written), ``deliver`` starts the
    server's send right away instead of waking the writer task: an ASGI server's send of a
    small frame normally finishes without suspending (it writes to the transport), so a
    frame reaches thousands of sockets in one pass of the hub, with no task switch per
    socket. A send that does suspend (the server applying backpressure) is finished by a
    task, and later frames queue behind it in order.

    Where the server offers it (``uvicorn_ws.PreparedFramesProtocol``), ``write_prepared``
    takes a frame the hub serialised once for all sockets and writes it to the transport
    without any ASGI send; when it declines, the frame takes the path above.
    """

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        resync: Callable[[], Awaitable[None]],
        write_prepared: Callable[[bytes], bool] | None = None,
    ) -> None:
        self.id = uuid.uuid4().hex
        self.write_prepared = write_prepared
        self.language = ""  # the viewer's language: frames for another language skip it
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_LIMIT)
        self._send, self._resync = send, resync
        # Frames wait until the socket has its snapshot (or its replay), so they never
        # overtake it; the client drops any whose seq the snapshot already covers.
        self.ready = asyncio.Event()
        self._writing = False  # the writer task is between taking a frame and sending it
        self._inflight: asyncio.Future[Any] | None = None  # a direct send that suspended
        self.writer = asyncio.get_running_loop().create_task(self._write())

    def deliver(self, frame: str, prepared: bytes | None = None) -> None:
        """Send ``frame`` (``prepared``: its serialised bytes, if every socket may get them
        as they are) now if the socket is idle, else queue it."""
        if (
            self.ready.is_set()
            and not self._writing
            and self.queue.empty()
            and (self._inflight is None or self._inflight.done())
        ):
            written = (
                prepared is not None
                and self.write_prepared is not None
                and self.write_prepared(prepared)
            )
            if not written:
                self._send_now(frame)
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            # Too far behind: drop what is queued and send a fresh snapshot instead.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    def _send_now(self, frame: str) -> None:
        coro = self._send(frame)
        try:
            pending = coro.send(None)
        except StopIteration:
            return
        except Exception:
            logger.debug("dropping frame for closed member %s", self.id)
            return
        self._inflight = asyncio.ensure_future(self._finish(_Continue(coro, pending)))

    async def _finish(self, rest: _Continue) -> None:
        try:
            await rest
        except Exception:
            logger.debug("dropping frame for closed member %s", self.id)

    async def _write(self) -> None:
        await self.ready.wait()
        while True:
            frame = await self.queue.get()
            self._writing = True
            try:
                if self._inflight is not None and not self._inflight.done():
                    await self._inflight  # a direct send still going: keep the order
                await (self._resync() if frame is None else self._send(frame))
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.debug("dropping frame for closed member %s", self.id)
            finally:
                self._writing = False

    def close(self) -> None:
        self.writer.cancel()
        if self._inflight is not None:
            self._inflight.cancel()


class FanoutPacer:
    """Stretches the chat batch interval while fan-out keeps this process busy.

    Each frame's pass over the local sockets is timed. Once a second, the share of that
    second spent in fan-out is compared with TARGET_FANOUT_SHARE and the interval is scaled by
    the square root of the ratio (so it settles rather than swings), within BATCH_INTERVAL
    and MAX_BATCH_INTERVAL. A room with more viewers than the process can write every frame
    to then gets fewer, larger chat frames and a bounded delay, instead of a backlog that
    grows for as long as the show lasts. Small rooms never leave BATCH_INTERVAL.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = BATCH_INTERVAL
        self._clock = clock
        self._busy = 0.0
        self._since = clock()

    def record(self, seconds: float) -> None:
        self._busy += seconds
        now = self._clock()
        elapsed = now - self._since
        if elapsed < 1.0:
            return
        share = max(self._busy / elapsed, 1e-6)
        scaled = self.interval * math.sqrt(share / TARGET_FANOUT_SHARE)
        self.interval = min(MAX_BATCH_INTERVAL, max(BATCH_INTERVAL, scaled))
        self._busy, self._since = 0.0, now


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
        self.pacer = FanoutPacer()

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
        if member.language:
            await self.redis.zadd(events.key(room_id, "languages"), {member.language: time.time()})

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
                self.pacer.interval, lambda: asyncio.ensure_future(self._flush(room_id))
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
        while self.rooms and not _cancelling():
            if self.pubsub.connection is None:  # the first SUBSCRIBE is still on its way
                await asyncio.sleep(0.01)
                continue
            try:
                message = await self.pubsub.get_message(timeout=1.0)
            except Exception:
                if _cancelling():
                    return
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
            language = events.frame_language(frame)
            prepared = None if events.seen_by_consumer(frame) else prepare_text_frame(frame)
            started = time.perf_counter()
            for member in tuple(state.members):
                if language is None or member.language == language:
                    member.deliver(frame, prepared)
            self.pacer.record(time.perf_counter() - started)

    async def _tick(self) -> None:
        """Presence heartbeats and viewer counts (published by one process per tick)."""
        last_heartbeat = 0.0
        while self.rooms and not _cancelling():
            await asyncio.sleep(VIEWER_TICK)
            now = time.time()
            for room_id, state in list(self.rooms.items()):
                viewers_key = events.key(room_id, "viewers")
                try:
                    if now - last_heartbeat >= PRESENCE_HEARTBEAT and state.members:
                        await self.redis.zadd(viewers_key, {m.id: now for m in state.members})
                        languages = {m.language: now for m in state.members if m.language}
                        if languages:
                            await self.redis.zadd(events.key(room_id, "languages"), languages)
                    await self.publish_viewers(room_id)
                except Exception:
                    if _cancelling():
                        return
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


def _cancelling() -> bool:
    """Whether this task was asked to stop. The hub's loops check it besides letting
    CancelledError through: a library call that turns the cancellation into another error
    (seen in redis-py's pool under a cancelled test loop) must not keep a loop going."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()


def get_hub() -> RoomHub:
    """This event loop's hub (one per web process; tests get one per loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = RoomHub(settings.REALTIME_REDIS_URL)
    return hub
