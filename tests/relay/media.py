"""Real aiortc peers for relay tests and benchmarks: a publisher of synthetic media and
subscribers that read back what it drew.

Each video frame carries its counter and send time as big black/white blocks (they survive
VP8 at low bitrate), so a subscriber can tell gaps, order and glass-to-glass latency.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiortc import (
    AudioStreamTrack,
    MediaStreamError,
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from av import VideoFrame

from liverooms.relay.aiortc_compat import use_ice_host_addresses

BLOCK = 16
COLUMNS = 16
ROWS = 4
MARGIN = 16  # blocks aligned to VP8 macroblocks
BITS = COLUMNS * ROWS  # 24-bit counter, 32-bit milliseconds, 8-bit checksum


def use_loopback() -> None:
    """Test peers offer 127.0.0.1, like the relay (aioice leaves loopback out)."""
    use_ice_host_addresses(["127.0.0.1"])


def _checksum(counter: int, millis: int) -> int:
    return (sum(counter.to_bytes(3, "big")) + sum(millis.to_bytes(4, "big"))) & 0xFF


def encode_bits(counter: int, millis: int) -> list[int]:
    value = (counter & 0xFFFFFF) << 40 | (millis & 0xFFFFFFFF) << 8 | _checksum(counter, millis)
    return [(value >> (BITS - 1 - i)) & 1 for i in range(BITS)]


def decode_bits(bits: list[int]) -> tuple[int, int] | None:
    value = 0
    for bit in bits:
        value = value << 1 | bit
    counter, millis, check = value >> 40, (value >> 8) & 0xFFFFFFFF, value & 0xFF
    if _checksum(counter, millis) != check:
        return None
    return counter, millis


def now_millis() -> int:
    return int(time.time() * 1000) & 0xFFFFFFFF


NOISE_ROWS = 16
"""Rows of fresh random pixels per frame: makes aiortc's encoder send ~1 Mbps at 640x360, like
real video (a whole noisy frame would make it overshoot to ~9 Mbps)."""


def draw_frame(
    width: int, height: int, counter: int, millis: int, noise: bool = False
) -> VideoFrame:
    """The code blocks on a flat background; ``noise`` adds a band of random pixels."""
    frame = VideoFrame(width, height, "yuv420p")
    luma = frame.planes[0]
    stride = luma.line_size
    background = bytes([96]) * stride
    bits = encode_bits(counter, millis)
    rows = []
    for row in range(ROWS):
        line = bytearray(background)
        for column in range(COLUMNS):
            start = MARGIN + column * BLOCK
            line[start : start + BLOCK] = (
                bytes([235 if bits[row * COLUMNS + column] else 16]) * BLOCK
            )
        rows.append(bytes(line))
    data = bytearray()
    data += background * MARGIN
    for line in rows:
        data += line * BLOCK
    rest = height - MARGIN - ROWS * BLOCK
    if noise:
        data += background * MARGIN + os.urandom(stride * NOISE_ROWS)
        rest -= MARGIN + NOISE_ROWS
    data += background * rest
    luma.update(bytes(data))
    for plane in frame.planes[1:]:
        plane.update(bytes([128]) * plane.buffer_size)
    return frame


def read_frame(frame: VideoFrame) -> tuple[int, int] | None:
    """(counter, send millis) drawn into ``frame``, None when unreadable."""
    if frame.format.name != "yuv420p":
        frame = frame.reformat(format="yuv420p")
    luma = frame.planes[0]
    stride = luma.line_size
    data = bytes(luma)
    bits = []
    for row in range(ROWS):
        y = MARGIN + row * BLOCK + BLOCK // 2
        for column in range(COLUMNS):
            x = MARGIN + column * BLOCK + BLOCK // 2
            level = (
                data[y * stride + x]
                + data[y * stride + x - 3]
                + data[(y - 3) * stride + x]
                + data[(y + 3) * stride + x + 3]
            )
            bits.append(1 if level > 4 * 125 else 0)
    return decode_bits(bits)


class CounterVideoTrack(VideoStreamTrack):
    """30 fps frames showing their own counter and send time."""

    def __init__(self, width: int = 320, height: int = 240, noise: bool = False) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self.noise = noise
        self.counter = 0

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = draw_frame(self.width, self.height, self.counter, now_millis(), self.noise)
        frame.pts = pts
        frame.time_base = time_base
        self.counter += 1
        return frame


def _configuration() -> RTCConfiguration:
    return RTCConfiguration(iceServers=[])


async def _post(
    session: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with session.post(url, json=body) as response:
        return response.status, await response.json()


class RelayCallError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


async def wait_connected(pc: RTCPeerConnection, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
            raise TimeoutError(f"peer connection is {pc.connectionState}")
        await asyncio.sleep(0.02)


class Publisher:
    """An aiortc publisher of counter video (+ silent Opus audio)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        width: int = 320,
        height: int = 240,
        audio: bool = True,
        noise: bool = False,
        answer_filter: Callable[[str], str] | None = None,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.pc = RTCPeerConnection(_configuration())
        self.video = CounterVideoTrack(width, height, noise)
        self.pc.addTrack(self.video)
        if audio:
            self.pc.addTrack(AudioStreamTrack())
        self.answer_filter = answer_filter
        self.peer_id = ""

    async def start(self, session: aiohttp.ClientSession) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        status, body = await _post(
            session,
            f"{self.base_url}/v1/publish",
            {"token": self.token, "sdp": self.pc.localDescription.sdp, "type": "offer"},
        )
        if status != 200:
            await self.pc.close()
            raise RelayCallError(status, body)
        self.peer_id = body["peer_id"]
        sdp = body["sdp"] if self.answer_filter is None else self.answer_filter(body["sdp"])
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        await wait_connected(self.pc)

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class Received:
    """What a subscriber decoded. ``indexes[i]`` is the position of ``counters[i]`` among all
    decoded frames, so a frame that arrived but was unreadable (a codec artifact, not a relay
    drop) is not mistaken for a gap."""

    counters: list[int] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)
    decoded: int = 0
    arrivals: list[float] = field(default_factory=list)
    latencies_ms: list[int] = field(default_factory=list)
    unreadable: int = 0
    audio_frames: int = 0
    audio_arrivals: list[float] = field(default_factory=list)
    first_video_at: float | None = None

    def counters_since(self, since: float) -> list[int]:
        return [c for c, at in zip(self.counters, self.arrivals, strict=True) if at >= since]

    def audio_since(self, since: float) -> int:
        return sum(1 for at in self.audio_arrivals if at >= since)


