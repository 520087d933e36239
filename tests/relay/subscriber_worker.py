"""Subscribers in their own process (tests that freeze one; the fan-out benchmark).

``python -m tests.relay.subscriber_worker --url URL --publisher ID --token T [--token T ...]``
subscribes once per token, prints ``{"ready": ...}`` when all are connected, runs for
``--seconds``, then prints one JSON summary line per subscriber.

``--probes K``: only the first K subscribers decode video (to read counters and latency); the
others count the encoded frames they receive through the relay's receiver tap, without
decoding, so many subscribers fit on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from typing import Any

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from liverooms.relay.aiortc_compat import ReceiverTap
from liverooms.relay.forwarding import is_vp8_keyframe
from tests.relay.media import Subscriber, gaps, use_loopback


class FrameCounter:
    """A ReceiverListener counting encoded video frames as they arrive."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.timestamps: list[int] = []
        self.keyframes = 0

    def on_rtp(self, ssrc: int, sequence: int, timestamp: int, payload: bytes, size: int) -> None:
        pass

    def on_frame(self, data: bytes, timestamp: int) -> None:
        if not self.arrivals and not is_vp8_keyframe(data):
            return  # undecodable until the first keyframe: not shown yet
        self.keyframes += is_vp8_keyframe(data)
        self.arrivals.append(time.monotonic())
        self.timestamps.append(timestamp)


class CountingSubscriber:
    """Subscribes like ``Subscriber`` but never decodes."""

    def __init__(self, url: str, token: str, publisher: str) -> None:
        self.url, self.token, self.publisher = url, token, publisher
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        transceiver = self.pc.addTransceiver("video", direction="recvonly")
        self.counter = FrameCounter()
        ReceiverTap(transceiver.receiver, self.counter)
        self.started_at = 0.0

    async def start(self, session: aiohttp.ClientSession) -> None:
        self.started_at = time.monotonic()
        await self.pc.setLocalDescription(await self.pc.createOffer())
        body = {
            "token": self.token,
            "publisher": self.publisher,
            "sdp": self.pc.localDescription.sdp,
            "type": "offer",
        }
        async with session.post(f"{self.url}/v1/subscribe", json=body) as response:
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"subscribe failed: {response.status} {answer}")
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))

    def summary(self, since: float) -> dict[str, Any]:
        arrivals = [at for at in self.counter.arrivals if at >= since]
        window = time.monotonic() - since
        first = self.counter.arrivals[0] - self.started_at if self.counter.arrivals else None
        # 90 kHz timestamps at 30 fps step by 3000: a larger step is a frame never delivered.
        steps = [
            b - a
            for a, b in zip(self.counter.timestamps, self.counter.timestamps[1:], strict=False)
        ]
        missing = sum(max(0, round(step / 3000) - 1) for step in steps if step > 0)
        return {
            "kind": "count",
            "frames": len(arrivals),
            "fps": round(len(arrivals) / window, 1) if window > 0 else 0.0,
            "first_frame_s": round(first, 3) if first is not None else None,
            "missing_frames": missing,
        }


def decoded_summary(subscriber: Subscriber, since: float) -> dict[str, Any]:
    received = subscriber.received
    window = time.monotonic() - since
    counters = received.counters_since(since)
    latencies = [
        lat for lat, at in zip(received.latencies_ms, received.arrivals, strict=True) if at >= since
    ]
    first = received.first_video_at - subscriber.started_at if received.first_video_at else None
    return {
        "kind": "decode",
        "frames": len(counters),
        "fps": round(len(counters) / window, 1) if window > 0 else 0.0,
        "first_frame_s": round(first, 3) if first is not None else None,
        "gaps": len(gaps(received, since)),
        "latency_ms": sorted(latencies),
        "latency_p50_ms": statistics.median(latencies) if latencies else None,
        "audio_frames": received.audio_since(since),
    }


async def run(args: argparse.Namespace) -> None:
    use_loopback()
    async with aiohttp.ClientSession() as session:
        decoders = [Subscriber(args.url, t, args.publisher) for t in args.token[: args.probes]]
        counters = [
            CountingSubscriber(args.url, t, args.publisher) for t in args.token[args.probes :]
        ]
        for subscriber in [*decoders, *counters]:
            await subscriber.start(session)
        print(json.dumps({"ready": len(decoders) + len(counters)}), flush=True)
        await asyncio.sleep(args.warmup)
        since = time.monotonic()
        await asyncio.sleep(args.seconds)
        for decoder in decoders:
            print(json.dumps(decoded_summary(decoder, since)), flush=True)
        for counter in counters:
            print(json.dumps(counter.summary(since)), flush=True)
        for subscriber in [*decoders, *counters]:
            await subscriber.pc.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--publisher", required=True)
    parser.add_argument("--token", action="append", required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=0.0)
    parser.add_argument("--probes", type=int, default=1_000_000)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
