"""The aiortc/aioice internals the relay hooks into still behave as the relay expects.

If an aiortc upgrade breaks a hook, these fail naming the internal (see aiortc_compat.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import itertools
import os
import time
from collections.abc import AsyncIterator, Callable

import av
import pytest
import pytest_asyncio
from aiortc import (
    AudioStreamTrack,
    MediaStreamError,
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceGatherer,
    RTCPeerConnection,
    VideoStreamTrack,
    clock,
)
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.rtp import RtpPacket
from pylibsrtp import Policy, Session

from liverooms.relay import aiortc_compat
from liverooms.relay.aiortc_compat import ReceiverTap, on_keyframe_request, verify_hooks
from liverooms.relay.forwarding import EncodedFrame, is_vp8_keyframe, payload_chunks
from tests.relay.media import use_loopback, wait_connected


def test_every_hooked_internal_is_still_there() -> None:
    verify_hooks()  # raises AiortcCompatError naming the internal that changed


def test_loopback_is_offered_when_configured() -> None:
    async def gather() -> list[str]:
        gatherer = RTCIceGatherer(iceServers=[])
        await gatherer.gather()
        return [candidate.ip for candidate in gatherer.getLocalCandidates()]

    aiortc_compat.use_ice_host_addresses(["127.0.0.1"])
    try:
        addresses = asyncio.run(gather())
    finally:
        use_loopback()

    assert addresses == ["127.0.0.1"], (
        "aioice.ice.get_host_addresses replacement no longer decides the host candidates"
    )


class Collector:
    """A ReceiverListener that keeps what the tap hands over."""

    def __init__(self) -> None:
        self.frames: list[tuple[bytes, int]] = []
        self.packets: list[tuple[int, int, int, bytes]] = []

    def on_rtp(self, ssrc: int, sequence: int, timestamp: int, payload: bytes, size: int) -> None:
        self.packets.append((ssrc, sequence, timestamp, payload))

    def on_frame(self, data: bytes, timestamp: int) -> None:
        self.frames.append((data, timestamp))


async def connect(sender: RTCPeerConnection, receiver: RTCPeerConnection) -> None:
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)
    await wait_connected(sender)
    await wait_connected(receiver)


async def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture
async def pair() -> AsyncIterator[tuple[RTCPeerConnection, RTCPeerConnection]]:
    use_loopback()
    configuration = RTCConfiguration(iceServers=[])
    sender, receiver = RTCPeerConnection(configuration), RTCPeerConnection(configuration)
    yield sender, receiver
    await sender.close()
    await receiver.close()


@pytest.mark.asyncio
async def test_receiver_tap_yields_encoded_frames_and_rtp_and_pli_reaches_the_sender(
    pair: tuple[RTCPeerConnection, RTCPeerConnection],
) -> None:
    publisher, relay = pair
    video_sender = publisher.addTrack(VideoStreamTrack())
    publisher.addTrack(AudioStreamTrack())
    keyframe_requests: list[float] = []
    original_send_keyframe = video_sender._send_keyframe

    def heard_pli() -> None:
        keyframe_requests.append(time.monotonic())
        original_send_keyframe()  # this publisher encodes: let it make the keyframe

    on_keyframe_request(video_sender, heard_pli)
    taps: dict[str, tuple[ReceiverTap, Collector]] = {}
    for kind in ("video", "audio"):
        transceiver = relay.addTransceiver(kind, direction="recvonly")
        collector = Collector()
        taps[kind] = (ReceiverTap(transceiver.receiver, collector), collector)

    await connect(publisher, relay)
    video_tap, video = taps["video"]
    _, audio = taps["audio"]
    await wait_for(lambda: len(video.frames) >= 10 and len(audio.packets) >= 10, 5, "media")
    ssrc = video.packets[-1][0]
    keyframes_before = sum(is_vp8_keyframe(data) for data, _ in video.frames)
    await video_tap.send_pli(ssrc)
    await wait_for(lambda: keyframe_requests, 3, "RTCRtpSender._send_keyframe to hear the PLI")
    await wait_for(
        lambda: sum(is_vp8_keyframe(d) for d, _ in video.frames) > keyframes_before,
        3,
        "a keyframe after RTCRtpReceiver._send_rtcp_pli",
    )

    assert is_vp8_keyframe(video.frames[0][0]), "jitter-buffer frames are no longer VP8 frames"
    timestamps = [timestamp for _, timestamp in video.frames]
    assert timestamps[0] == 0 and timestamps == sorted(timestamps)
    assert all(payload for *_, payload in audio.packets), "audio RTP payloads are empty"


class EncodedVideo(MediaStreamTrack):
    """Hands the forwarding sender pre-encoded VP8 frames, as the relay's ForwardingTrack does."""

    kind = "video"

    def __init__(self, pushes: bool) -> None:
        super().__init__()
        self.pushes = pushes
        self.push: Callable[[EncodedFrame], bool] | None = None
        self.pushed = 0
        self.encoder = av.CodecContext.create("libvpx", "w")
        self.encoder.width, self.encoder.height = 320, 240
        self.encoder.pix_fmt = "yuv420p"
        self.encoder.time_base = fractions.Fraction(1, 30)
        self.encoder.bit_rate = 2_000_000  # keyframes over one packet: the split is exercised
        self.encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
        self.count = 0
        self.pending: list[EncodedFrame] = []
        self.sent: list[EncodedFrame] = []

    def push_to(self, send: Callable[[EncodedFrame], bool] | None) -> None:
        if self.pushes:
            self.push = send

    async def next_frame(self) -> EncodedFrame:
        while True:
            frame = await self._next()
            if self.push is None or not self.push(frame):
                return frame
            self.pushed += 1

    async def _next(self) -> EncodedFrame:
        if self.readyState != "live":
            raise MediaStreamError
        while not self.pending:
            await asyncio.sleep(1 / 30)
            frame = av.VideoFrame(320, 240, "yuv420p")
            for plane in frame.planes:
                plane.update(os.urandom(plane.buffer_size))  # noise: big frames
            frame.pts = self.count
            frame.time_base = fractions.Fraction(1, 30)
            self.count += 1
            for packet in self.encoder.encode(frame):
                data = bytes(packet)
                self.pending.append(
                    EncodedFrame(
                        data,
                        packet.pts * 3000,
                        is_vp8_keyframe(data),
                        time.time(),
                        fractions.Fraction(1, 90000),
                        payload_chunks("video", data),
                    )
                )
        self.sent.append(self.pending[0])
        return self.pending.pop(0)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        raise AssertionError("the forwarding sender must not call recv()")