class Subscriber:
    """An aiortc subscriber that decodes what the relay forwards and reads the counters."""

    def __init__(self, base_url: str, token: str, publisher: str) -> None:
        self.base_url = base_url
        self.token = token
        self.publisher = publisher
        self.pc = RTCPeerConnection(_configuration())
        self.pc.addTransceiver("video", direction="recvonly")
        self.pc.addTransceiver("audio", direction="recvonly")
        self.received = Received()
        self.paused = asyncio.Event()
        self.peer_id = ""
        self.started_at = 0.0
        self._readers: list[asyncio.Task[None]] = []
        self._new_video = asyncio.Event()
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        reader = self._read_video if track.kind == "video" else self._read_audio
        self._readers.append(asyncio.get_running_loop().create_task(reader(track)))

    async def _read_video(self, track: MediaStreamTrack) -> None:
        received = self.received
        try:
            while True:
                if self.paused.is_set():
                    await asyncio.sleep(0.05)
                    continue
                frame = await track.recv()
                now = time.monotonic()
                received.decoded += 1
                decoded = read_frame(frame)  # type: ignore[arg-type]
                if decoded is None:
                    received.unreadable += 1
                    continue
                counter, millis = decoded
                if received.first_video_at is None:
                    received.first_video_at = now
                received.counters.append(counter)
                received.indexes.append(received.decoded)
                received.arrivals.append(now)
                received.latencies_ms.append((now_millis() - millis) & 0xFFFFFFFF)
                self._new_video.set()
        except MediaStreamError:
            return

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.received.audio_frames += 1
                self.received.audio_arrivals.append(time.monotonic())
        except MediaStreamError:
            return

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.started_at = time.monotonic()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        status, body = await _post(
            session,
            f"{self.base_url}/v1/subscribe",
            {
                "token": self.token,
                "publisher": self.publisher,
                "sdp": self.pc.localDescription.sdp,
                "type": "offer",
            },
        )
        if status != 200:
            await self.pc.close()
            raise RelayCallError(status, body)
        self.peer_id = body["peer_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type="answer"))

    async def wait_video(self, frames: int, timeout: float = 10.0) -> None:
        """Until ``frames`` readable frames arrived in total."""
        deadline = time.monotonic() + timeout
        while len(self.received.counters) < frames:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(
                    f"{len(self.received.counters)} of {frames} frames after {timeout} s"
                )
            self._new_video.clear()
            try:
                await asyncio.wait_for(self._new_video.wait(), remaining)
            except TimeoutError:
                continue

    async def wait_decoded(self, frames: int, timeout: float = 10.0) -> None:
        """Until ``frames`` video frames were decoded, readable or not (a browser's camera)."""
        deadline = time.monotonic() + timeout
        while self.received.decoded < frames:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.received.decoded} of {frames} frames decoded")
            await asyncio.sleep(0.05)

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await self.pc.close()


