"""Media relay fan-out: one 640x360 30 fps publisher, N subscribers.

Measures, for Showroom's relay (``python -m liverooms.relay``: encoded frames forwarded, no
decoding) and, in the same run, for aiortc's ``MediaRelay`` (decode once, encode per
subscriber - the naive way to build an SFU on aiortc), and prints JSON:
  * relay CPU (psutil on the relay process: share of one core, and the extra share per
    subscriber over the publisher-only run),
  * delivered fps per subscriber (mean, min) and frames that never arrived,
  * glass-to-glass latency p50/p95: each frame carries its send time drawn as blocks; probe
    subscribers decode and read it (the others count encoded frames without decoding, so many
    subscribers fit on a small machine),
  * time to first frame (subscribe call -> first keyframe received),
  * how busy the whole machine was (all cores): past ~90 % the load generators, not the
    relay, set the latency.

    .venv/bin/python bench/relay_fanout.py --subscribers 1 10 20 40 80 --naive 1 10 20

Subscribers run in separate processes (tests/relay/subscriber_worker.py). Everything is on
127.0.0.1 and on the same cores, so the load generators compete with the relay: read the
numbers as an upper bound. Janus (a possible scale-out backend) is not part of this run.
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
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.services import free_port  # noqa: E402
from liverooms.relay.tokens import mint  # noqa: E402
from tests.relay.media import Publisher, use_loopback  # noqa: E402

SECRET = "bench-secret"
ROOM = "bench"
PROBES = 2


# The naive baseline: aiortc's MediaRelay behind the same two endpoints ----------------------


def serve_naive(port: int) -> None:
    """Publish/subscribe with aiortc's MediaRelay: decode once, re-encode per subscriber."""
    from aiohttp import web
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    use_loopback()
    relay = MediaRelay()
    tracks: dict[str, Any] = {}
    peers: set[RTCPeerConnection] = set()

    async def answer(pc: RTCPeerConnection, sdp: str) -> web.Response:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"type": "answer", "sdp": pc.localDescription.sdp, "peer_id": ""})

    async def publish(request: web.Request) -> web.Response:
        body = await request.json()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        peers.add(pc)
        pc.on("track", lambda track: tracks.__setitem__(track.kind, track))
        return await answer(pc, body["sdp"])

    async def subscribe(request: web.Request) -> web.Response:
        body = await request.json()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        peers.add(pc)
        for kind in ("video", "audio"):
            if kind in tracks and f"m={kind}" in body["sdp"]:
                pc.addTrack(relay.subscribe(tracks[kind]))
        return await answer(pc, body["sdp"])

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/v1/publish", publish)
    app.router.add_post("/v1/subscribe", subscribe)
    app.router.add_get("/healthz", health)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# Runs ----------------------------------------------------------------------------------------


