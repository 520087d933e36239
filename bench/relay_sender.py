"""The relay's per-subscriber send path alone: CPU time per subscriber, steady on a busy machine.

bench/relay_fanout.py measures the whole system, but on a shared 2-core machine its load
generators (publisher encoding, subscribers decrypting) compete with the relay, and a busy
machine changes how much work the relay gets. This one measures only what each subscriber
costs the relay: one synthetic 1 Mbps 30 fps VP8 stream (+ 50 Opus packets/s) pushed into a
``Source``, N subscriber tracks behind real ``RTCRtpSender``s as the relay sets them up
(peers.SubscriberPeer), with real SRTP and a real UDP socket per subscriber sending to a
sink process that reads and drops. No ICE/DTLS handshake and no subscriber on the other end
(so no RTCP comes back). It reports this process's CPU time (user + system, so contention
from other programs changes it little) per second of stream:

    .venv/bin/python bench/relay_sender.py --subscribers 0 10 40 --duration 10

``per_sub_pct`` is (CPU at N - CPU at 0) / N, in % of one core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aioice.ice  # noqa: E402
from aiortc import (  # noqa: E402
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCRtpSender,
)
from aiortc.rtcdtlstransport import State  # noqa: E402
from aiortc.rtcrtpparameters import (  # noqa: E402
    RTCRtcpParameters,
    RTCRtpCodecParameters,
    RTCRtpHeaderExtensionParameters,
    RTCRtpSendParameters,
)
from pylibsrtp import Policy, Session  # noqa: E402

from liverooms.relay import aiortc_compat  # noqa: E402
from liverooms.relay.forwarding import Feed, ForwardingTrack, Source  # noqa: E402

VIDEO_FPS = 30
AUDIO_PPS = 50
KEYFRAME = b"\x10\x02\x00\x9d\x01\x2a\x80\x02\x68\x01"
SINK = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    s.recv(2048)
"""


def parameters(kind: str) -> RTCRtpSendParameters:
    if kind == "video":
        codecs = [
            RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96),
            RTCRtpCodecParameters(
                mimeType="video/rtx", clockRate=90000, payloadType=97, parameters={"apt": 96}
            ),
        ]
        extensions = [
            RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
            RTCRtpHeaderExtensionParameters(
                id=2, uri="http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
            ),
        ]
    else:
        codecs = [
            RTCRtpCodecParameters(
                mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111
            )
        ]
        extensions = [
            RTCRtpHeaderExtensionParameters(id=1, uri="urn:ietf:params:rtp-hdrext:sdes:mid"),
            RTCRtpHeaderExtensionParameters(
                id=3, uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"
            ),
        ]
    return RTCRtpSendParameters(
        codecs=codecs,
        headerExtensions=extensions,
        muxId="0" if kind == "video" else "1",
        rtcp=RTCRtcpParameters(cname="bench", mux=True),
    )


async def subscriber(
    sources: dict[str, Source], certificate: RTCCertificate, sink_port: int
) -> list[RTCRtpSender]:
    """What peers.SubscriberPeer sets up, on a transport that is 'connected' by fiat."""
    loop = asyncio.get_running_loop()
    ice = RTCIceTransport(RTCIceGatherer(iceServers=[]))
    connection = ice._connection
    _, protocol = await loop.create_datagram_endpoint(
        lambda: aioice.ice.StunProtocol(connection), local_addr=("127.0.0.1", 0)
    )
    remote = aioice.Candidate(
        foundation="1",
        component=1,
        transport="udp",
        priority=1,
        host="127.0.0.1",
        port=sink_port,
        type="host",
    )
    connection._nominated[1] = aioice.ice.CandidatePair(protocol, remote)
    dtls = RTCDtlsTransport(ice, [certificate])
    dtls._state = State.CONNECTED
    dtls._tx_srtp = Session(Policy(key=os.urandom(30), ssrc_type=Policy.SSRC_ANY_OUTBOUND))
    senders = []
    for kind, source in sources.items():
        track = ForwardingTrack(source)
        sender = RTCRtpSender(track, dtls)
        aiortc_compat.on_keyframe_request(sender, track.subscriber_wants_keyframe)
        if hasattr(aiortc_compat, "use_forwarding_sender"):  # absent before it existed
            aiortc_compat.use_forwarding_sender(sender, track, vp8=kind == "video")
        await sender.send(parameters(kind))
        senders.append(sender)
    return senders


async def publish(video: Feed, audio: Feed, stop: asyncio.Event, video_bytes: int) -> None:
    """1 Mbps VP8 (a keyframe every 2 s) and 50 Opus packets/s into the sources."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    frame = packet = 0
    audio.on_rtp(2, 0, 0, b"\xfc" * 10, 10)
    while not stop.is_set():
        now = loop.time() - start
        while frame / VIDEO_FPS <= now:
            body = os.urandom(video_bytes)
            data = KEYFRAME + body if frame % (2 * VIDEO_FPS) == 0 else b"\x11" + body
            video.on_frame(data, frame * 3000)
            frame += 1
        while packet / AUDIO_PPS <= now:
            audio.on_rtp(2, packet + 1, (packet + 1) * 960, os.urandom(120), 120)
            packet += 1
        await asyncio.sleep(0.005)


async def measure(count: int, duration: float, warmup: float, sink_port: int) -> dict[str, Any]:
    sources = {
        kind: Source(room="bench", identity="host", kind=kind) for kind in ("video", "audio")
    }
    feeds = {kind: Feed(source, lambda ssrc: None) for kind, source in sources.items()}
    feeds["video"].on_rtp(1, 0, 0, b"x", 1)
    for kind, feed in feeds.items():
        sources[kind].attach_feed(feed)
    certificate = RTCCertificate.generateCertificate()
    senders = []
    for _ in range(count):
        senders += await subscriber(sources, certificate, sink_port)
    stop = asyncio.Event()
    publisher = asyncio.ensure_future(publish(feeds["video"], feeds["audio"], stop, 4160))
    await asyncio.sleep(warmup)
    sent_before = await packets_sent(senders)
    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.sleep(duration)
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    sent = await packets_sent(senders) - sent_before
    stop.set()
    await publisher
    for source in sources.values():
        source.end()
    await asyncio.gather(*(sender.stop() for sender in senders), return_exceptions=True)
    return {
        "subscribers": count,
        "cpu_pct": round(100 * cpu / wall, 2),
        "packets_per_s_per_sub": round(sent / wall / count, 1) if count else None,
    }


async def packets_sent(senders: list[RTCRtpSender]) -> int:
    total = 0
    for sender in senders:
        for stats in (await sender.getStats()).values():
            if stats.type == "outbound-rtp":
                total += stats.packetsSent
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[0, 10, 40])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=1, help="rounds over --subscribers")
    args = parser.parse_args()
    sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        sink_port = int(sink.stdout.readline())
        rows = []
        for _ in range(args.repeat):
            for count in args.subscribers:
                rows.append(asyncio.run(measure(count, args.duration, args.warmup, sink_port)))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    finally:
        sink.kill()
    base = [row["cpu_pct"] for row in rows if row["subscribers"] == 0]
    if base:
        zero = sum(base) / len(base)
        for row in rows:
            if row["subscribers"]:
                row["per_sub_pct"] = round((row["cpu_pct"] - zero) / row["subscribers"], 3)
    print(json.dumps({"rows": rows, "load_avg": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main()