def gaps(received: Received, since: float = 0.0) -> list[tuple[int, int]]:
    """Consecutive readable frames whose counters differ from the number of frames decoded
    between them: frames the publisher sent that never reached the subscriber."""
    pairs = [
        (counter, index)
        for counter, index, at in zip(
            received.counters, received.indexes, received.arrivals, strict=True
        )
        if at >= since
    ]
    return [
        (a, b)
        for (a, index_a), (b, index_b) in itertools.pairwise(pairs)
        if b - a != index_b - index_a
    ]


class LossyProxy(asyncio.DatagramProtocol):
    """A UDP hop between a publisher and the relay that drops a share of RTP packets.

    STUN, DTLS and RTCP pass untouched (ICE, keys and NACK/PLI keep working); RTP packets
    from the publisher are dropped with probability ``loss``, like a bad uplink.
    """

    def __init__(self, loss: float, seed: int = 7, upstream: tuple[str, int] = ("", 0)) -> None:
        self.upstream = upstream
        self.loss = loss
        self.random = random.Random(seed)
        self.transport: asyncio.DatagramTransport | None = None
        self.dropped = 0
        self.forwarded = 0
        self._client: tuple[str, int] | None = None
        self._upstream_transport: asyncio.DatagramTransport | None = None

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    @staticmethod
    def is_rtp(data: bytes) -> bool:
        return len(data) >= 12 and 128 <= data[0] <= 191 and not 192 <= data[1] <= 223

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0)
        )
        proxy = self

        class Back(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                if proxy.transport is not None and proxy._client is not None:
                    proxy.transport.sendto(data, proxy._client)

        self._upstream_transport, _ = await loop.create_datagram_endpoint(
            Back, local_addr=("127.0.0.1", 0)
        )

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._client = addr
        if self.is_rtp(data) and self.random.random() < self.loss:
            self.dropped += 1
            return
        self.forwarded += 1
        assert self._upstream_transport is not None
        self._upstream_transport.sendto(data, self.upstream)

    def close(self) -> None:
        for transport in (self.transport, self._upstream_transport):
            if transport is not None:
                transport.close()


def route_answer_through(proxy: LossyProxy) -> Callable[[str], str]:
    """An answer filter pointing the relay's host candidate at ``proxy`` (already started)."""

    def rewrite(sdp: str) -> str:
        lines = []
        for line in sdp.splitlines():
            if line.startswith("a=candidate:") and " typ host" in line:
                parts = line.split()
                proxy.upstream = (parts[4], int(parts[5]))
                parts[5] = str(proxy.port)
                line = " ".join(parts)
            lines.append(line)
        return "\r\n".join(lines) + "\r\n"

    return rewrite
