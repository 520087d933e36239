"""The aiortc/aioice internals the relay hooks into still behave as the relay expects.

If an aiortc upgrade breaks a hook, these fail naming the internal (see aiortc_compat.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from collections.abc import AsyncIterator

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
)

from liverooms.relay import aiortc_compat
from liverooms.relay.aiortc_compat import ReceiverTap, on_keyframe_request, verify_hooks
from liverooms.relay.forwarding import is_vp8_keyframe
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


class PacketTrack(MediaStreamTrack):
    """Hands the sender pre-encoded VP8 packets, as the relay's ForwardingTrack does."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.encoder = av.CodecContext.create("libvpx", "w")
        self.encoder.width, self.encoder.height = 160, 120
        self.encoder.pix_fmt = "yuv420p"
        self.encoder.time_base = fractions.Fraction(1, 30)
        self.encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
        self.count = 0
        self.pending: list[av.Packet] = []

    async def recv(self) -> av.Packet:  # type: ignore[override]
        while not self.pending:
            await asyncio.sleep(1 / 30)
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([self.count % 256]) * plane.buffer_size)
            frame.pts = self.count
            frame.time_base = fractions.Fraction(1, 30)
            self.count += 1
            self.pending = list(self.encoder.encode(frame))
        packet = self.pending.pop(0)
        packet.time_base = fractions.Fraction(1, 30)
        return packet


@pytest.mark.asyncio
async def test_a_sender_given_av_packets_packs_them_without_encoding(
    pair: tuple[RTCPeerConnection, RTCPeerConnection],
) -> None:
    relay, subscriber = pair
    relay.addTransceiver(PacketTrack(), direction="sendonly")
    received: list[av.VideoFrame] = []
    subscriber.on(
        "track",
        lambda track: asyncio.ensure_future(_collect(track, received)),
    )

    await connect(relay, subscriber)
    await wait_for(lambda: len(received) >= 10, 5, "RTCRtpSender to pack av.Packet frames")

    assert received[-1].width == 160 and received[-1].height == 120


async def _collect(track: MediaStreamTrack, into: list[av.VideoFrame]) -> None:
    with contextlib.suppress(MediaStreamError):
        while True:
            into.append(await track.recv())  # type: ignore[arg-type]
