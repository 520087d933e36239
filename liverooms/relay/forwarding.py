"""Forwarding encoded media from one publisher track to its subscribers without decoding.

A ``Source`` is the forwarding point for one (room, identity, kind). Its current ``Feed`` (the
publisher's receiver, tapped in aiortc_compat) pushes encoded frames in; every ``Sink`` gets
the same ``EncodedFrame``. A ``ForwardingTrack`` is the sink behind one subscriber's
``RTCRtpSender``, whose send loop (aiortc_compat's forwarding sender) takes its frames with
``next_frame()`` and sends the frame's shared payload chunks. Sources outlive publisher reconnects: a new feed replaces the old one,
timestamps stay continuous and subscribers get a fresh keyframe.

Per-frame work happens here, so it is kept small: a frame is split into payload chunks once
for all subscribers, and each subscriber gets a non-blocking append.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import av
from aiortc import MediaStreamError, MediaStreamTrack

from liverooms.relay.aiortc_compat import VP8_CHUNK
from liverooms.relay.keyframes import REPEAT_AFTER, KeyframeRequester

logger = logging.getLogger(__name__)

CLOCK_RATES = {"audio": 48000, "video": 90000}
CODECS = {"audio": "opus", "video": "VP8"}
TIME_BASES = {kind: fractions.Fraction(1, rate) for kind, rate in CLOCK_RATES.items()}
QUEUE_LIMITS = {"audio": 50, "video": 30}
"""Frames a subscriber may lag behind (about 1 s); past that it skips to the next keyframe."""


def is_vp8_keyframe(data: bytes) -> bool:
    """RFC 6386 9.1: P bit clear in the frame tag, then the start code 9d 01 2a."""
    return len(data) >= 10 and not data[0] & 0x01 and data[3:6] == b"\x9d\x01\x2a"


def vp8_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from a VP8 keyframe header."""
    return (
        int.from_bytes(data[6:8], "little") & 0x3FFF,
        int.from_bytes(data[8:10], "little") & 0x3FFF,
    )


def payload_chunks(kind: str, data: bytes) -> tuple[bytes, ...]:
    """The frame's RTP payloads without per-subscriber headers: VP8 is split to fit a packet
    after the payload descriptor each sender adds; an Opus frame is one payload."""
    if kind != "video" or len(data) <= VP8_CHUNK:
        return (data,)
    return tuple(data[pos : pos + VP8_CHUNK] for pos in range(0, len(data), VP8_CHUNK))


@dataclass(slots=True)
class EncodedFrame:
    data: bytes
    pts: int
    """In the source's clock (90 kHz video, 48 kHz audio), continuous across publisher feeds."""
    keyframe: bool
    wall: float
    time_base: fractions.Fraction
    chunks: tuple[bytes, ...]
    """Payload chunks shared by every subscriber's sender (see ``payload_chunks``)."""

    @property
    def packet(self) -> av.Packet:
        """The frame as an ``av.Packet`` (what a plain aiortc sender would pack)."""
        packet = av.Packet(self.data)
        packet.pts = self.pts
        packet.time_base = self.time_base
        return packet


class Sink(Protocol):
    waiting_keyframe: bool
    waiting_since: float

    def deliver(self, frame: EncodedFrame) -> None:
        """Take the frame without blocking (drop rather than wait)."""

    def source_ended(self) -> None:
        """The source was unpublished: no more frames will come."""


@dataclass
class _Rebase:
    """Maps a feed's timestamps onto the source's continuous timeline."""

    clock_rate: int
    feed: object | None = None
    offset: int = 0
    last_pts: int | None = None
    last_wall: float = 0.0

    def pts(self, feed: object, timestamp: int, wall: float) -> int | None:
        if feed is not self.feed:
            self.feed = feed
            if self.last_pts is None:
                self.offset = -timestamp
            else:
                # Keep the wall-clock gap of a reconnect so audio and video stay in step.
                gap = max(1, int((wall - self.last_wall) * self.clock_rate))
                self.offset = self.last_pts + gap - timestamp
        pts = timestamp + self.offset
        if self.last_pts is not None and pts <= self.last_pts:
            return None
        self.last_pts = pts
        self.last_wall = wall
        return pts