class RecordingSrtp:
    """Stands in for the DTLS transport's tx SRTP session: keeps each plaintext packet."""

    def __init__(self, session: object) -> None:
        self.session = session
        self.rtp: list[bytes] = []

    def protect(self, data: bytes) -> bytes:
        self.rtp.append(data)
        return self.session.protect(data)  # type: ignore[attr-defined]

    def protect_rtcp(self, data: bytes) -> bytes:
        return self.session.protect_rtcp(data)  # type: ignore[attr-defined]


@pytest.mark.asyncio
@pytest.mark.parametrize("pushes", [False, True], ids=["pulled", "pushed"])
async def test_the_forwarding_sender_sends_what_aiortc_would_and_answers_nacks(
    pair: tuple[RTCPeerConnection, RTCPeerConnection], pushes: bool
) -> None:
    relay, subscriber = pair
    track = EncodedVideo(pushes)
    transceiver = relay.addTransceiver(track, direction="sendonly")
    sender = transceiver.sender
    aiortc_compat.use_forwarding_sender(sender, track, vp8=True)
    received: list[av.VideoFrame] = []
    subscriber.on("track", lambda remote: asyncio.ensure_future(_collect(remote, received)))

    await connect(relay, subscriber)
    recorder = RecordingSrtp(sender.transport._tx_srtp)
    sender.transport._tx_srtp = recorder
    await wait_for(lambda: len(received) >= 15, 5, "the forwarding sender's frames to decode")
    ntp_now = clock.current_ntp_time()

    assert received[-1].width == 320 and received[-1].height == 240
    assert (track.pushed > 10) == pushes, "frames pushed (or not) to the sender"
    extensions_map = sender._RTCRtpSender__rtp_header_extensions_map
    mid = sender._RTCRtpSender__mid
    packets = [RtpPacket.parse(data, extensions_map) for data in recorder.rtp]
    for data, packet in zip(recorder.rtp, packets, strict=True):
        assert packet.serialize(extensions_map) == data, "not the bytes aiortc would send"
        assert packet.ssrc == sender._ssrc and packet.extensions.mid == mid
        sent_at = packet.extensions.abs_send_time
        assert sent_at is not None and ((ntp_now >> 14) - sent_at) & 0xFFFFFF < 5 << 18  # 6.18 s
    # Frames reassemble from the shared chunks; picture ids count frames; one marker per frame.
    frames: dict[int, list[RtpPacket]] = {}
    for packet in packets:
        frames.setdefault(packet.timestamp, []).append(packet)
    picture_ids = []
    origins = set()
    by_data = {frame.data: frame for frame in track.sent}
    for timestamp, pieces in frames.items():
        descriptors = [VpxPayloadDescriptor.parse(piece.payload) for piece in pieces]
        assert [d.partition_start for d, _ in descriptors] == [1] + [0] * (len(pieces) - 1)
        assert [piece.marker for piece in pieces] == [0] * (len(pieces) - 1) + [1]
        assert len({d.picture_id for d, _ in descriptors}) == 1
        picture_ids.append(descriptors[0][0].picture_id)
        sent = by_data[b"".join(data for _, data in descriptors)]  # KeyError: not a sent frame
        origins.add((timestamp - sent.pts) & 0xFFFFFFFF)
    assert len(origins) == 1, "RTP timestamps are not the frames' pts plus one offset"
    assert any(len(pieces) > 1 for pieces in frames.values()), "no frame was split"
    assert all((b - a) & 0x7FFF == 1 for a, b in itertools.pairwise(picture_ids))
    sequences = [packet.sequence_number for packet in packets]
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(sequences))
    # getStats() and the RTCP sender reports read the counters aiortc's own loop keeps.
    stats = [s for s in (await sender.getStats()).values() if s.type == "outbound-rtp"]
    assert stats[0].packetsSent >= len(packets) and stats[0].bytesSent > 0
    # The last frame's send time: within two seconds of now (comparing whole NTP seconds
    # fails when the two straddle a second boundary).
    assert abs(ntp_now - sender._RTCRtpSender__ntp_timestamp) < 2 << 32

    # A NACK is answered with an RTX copy of the packet, from the sender's own history.
    lost = packets[-1]
    before = len(recorder.rtp)
    await sender._retransmit(lost.sequence_number)
    rtx = RtpPacket.parse(recorder.rtp[before], extensions_map)
    assert rtx.ssrc == sender._rtx_ssrc
    assert rtx.payload == lost.sequence_number.to_bytes(2, "big") + lost.payload


def test_ntp_time_matches_aiortcs_clock() -> None:
    assert abs(aiortc_compat.ntp_time(time.time()) - clock.current_ntp_time()) < (1 << 32) // 100


async def _collect(track: MediaStreamTrack, into: list[av.VideoFrame]) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            into.append(await track.recv())  # type: ignore[arg-type]


def test_the_direct_srtp_protect_is_pylibsrtps() -> None:
    key = os.urandom(30)
    ours, theirs, receiver = (
        Session(Policy(key=key, ssrc_type=ssrc_type))
        for ssrc_type in (
            Policy.SSRC_ANY_OUTBOUND,
            Policy.SSRC_ANY_OUTBOUND,
            Policy.SSRC_ANY_INBOUND,
        )
    )
    protect = aiortc_compat.srtp_protect(ours)
    for sequence in range(1, 5):
        packet = RtpPacket(payload_type=96, sequence_number=sequence, timestamp=9, ssrc=7)
        packet.payload = os.urandom(1200)
        data = packet.serialize()
        protected = protect(data)
        assert protected == theirs.protect(data)
        assert receiver.unprotect(protected) == data
    with pytest.raises(ValueError):
        protect(b"\x80" * 1500)
