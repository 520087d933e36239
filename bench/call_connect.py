"""Consultation call connect time (issue #7): 50 sequential 1v1 calls between two aiortc peers
through the real relay (``python -m liverooms.relay``, a private two-party room per call).

Each call is the product's order of events: the consultant is in the call first (publishing,
connected); then the buyer clicks "Join call" (``t0``, the join request). The buyer publishes
and subscribes to the consultant at once (the page already knows the consultant publishes);
the consultant subscribes to the buyer as soon as the relay answered the buyer's publish (what
``rtc.publishers`` tells the page). Both directions are timed from ``t0`` to the first decoded
remote video frame (a frame whose drawn counter could be read back):

* ``buyer_sees_consultant_ms``: what the joining buyer waits for,
* ``consultant_sees_buyer_ms``: what the consultant waits for after the buyer's click.

Prints one JSON document with p50/p95/max per direction and the targets (p50 < 600 ms,
p95 < 1,000 ms). Not included: the web tier's hop (the page's offer goes over the call socket
to daphne, which POSTs it to the relay: a few ms on one machine) and the browser's own
getUserMedia/decoder start-up. The machine may be shared: ``machine_busy_pct`` is how busy all
cores were during the run (psutil), ``other_load_pct`` the part other programs took.

    .venv/bin/python bench/call_connect.py [--calls 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import psutil
from aiortc import RTCPeerConnection, RTCSessionDescription

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.services import free_port  # noqa: E402
from liverooms.relay.tokens import mint  # noqa: E402
from tests.relay.media import Publisher, Subscriber, use_loopback  # noqa: E402

SECRET = "bench-call-secret"
TARGET_P50_MS = 600
TARGET_P95_MS = 1000


def start_relay() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "RELAY_SECRET": SECRET,
        "RELAY_PORT": str(port),
        "RELAY_RECORD": "off",
        "RELAY_STATS_INTERVAL": "3600",
        "RELAY_LOG_LEVEL": "WARNING",
        "RELAY_PUBLISHER_GRACE": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "liverooms.relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the relay did not start") from None
            time.sleep(0.1)


def token(room: str, identity: str) -> str:
    return mint(
        SECRET,
        room=room,
        identity=identity,
        name=identity,
        publish=True,
        subscribe=True,
        kind="private",
    )


async def publish_answered(
    publisher: Publisher, session: aiohttp.ClientSession, answered: asyncio.Event
) -> None:
    """``Publisher.start`` with the moment the relay answered made visible (``answered``)."""
    pc: RTCPeerConnection = publisher.pc
    await pc.setLocalDescription(await pc.createOffer())
    async with session.post(
        f"{publisher.base_url}/v1/publish",
        json={"token": publisher.token, "sdp": pc.localDescription.sdp, "type": "offer"},
    ) as response:
        body = await response.json()
    if response.status != 200:
        raise RuntimeError(f"publish refused: {response.status} {body}")
    publisher.peer_id = body["peer_id"]
    answered.set()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type="answer"))


async def first_frame(subscriber: Subscriber, timeout: float = 10.0) -> float:
    await subscriber.wait_video(1, timeout=timeout)
    assert subscriber.received.first_video_at is not None
    return subscriber.received.first_video_at


async def one_call(base: str, session: aiohttp.ClientSession, index: int) -> dict[str, float]:
    room = f"call-bench-{index}"
    consultant_token, buyer_token = token(room, "consultant"), token(room, "buyer")
    consultant = Publisher(base, consultant_token)
    await consultant.start(session)  # in the call first, connected
    buyer = Publisher(base, buyer_token)
    buyer_watches = Subscriber(base, buyer_token, "consultant")
    consultant_watches = Subscriber(base, consultant_token, "buyer")
    answered = asyncio.Event()

    async def consultant_side() -> float:
        await answered.wait()  # the page hears rtc.publishers listing the buyer
        await consultant_watches.start(session)
        return await first_frame(consultant_watches)

    async def buyer_side() -> float:
        await buyer_watches.start(session)
        return await first_frame(buyer_watches)

    t0 = time.monotonic()  # the buyer's join request
    try:
        results = await asyncio.gather(
            publish_answered(buyer, session, answered), buyer_side(), consultant_side()
        )
    finally:
        for peer in (buyer_watches, consultant_watches, buyer, consultant):
            await peer.close()
    return {
        "buyer_sees_consultant_ms": (results[1] - t0) * 1000,
        "consultant_sees_buyer_ms": (results[2] - t0) * 1000,
    }


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": percentile(0.95),
        "max_ms": round(ordered[-1], 1),
        "min_ms": round(ordered[0], 1),
        "mean_ms": round(statistics.fmean(ordered), 1),
    }


async def run(calls: int) -> dict[str, Any]:
    use_loopback()
    relay, base = start_relay()
    relay_process = psutil.Process(relay.pid)
    me = psutil.Process()
    samples: list[dict[str, float]] = []
    failures: list[str] = []
    psutil.cpu_percent(None)
    relay_process.cpu_percent(None)
    me.cpu_percent(None)
    started = time.monotonic()
    try:
        async with aiohttp.ClientSession() as session:
            await one_call(base, session, -1)  # warm-up: imports, codecs, first ICE
            for index in range(calls):
                try:
                    samples.append(await one_call(base, session, index))
                except (TimeoutError, RuntimeError) as failed:
                    failures.append(f"call {index}: {failed}")
    finally:
        elapsed = time.monotonic() - started
        busy = psutil.cpu_percent(None)
        ours = (relay_process.cpu_percent(None) + me.cpu_percent(None)) / psutil.cpu_count()
        relay.terminate()
        relay.wait(timeout=15)
    result: dict[str, Any] = {
        "benchmark": "call_connect",
        "calls": calls,
        "completed": len(samples),
        "failures": failures,
        "seconds": round(elapsed, 1),
        "machine": {
            "python": platform.python_version(),
            "cpus": psutil.cpu_count(),
            "machine_busy_pct": round(busy, 1),
            "other_load_pct": round(max(0.0, busy - ours), 1),
        },
    }
    for direction in ("buyer_sees_consultant_ms", "consultant_sees_buyer_ms"):
        values = [sample[direction] for sample in samples]
        if values:
            result[direction] = summary(values)
    both = [value for sample in samples for value in sample.values()]
    if both:
        overall = summary(both)
        result["both_directions"] = overall
        result["targets"] = {
            "p50_below_ms": TARGET_P50_MS,
            "p95_below_ms": TARGET_P95_MS,
            "met": overall["p50_ms"] < TARGET_P50_MS and overall["p95_ms"] < TARGET_P95_MS,
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.calls)), indent=2))


if __name__ == "__main__":
    main()