def start_server(kind: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    if kind == "relay":
        command = [sys.executable, "-m", "liverooms.relay"]
        env = {
            **os.environ,
            "RELAY_SECRET": SECRET,
            "RELAY_PORT": str(port),
            "RELAY_RECORD": "off",
            "RELAY_STATS_INTERVAL": "3600",
            "RELAY_LOG_LEVEL": "WARNING",
        }
    else:
        command = [sys.executable, str(Path(__file__)), "--serve-naive", str(port)]
        env = dict(os.environ)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server did not start") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_workers(url: str, count: int, processes: int, args: argparse.Namespace) -> list[Any]:
    tokens = [mint(SECRET, room=ROOM, identity=f"viewer-{i}", ttl=3600) for i in range(count)]
    groups = [tokens[i::processes] for i in range(processes)]
    workers = []
    for index, group in enumerate(g for g in groups if g):
        command = [
            sys.executable,
            "-m",
            "tests.relay.subscriber_worker",
            "--url",
            url,
            "--publisher",
            "host",
            "--seconds",
            str(args.duration),
            "--warmup",
            str(args.warmup),
            "--probes",
            "1" if index < PROBES else "0",
        ]
        for token in group:
            command += ["--token", token]
        workers.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True))
    return workers


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(kind: str, subscribers: int, args: argparse.Namespace) -> dict[str, Any]:
    server, url = start_server(kind)
    relay_process = psutil.Process(server.pid)
    loop = asyncio.get_running_loop()
    workers: list[Any] = []
    try:
        async with aiohttp.ClientSession() as session:
            publisher = Publisher(
                url,
                mint(SECRET, room=ROOM, identity="host", publish=True, ttl=3600),
                width=640,
                height=360,
                noise=True,
            )
            await publisher.start(session)
            await asyncio.sleep(1)
            processes = min(subscribers, args.processes)
            workers = start_workers(url, subscribers, processes, args) if subscribers else []
            for worker in workers:
                line = await loop.run_in_executor(None, worker.stdout.readline)
                if not line:
                    raise RuntimeError(f"a subscriber process failed ({kind}, N={subscribers})")
            await asyncio.sleep(args.warmup)
            psutil.cpu_percent(interval=None)
            cpu_before, wall_before = relay_process.cpu_times(), time.monotonic()
            sent_before = publisher.video.counter
            await asyncio.sleep(args.duration)
            cpu_after, wall_after = relay_process.cpu_times(), time.monotonic()
            machine_busy = psutil.cpu_percent(interval=None)
            sent = (publisher.video.counter - sent_before) / (wall_after - wall_before)
            summaries = []
            for worker in workers:
                output = await loop.run_in_executor(None, worker.communicate)
                summaries += [json.loads(line) for line in output[0].splitlines() if line]
            await publisher.close()
    finally:
        for worker in workers:
            stop(worker)
        stop(server)
    busy = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    fps = [s["fps"] for s in summaries]
    firsts = [s["first_frame_s"] for s in summaries if s["first_frame_s"] is not None]
    latencies = [lat for s in summaries if s["kind"] == "decode" for lat in s["latency_ms"]]
    return {
        "server": kind,
        "subscribers": subscribers,
        "publisher_fps": round(sent, 1),
        "relay_cpu_pct": round(100 * busy / (wall_after - wall_before), 1),
        "machine_busy_pct": machine_busy,
        "fps_mean": round(statistics.mean(fps), 1) if fps else None,
        "fps_min": min(fps) if fps else None,
        "missing_frames": sum(s.get("missing_frames", s.get("gaps", 0)) for s in summaries),
        "no_video": sum(1 for s in summaries if not s["frames"]),
        "latency_p50_ms": percentile(latencies, 0.5),
        "latency_p95_ms": percentile(latencies, 0.95),
        "latency_samples": len(latencies),
        "first_frame_p50_s": percentile(firsts, 0.5),
        "first_frame_max_s": max(firsts) if firsts else None,
        "reporting": len(summaries),
    }


def per_subscriber(results: list[dict[str, Any]]) -> None:
    """Relay CPU per subscriber: the share over the publisher-only run, divided by N."""
    idle = next((r["relay_cpu_pct"] for r in results if r["subscribers"] == 0), 0.0)
    for result in results:
        if result["subscribers"]:
            extra = (result["relay_cpu_pct"] - idle) / result["subscribers"]
            result["cpu_pct_per_subscriber"] = round(extra, 2)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    use_loopback()
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {
            "video": "640x360 VP8 30 fps, aiortc encoder (500 kbps start, REMB up to 1.5 Mbps)",
            "measure_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "subscriber_processes": args.processes,
            "latency_probes": PROBES,
        },
        "janus": "not run (optional reference; needs a network namespace, see DESIGN.md)",
    }
    for kind, counts in (("relay", args.subscribers), ("mediarelay", args.naive)):
        results = []
        for count in [0, *counts]:
            result = await run(kind, count, args)
            print(json.dumps(result), file=sys.stderr, flush=True)
            results.append(result)
        per_subscriber(results)
        report[kind] = results
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="Media relay fan-out benchmark")
    parser.add_argument("--subscribers", type=int, nargs="*", default=[1, 10, 20, 40, 80])
    parser.add_argument("--naive", type=int, nargs="*", default=[1, 10, 20])
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--serve-naive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_naive:
        serve_naive(args.serve_naive)
        return
    print(json.dumps(asyncio.run(bench(args)), indent=2))


if __name__ == "__main__":
    main()