@dataclass(eq=False)
class Source:
    """One published track: room, identity and kind; survives the publisher reconnecting."""

    room: str
    identity: str
    kind: str
    on_keyframe_request: Callable[[], None] | None = None
    source_id: str = ""
    sinks: set[Sink] = field(default_factory=set)
    feed: Feed | None = None
    created: float = field(default_factory=time.time)
    ever_fed: bool = False
    frames_in: int = 0
    bytes_in: int = 0
    ended: bool = False

    def __post_init__(self) -> None:
        self.codec = CODECS[self.kind]
        self.clock_rate = CLOCK_RATES[self.kind]
        self._time_base = TIME_BASES[self.kind]
        self._rebase = _Rebase(self.clock_rate)
        self.keyframes = KeyframeRequester(self._send_pli) if self.kind == "video" else None

    # feeds

    def attach_feed(self, feed: Feed) -> None:
        """Make ``feed`` the one forwarded (a reconnect replaces the previous one)."""
        self.feed = feed
        self.ever_fed = True
        for sink in self.sinks:
            if self.kind == "video":
                sink.waiting_keyframe = True
                sink.waiting_since = time.monotonic()
        self.request_keyframe()

    def detach_feed(self, feed: Feed) -> None:
        if self.feed is feed:
            self.feed = None

    def push(self, feed: Feed, data: bytes, timestamp: int, keyframe: bool) -> None:
        if feed is not self.feed or self.ended:
            return
        wall = time.time()
        pts = self._rebase.pts(feed, timestamp, wall)
        if pts is None:
            return
        frame = EncodedFrame(
            data, pts, keyframe, wall, self._time_base, payload_chunks(self.kind, data)
        )
        self.frames_in += 1
        self.bytes_in += len(data)
        for sink in tuple(self.sinks):
            try:
                sink.deliver(frame)
            except Exception:  # one broken sink (say, a recorder) must not starve the rest
                logger.exception("sink %r failed; removed from %s", sink, self.source_id)
                self.sinks.discard(sink)

    # sinks

    def add_sink(self, sink: Sink) -> None:
        if self.ended:
            sink.source_ended()
            return
        self.sinks.add(sink)
        if self.kind == "video" and sink.waiting_keyframe:
            sink.waiting_since = time.monotonic()
            self.request_keyframe()

    def remove_sink(self, sink: Sink) -> None:
        self.sinks.discard(sink)

    @property
    def subscriber_count(self) -> int:
        return sum(1 for sink in self.sinks if isinstance(sink, ForwardingTrack))

    # keyframes

    def request_keyframe(self) -> None:
        if self.keyframes is not None:
            self.keyframes.request()

    def _send_pli(self) -> None:
        if self.feed is not None:
            self.feed.request_keyframe()
        if self.on_keyframe_request is not None:
            self.on_keyframe_request()

    def watchdog(self, now: float) -> None:
        """Repeat the keyframe request while a sink has waited too long (lost PLI/keyframe)."""
        if self.keyframes is None or self.keyframes.pending or self.feed is None:
            return
        if now - self.keyframes.last_sent < REPEAT_AFTER:
            return
        if any(s.waiting_keyframe and now - s.waiting_since >= REPEAT_AFTER for s in self.sinks):
            self.keyframes.request()

    def end(self) -> None:
        """Unpublish: every sink ends, nothing more is forwarded."""
        self.ended = True
        self.feed = None
        if self.keyframes is not None:
            self.keyframes.cancel()
        for sink in tuple(self.sinks):
            sink.source_ended()
        self.sinks.clear()


class LossCounter:
    """Packets expected (from sequence numbers) and received first-hand, RTX not counted."""

    def __init__(self) -> None:
        self.received = 0
        self._highest: int | None = None
        self._base = 0

    def add(self, sequence: int) -> None:
        self.received += 1
        if self._highest is None:
            self._highest = self._base = sequence
            return
        delta = (sequence - self._highest) & 0xFFFF
        if delta < 0x8000:
            self._highest += delta

    @property
    def expected(self) -> int:
        return 0 if self._highest is None else self._highest - self._base + 1


