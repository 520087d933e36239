"""Peer connections of the relay: one per publisher, one per (subscriber, publisher) pair.

A publisher's connection receives audio+video and feeds them, undecoded, into the room's
sources. A subscriber's connection sends one publisher's sources through ``ForwardingTrack``s.
Offers are complete (non-trickle): aiortc gathers the relay's candidates before answering.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiortc import (
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCRtpSender,
    RTCSessionDescription,
)

from liverooms.relay.aiortc_compat import (
    ReceiverTap,
    on_keyframe_request,
    use_forwarding_sender,
)
from liverooms.relay.errors import RelayError
from liverooms.relay.forwarding import CODECS, Feed, ForwardingTrack, Source

logger = logging.getLogger(__name__)

Spawn = Callable[[Coroutine[Any, Any, Any]], Any]


def new_peer_id(role: str) -> str:
    return f"{'PUB' if role == 'publisher' else 'SUB'}_{secrets.token_urlsafe(9)}"


def _configuration() -> RTCConfiguration:
    # No STUN/TURN: the relay offers its configured host addresses (RELAY_ICE_ADDRESSES).
    return RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)


def _prefer_forwardable_codec(transceiver: Any, kind: str) -> None:
    """Negotiate only the codec the relay forwards (VP8 + RTX, Opus): no transcoding."""
    wanted = CODECS[kind].lower()
    codecs = [
        codec
        for codec in RTCRtpReceiver.getCapabilities(kind).codecs
        if codec.mimeType.lower().split("/")[1] in (wanted, "rtx")
    ]
    transceiver.setCodecPreferences(codecs)


class Peer:
    """One RTCPeerConnection owned by the relay, with its lifecycle and stats."""

    role = "peer"

    def __init__(
        self,
        *,
        room: str,
        identity: str,
        name: str,
        spawn: Spawn,
        offered_at: float | None = None,
    ) -> None:
        self.peer_id = new_peer_id(self.role)
        self.room = room
        self.identity = identity
        self.name = name
        self.pc = RTCPeerConnection(_configuration())
        self.spawn = spawn
        self.created = time.time()
        self._created_monotonic = time.monotonic()
        self.offered_at = self._created_monotonic if offered_at is None else offered_at
        """``time.monotonic()`` when the offer reached the control API."""
        self.connected_at: float | None = None
        self.connect_ms: float | None = None
        """Offer received to ICE + DTLS connected, in milliseconds."""
        self.closed = False
        self.close_reason = ""
        self.stats: dict[str, Any] = {}
        self._sample: tuple[float, int, int, int, int] | None = None
        self.on_connected: Callable[[Peer], None] | None = None
        self.on_lost: Callable[[Peer], None] | None = None
        self.pc.on("connectionstatechange", self._state_changed)

    @property
    def state(self) -> str:
        return "closed" if self.closed else self.pc.connectionState

    def _state_changed(self) -> None:
        state = self.pc.connectionState
        if state == "connected" and self.connected_at is None:
            self.connected_at = time.time()
            self.connect_ms = round(1000 * (time.monotonic() - self.offered_at), 1)
            if self.on_connected is not None:
                self.on_connected(self)
        elif state in ("failed", "closed") and not self.closed and self.on_lost is not None:
            self.on_lost(self)

    async def negotiate(self, sdp: str) -> str:
        """Apply the client's offer and return the relay's complete answer."""
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await self.pc.setLocalDescription(await self.pc.createAnswer())
        except Exception as exc:
            raise RelayError("invalid_sdp", f"the offer could not be negotiated: {exc}") from exc
        return str(self.pc.localDescription.sdp)

    async def close(self, reason: str = "closed") -> None:
        if self.closed:
            return
        self.closed = True
        self.close_reason = reason
        try:
            await self.pc.close()
        except Exception:  # closing must always finish, whatever state aiortc is in
            logger.exception("closing peer %s", self.peer_id)

    def describe(self) -> dict[str, Any]:
        return {
            "peer_id": self.peer_id,
            "identity": self.identity,
            "role": self.role,
            "state": self.state,
            "created": self.created,
            "connected_at": self.connected_at,
            "connect_ms": self.connect_ms,
            "stats": self.stats,
        }

    def _rates(self, total_bytes: int, frames: int, expected: int, received: int) -> dict[str, Any]:
        """Bitrate, fps and loss since the previous sample."""
        now = time.monotonic()
        previous = self._sample or (self._created_monotonic, 0, 0, 0, 0)
        self._sample = (now, total_bytes, frames, expected, received)
        elapsed = max(now - previous[0], 1e-3)
        lost = (expected - previous[3]) - (received - previous[4])
        window_expected = expected - previous[3]
        return {
            "bitrate_kbps": round((total_bytes - previous[1]) * 8 / elapsed / 1000, 1),
            "fps": round((frames - previous[2]) / elapsed, 1),
            "loss_pct": round(100 * max(lost, 0) / window_expected, 1) if window_expected else 0.0,
        }

    async def sample_stats(self) -> dict[str, Any]:
        raise NotImplementedError


class PublisherPeer(Peer):
    """Receives one publisher's audio and video and feeds the room's sources."""

    role = "publisher"

    def __init__(
        self,
        *,
        room: str,
        identity: str,
        name: str,
        spawn: Spawn,
        sources: dict[str, Source],
        offered_at: float | None = None,
    ) -> None:
        super().__init__(
            room=room, identity=identity, name=name, spawn=spawn, offered_at=offered_at
        )
        self.sources = sources
        self.feeds: dict[str, Feed] = {}
        for kind, source in sources.items():
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            _prefer_forwardable_codec(transceiver, kind)
            feed = Feed(source)
            tap = ReceiverTap(transceiver.receiver, feed)
            feed.send_pli = self._pli_sender(tap)
            self.feeds[kind] = feed

    def _pli_sender(self, tap: ReceiverTap) -> Callable[[int], None]:
        def send(ssrc: int) -> None:
            if not self.closed:
                self.spawn(tap.send_pli(ssrc))

        return send

    def attach(self) -> None:
        """Make this connection the one its sources forward (replacing an older one)."""
        for feed in self.feeds.values():
            feed.source.attach_feed(feed)

    def detach(self) -> None:
        for feed in self.feeds.values():
            feed.source.detach_feed(feed)

    @property
    def subscriber_count(self) -> int:
        return max((source.subscriber_count for source in self.sources.values()), default=0)

    async def sample_stats(self) -> dict[str, Any]:
        feeds = self.feeds.values()
        video = self.feeds.get("video")
        stats = self._rates(
            total_bytes=sum(f.bytes for f in feeds),
            frames=video.frames if video else 0,
            expected=sum(f.loss.expected for f in feeds),
            received=sum(f.loss.received for f in feeds),
        )
        stats.update(role=self.role, rtt_ms=None, subscribers=self.subscriber_count)
        self.stats = stats
        return stats


class SubscriberPeer(Peer):
    """Sends one publisher's sources to one subscriber."""

    role = "subscriber"

    def __init__(
        self,
        *,
        room: str,
        identity: str,
        name: str,
        spawn: Spawn,
        publisher: str,
        sources: dict[str, Source],
        offered_at: float | None = None,
    ) -> None:
        super().__init__(
            room=room, identity=identity, name=name, spawn=spawn, offered_at=offered_at
        )
        self.publisher = publisher
        self.tracks: dict[str, ForwardingTrack] = {}
        self.senders: list[RTCRtpSender] = []
        for kind, source in sources.items():
            track = ForwardingTrack(source)
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            _prefer_forwardable_codec(transceiver, kind)
            on_keyframe_request(transceiver.sender, track.subscriber_wants_keyframe)
            use_forwarding_sender(transceiver.sender, track, vp8=kind == "video")
            self.tracks[kind] = track
            self.senders.append(transceiver.sender)

    async def close(self, reason: str = "closed") -> None:
        for track in self.tracks.values():
            track.stop()
        await super().close(reason)

    def describe(self) -> dict[str, Any]:
        described = super().describe()
        described["publisher"] = self.publisher
        video = self.tracks.get("video")
        if video is not None:
            described["frames_sent"] = video.frames_sent
            described["frames_dropped"] = video.frames_dropped
        described["first_frame_ms"] = self.first_frame_ms
        return described

    @property
    def first_frame_ms(self) -> float | None:
        """Offer received to the first video frame sent (the first audio one without video)."""
        track = self.tracks.get("video") or self.tracks.get("audio")
        if track is None or track.first_frame_at is None:
            return None
        return round(1000 * (track.first_frame_at - self.offered_at), 1)

    async def sample_stats(self) -> dict[str, Any]:
        sent_bytes = 0
        rtts: list[float] = []
        fraction_lost: list[int] = []
        for sender in self.senders:
            try:
                report = await sender.getStats()
            except Exception:  # a sender that is stopping has no stats; report what there is
                continue
            for entry in report.values():
                if entry.type == "outbound-rtp":
                    sent_bytes += entry.bytesSent
                elif entry.type == "remote-inbound-rtp":
                    if entry.roundTripTime is not None:
                        rtts.append(entry.roundTripTime)
                    fraction_lost.append(entry.fractionLost)
        video = self.tracks.get("video")
        stats = self._rates(
            total_bytes=sent_bytes, frames=video.frames_sent if video else 0, expected=0, received=0
        )
        stats["loss_pct"] = round(100 * max(fraction_lost) / 256, 1) if fraction_lost else 0.0
        stats.update(
            role=self.role,
            rtt_ms=round(1000 * max(rtts), 1) if rtts else None,
            subscribers=None,
        )
        self.stats = stats
        return stats


async def with_timeout(coro: Coroutine[Any, Any, str], seconds: float) -> str:
    try:
        return await asyncio.wait_for(coro, seconds)
    except TimeoutError as exc:
        raise RelayError(
            "negotiation_timeout", "negotiating the peer connection timed out"
        ) from exc