class Feed:
    """A publisher receiver's media on its way into a ``Source`` (a ``ReceiverListener``).

    Video arrives as frames from aiortc's jitter buffer (NACK/RTX already done). Audio is
    taken packet by packet before the jitter buffer, whose stall on holes would otherwise
    silence a lossy publisher; a late packet is dropped, never waited for.
    """

    def __init__(self, source: Source, send_pli: Callable[[int], None] | None = None) -> None:
        self.source = source
        self.kind = source.kind
        self.send_pli = send_pli
        self.ssrc: int | None = None
        self.packets = 0
        self.bytes = 0
        self.frames = 0
        self.keyframes = 0
        self.loss = LossCounter()
        self._last_raw: int | None = None
        self._extended = 0

    def on_rtp(self, ssrc: int, sequence: int, timestamp: int, payload: bytes, size: int) -> None:
        self.ssrc = ssrc
        self.packets += 1
        self.bytes += size
        self.loss.add(sequence)
        if self.kind != "audio" or not payload:
            return
        if self._last_raw is None:
            self._extended = 0
        else:
            delta = (timestamp - self._last_raw) & 0xFFFFFFFF
            if delta >= 1 << 31:
                return  # older than what was already forwarded
            self._extended += delta
        self._last_raw = timestamp
        self.frames += 1
        self.source.push(self, payload, self._extended, True)

    def on_frame(self, data: bytes, timestamp: int) -> None:
        if self.kind != "video" or not data:
            return
        keyframe = is_vp8_keyframe(data)
        self.frames += 1
        self.keyframes += keyframe
        self.source.push(self, data, timestamp, keyframe)

    def request_keyframe(self) -> None:
        if self.ssrc is not None and self.send_pli is not None:
            self.send_pli(self.ssrc)


class ForwardingTrack(MediaStreamTrack):
    """The track behind one subscriber's sender: a bounded queue of shared encoded frames.

    It joins its source when the sender first asks for a frame (the connection is up), so a
    joiner's keyframe request is not spent before it can be sent. A subscriber that falls
    ``QUEUE_LIMITS`` frames behind loses its backlog and waits for the next keyframe; the
    source never waits for it. A sender that can send without waiting takes frames as they
    come (``push_to``), so the queue stays empty and no task switch happens per frame.
    """

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.limit = QUEUE_LIMITS[source.kind]
        self.waiting_keyframe = source.kind == "video"
        self.waiting_since = time.monotonic()
        self.frames_sent = 0
        self.frames_dropped = 0
        self.overflows = 0
        self.first_frame_at: float | None = None
        self._queue: deque[EncodedFrame] = deque()
        self._push: Callable[[EncodedFrame], bool] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._attached = False
        self._ended = False

    def deliver(self, frame: EncodedFrame) -> None:
        if self._ended:
            return
        if self.waiting_keyframe:
            if not frame.keyframe:
                self.frames_dropped += 1
                return
            self.waiting_keyframe = False
        if len(self._queue) >= self.limit:
            self.overflows += 1
            if self.kind == "video":
                self.frames_dropped += len(self._queue)
                self._queue.clear()
                if not frame.keyframe:
                    self.frames_dropped += 1
                    self.waiting_keyframe = True
                    self.waiting_since = time.monotonic()
                    self.source.request_keyframe()
                    return
            else:
                self.frames_dropped += 1
                self._queue.popleft()
        if self._push is not None and not self._queue:
            if self._push(frame):
                self._sent()
                return
            self._push = None  # the sender could not take it now: queue from here on
        self._queue.append(frame)
        self._wake()

    def push_to(self, send: Callable[[EncodedFrame], bool] | None) -> None:
        """Hand frames to ``send`` as they come, instead of queueing them for ``next_frame``
        (aiortc_compat's forwarding sender, when it can send without waiting)."""
        self._push = send

    def _sent(self) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
        self.frames_sent += 1

    def source_ended(self) -> None:
        self._ended = True
        self._wake()

    def subscriber_wants_keyframe(self) -> None:
        """The subscriber sent a PLI/FIR (decoder error, loss): ask the publisher, merged."""
        self.source.request_keyframe()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        """The next frame as an ``av.Packet`` (for a plain aiortc sender)."""
        return (await self.next_frame()).packet

    async def next_frame(self) -> EncodedFrame:
        """The next frame to send; ``MediaStreamError`` once the track or source ended."""
        if not self._attached:
            self._attached = True
            self.source.add_sink(self)
        while not self._queue:
            if self._ended or self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None
        self._sent()
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self._ended = True
        self._push = None
        self.source.remove_sink(self)
        self._wake()
