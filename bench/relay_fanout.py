"""Media relay fan-out: one 640x360 30 fps publisher, N subscribers (issue #5).

Measures, in one run, four systems carrying the same stream (VP8 pinned at 1 Mbps CBR + Opus):
  * showroom: Showroom's relay (``python -m liverooms.relay``: encoded frames forwarded),
  * janus: Janus 1.1.2's VideoRoom (Debian package ``janus``), the C SFU to beat. It runs in a
    network namespace made for the run (see bench/janus_server.py); skipped, with the reason in
    the JSON, when it cannot run,
  * naive: aiortc's ``MediaRelay`` (decode once, re-encode per subscriber),
  * direct: the publisher sending straight to one decoding subscriber, no relay: the latency
    floor every relay's ``added_latency_*`` is taken from,
and prints one JSON document:
  * server CPU (psutil on the relay / Janus process: share of one core; per subscriber = the
    share over the same system's publisher-only run, divided by N),
  * delivered fps per subscriber (mean, min) and frames that never arrived,
  * glass-to-glass latency p50/p95: each frame carries its send time drawn as blocks; probe
    subscribers decode and read it (the others count encoded frames without decoding, so many
    subscribers fit on a small machine), and the same minus the direct run's,
  * time to first frame (subscribe call -> first keyframe received),
  * how busy the machine was (all cores) and how much of that was not this benchmark
    (``other_load_pct``: other programs competing for the same cores),
  * a summary checking the targets (30 fps and no lost frame at N=40, CPU per subscriber no more
    than Janus's, added latency p95 under 100 ms).

    .venv/bin/python bench/relay_fanout.py --showroom 1 10 20 40 80 --janus 1 10 20 40 80 \\
        --naive 1 10 20

The publisher (bench/relay_peers.py) and the subscribers (tests/relay/subscriber_worker.py;
for Janus bench/relay_peers.py) run in processes of their own. Runs are interleaved by N so a
change in the machine's load hits every system alike, and a run during which other programs
took more than ``--max-other-load`` of the machine is repeated once (``--retries`` in all),
keeping the quieter. Everything shares the machine's cores with the load generators: read the
numbers as an upper bound, and compare systems within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import janus_server  # noqa: E402
from config.services import free_port  # noqa: E402
from liverooms.relay.tokens import mint  # noqa: E402

SECRET = "bench-secret"
ROOM = "bench"
PROBES = 2
SYSTEMS = ("showroom", "janus", "naive", "direct")
STARTUP_TIMEOUT = 60.0


# The naive baseline: aiortc's MediaRelay behind the same two endpoints ----------------------


def serve_naive(port: int) -> None:
    """Publish/subscribe with aiortc's MediaRelay: decode once, re-encode per subscriber."""
    from aiohttp import web
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.contrib.media import MediaRelay

    from tests.relay.media import use_loopback

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


# Processes -----------------------------------------------------------------------------------


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def read_line(stream: IO[str] | None, what: str, timeout: float = STARTUP_TIMEOUT) -> str:
    """The next line of a child's output; a child that exits or hangs raises."""
    assert stream is not None
    loop = asyncio.get_running_loop()
    try:
        line = await asyncio.wait_for(loop.run_in_executor(None, stream.readline), timeout)
    except TimeoutError:
        raise RuntimeError(f"{what}: no answer in {timeout:.0f} s") from None
    if not line:
        raise RuntimeError(f"{what}: the process exited")
    return line


class System:
    """One system under test for one run: its server (if any) and how clients reach it."""

    def __init__(self, name: str, bitrate: int) -> None:
        self.name = name
        self.bitrate = bitrate
        self.url = ""
        self.prefix: list[str] = []  # runs a client command where the server is reachable
        self.ice = "127.0.0.1"
        self.process: subprocess.Popen[bytes] | None = None
        self.janus: janus_server.JanusServer | None = None
        self.server_pid: int | None = None

    def start(self) -> None:
        if self.name == "janus":
            # The room's cap (REMB to the publisher) stays above the stream's bitrate.
            self.janus = janus_server.JanusServer(bitrate=max(2_000_000, 2 * self.bitrate))
            self.url, self.prefix = self.janus.url, self.janus.exec_prefix()
            self.ice = janus_server.NAMESPACE_ADDRESS
            self.server_pid = self.janus.pid
        elif self.name in ("showroom", "naive"):
            self._start_process()
        else:  # direct: the publisher process serves the subscriber itself
            self.url = f"http://127.0.0.1:{free_port()}"

    def _start_process(self) -> None:
        port = free_port()
        if self.name == "showroom":
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
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.server_pid = self.process.pid
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} server did not start") from None
                time.sleep(0.1)

    def close(self) -> None:
        if self.process is not None:
            stop(self.process)
        if self.janus is not None:
            self.janus.close()

    def publisher_command(self) -> list[str]:
        command = [
            *self.prefix,
            sys.executable,
            "-m",
            "bench.relay_peers",
            "publish",
            "--system",
            self.name,
            "--url",
            self.url,
            "--ice",
            self.ice,
            "--bitrate",
            str(self.bitrate),
            "--token",
            mint(SECRET, room=ROOM, identity="host", publish=True, ttl=3600),
        ]
        if self.name == "direct":
            command += ["--port", self.url.rsplit(":", 1)[1]]
        return command

    def worker_command(
        self, tokens: list[str], probes: int, ready: dict[str, Any], args: argparse.Namespace
    ) -> list[str]:
        timing = ["--seconds", str(args.duration), "--warmup", str(args.warmup)]
        if self.name == "janus":
            return [
                *self.prefix,
                sys.executable,
                "-m",
                "bench.relay_peers",
                "janus-subscribers",
                "--url",
                self.url,
                "--feed",
                str(ready["feed"]),
                "--video-mid",
                ready["video_mid"],
                "--count",
                str(len(tokens)),
                "--probes",
                str(probes),
                "--ice",
                self.ice,
                *timing,
            ]
        command = [
            sys.executable,
            "-m",
            "tests.relay.subscriber_worker",
            "--url",
            self.url,
            "--publisher",
            "host",
            "--probes",
            str(probes),
            *timing,
        ]
        for token in tokens:
            command += ["--token", token]
        return command


# One run -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def run(name: str, subscribers: int, args: argparse.Namespace) -> dict[str, Any]:
    system = System(name, args.bitrate)
    publisher: subprocess.Popen[str] | None = None
    workers: list[subprocess.Popen[str]] = []
    load_before = os.getloadavg()[0]
    try:
        system.start()
        publisher = subprocess.Popen(
            system.publisher_command(),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready = json.loads(await read_line(publisher.stdout, f"{name} publisher"))
        await asyncio.sleep(1)
        processes = min(subscribers, args.processes)
        tokens = [
            mint(SECRET, room=ROOM, identity=f"viewer-{i}", ttl=3600) for i in range(subscribers)
        ]
        groups = [tokens[i::processes] for i in range(processes)] if subscribers else []
        for index, group in enumerate(groups):
            probes = 1 if index < PROBES else 0
            workers.append(
                subprocess.Popen(
                    system.worker_command(group, probes, ready, args),
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for worker in workers:
            await read_line(worker.stdout, f"{name} subscribers (N={subscribers})")
        await asyncio.sleep(args.warmup)

        async def mark() -> dict[str, Any]:
            assert publisher is not None and publisher.stdin is not None
            publisher.stdin.write("mark\n")
            publisher.stdin.flush()
            return dict(json.loads(await read_line(publisher.stdout, f"{name} publisher", 10)))

        own_pids = [p.pid for p in [publisher, *workers]]
        server_pids = [system.server_pid] if system.server_pid else []
        psutil.cpu_percent(interval=None)
        start_mark = await mark()
        server_before, own_before = cpu_seconds(server_pids), cpu_seconds(own_pids)
        wall_before = time.monotonic()
        await asyncio.sleep(args.duration)
        server_after, own_after = cpu_seconds(server_pids), cpu_seconds(own_pids)
        wall = time.monotonic() - wall_before
        machine_busy = psutil.cpu_percent(interval=None)
        end_mark = await mark()
        summaries = []
        loop = asyncio.get_running_loop()
        for worker in workers:
            output = await asyncio.wait_for(
                loop.run_in_executor(None, worker.communicate), args.duration + 60
            )
            summaries += [json.loads(line) for line in output[0].splitlines() if line]
    finally:
        for worker in workers:
            stop(worker)
        if publisher is not None:
            if publisher.poll() is None and publisher.stdin is not None:
                try:
                    publisher.stdin.write("stop\n")
                    publisher.stdin.flush()
                    publisher.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            stop(publisher)
        system.close()
    cpus = os.cpu_count() or 1
    server_cpu = server_after - server_before
    own_cpu = server_cpu + own_after - own_before
    span = end_mark["at"] - start_mark["at"]
    fps = [s["fps"] for s in summaries]
    firsts = [s["first_frame_s"] for s in summaries if s["first_frame_s"] is not None]
    latencies = [lat for s in summaries if s["kind"] == "decode" for lat in s["latency_ms"]]
    return {
        "system": name,
        "subscribers": subscribers,
        "publisher_fps": round((end_mark["frames"] - start_mark["frames"]) / span, 1),
        "publisher_video_kbps": round(
            8 * (end_mark["video_bytes"] - start_mark["video_bytes"]) / span / 1000
        ),
        "server_cpu_pct": round(100 * server_cpu / wall, 1) if server_pids else None,
        "machine_busy_pct": machine_busy,
        "other_load_pct": round(max(0.0, machine_busy - 100 * own_cpu / wall / cpus), 1),
        "load_avg_1m_before": round(load_before, 2),
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


# The report ----------------------------------------------------------------------------------


def per_subscriber(results: list[dict[str, Any]]) -> None:
    """Server CPU per subscriber: the share over the publisher-only run, divided by N."""
    idle = next(
        (r["server_cpu_pct"] for r in results if r["subscribers"] == 0 and "error" not in r),
        None,
    )
    for result in results:
        if result["subscribers"] and idle is not None and result.get("server_cpu_pct") is not None:
            extra = (result["server_cpu_pct"] - idle) / result["subscribers"]
            result["cpu_pct_per_subscriber"] = round(extra, 2)


def added_latency(results: list[dict[str, Any]], direct: dict[str, Any] | None) -> None:
    """Latency minus the direct (no relay) run's: what the relay itself adds."""
    if direct is None or direct.get("latency_p50_ms") is None:
        return
    for result in results:
        for key in ("p50", "p95"):
            value = result.get(f"latency_{key}_ms")
            if value is not None:
                result[f"added_latency_{key}_ms"] = value - direct[f"latency_{key}_ms"]


def find(results: list[dict[str, Any]], subscribers: int) -> dict[str, Any] | None:
    return next((r for r in results if r["subscribers"] == subscribers and "error" not in r), None)


def summarize(report: dict[str, Any], target: int) -> dict[str, Any]:
    showroom = report.get("showroom", [])
    janus = report.get("janus") if isinstance(report.get("janus"), list) else []
    at_target = find(showroom, target)
    summary: dict[str, Any] = {"target_subscribers": target}
    if at_target is not None:
        summary["showroom_fps_mean"] = at_target["fps_mean"]
        summary["showroom_fps_min"] = at_target["fps_min"]
        summary["showroom_missing_frames"] = at_target["missing_frames"]
        summary["showroom_30fps_no_gaps"] = (
            at_target["fps_min"] is not None
            and at_target["fps_min"] >= 29.5
            and at_target["missing_frames"] == 0
            and at_target["no_video"] == 0
        )
        summary["showroom_added_latency_p50_ms"] = at_target.get("added_latency_p50_ms")
        summary["showroom_added_latency_p95_ms"] = at_target.get("added_latency_p95_ms")
        added = at_target.get("added_latency_p95_ms")
        summary["showroom_added_latency_p95_under_100ms"] = added is not None and added < 100
        summary["showroom_machine_busy_pct"] = at_target["machine_busy_pct"]
        summary["showroom_other_load_pct"] = at_target["other_load_pct"]
    ratios = {}
    for result in showroom:
        other = find(janus, result["subscribers"])
        ours = result.get("cpu_pct_per_subscriber")
        theirs = other.get("cpu_pct_per_subscriber") if other else None
        if ours is not None and theirs:
            ratios[str(result["subscribers"])] = {
                "showroom": ours,
                "janus": theirs,
                "ratio": round(ours / theirs, 2),
            }
    summary["cpu_per_subscriber_pct"] = ratios
    if str(target) in ratios:
        ratio = ratios[str(target)]["ratio"]
        summary["showroom_over_janus_cpu_per_subscriber"] = ratio
        summary["showroom_cpu_per_subscriber_at_most_janus"] = ratio <= 1.0
    janus_target = find(janus, target)
    if janus_target is not None:
        summary["janus_added_latency_p95_ms"] = janus_target.get("added_latency_p95_ms")
        summary["janus_other_load_pct"] = janus_target["other_load_pct"]
    direct = find(report.get("direct", []), 1)
    if direct is not None:
        summary["direct_latency_p50_ms"] = direct["latency_p50_ms"]
        summary["direct_latency_p95_ms"] = direct["latency_p95_ms"]
    loads = [
        r["other_load_pct"]
        for rs in report.values()
        if isinstance(rs, list)
        for r in rs
        if "other_load_pct" in r
    ]
    if loads:
        summary["other_load_pct_max"] = max(loads)
        summary["other_load_pct_mean"] = round(statistics.mean(loads), 1)
    return summary


async def measure(name: str, count: int, args: argparse.Namespace) -> dict[str, Any]:
    try:
        result = await run(name, count, args)
    except (RuntimeError, OSError, ValueError, KeyError, TimeoutError) as exc:
        result = {"system": name, "subscribers": count, "error": str(exc)}
    print(json.dumps(result), file=sys.stderr, flush=True)
    return result


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    plan: dict[str, list[int]] = {
        "showroom": args.showroom,
        "janus": args.janus,
        "naive": args.naive,
        "direct": [1] if args.direct else [],
    }
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
        },
        "settings": {
            "video": f"640x360 VP8 30 fps, aiortc encoder pinned at {args.bitrate // 1000} kbps "
            "CBR (REMB ignored) + Opus",
            "measure_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "subscriber_processes": args.processes,
            "latency_probes": PROBES,
            "plan": plan,
            "repeat_when_other_load_above_pct": args.max_other_load,
            "repeats_at_most": args.retries,
        },
    }
    if plan["janus"]:
        try:
            janus_server.check()
        except janus_server.JanusUnavailable as exc:
            report["janus"] = {"skipped": str(exc)}
            plan["janus"] = []
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in SYSTEMS if plan[name]}
    steps = [("direct", 1)] if plan["direct"] else []
    counts = sorted({n for name in ("showroom", "janus", "naive") for n in plan[name]} | {0})
    for count in counts:
        for name in ("showroom", "janus", "naive"):
            if plan[name] and (count in plan[name] or count == 0):
                steps.append((name, count))
    started = time.monotonic()
    retries = args.retries
    for name, count in steps:
        result = await measure(name, count, args)
        # Another program's burst distorts a run (the machine is shared); measure it again
        # while the budget lasts and keep the quieter of the two.
        if retries and result.get("other_load_pct", 0) > args.max_other_load:
            retries -= 1
            again = await measure(name, count, args)
            quieter = min(result, again, key=lambda r: r.get("other_load_pct", 100.0))
            result = {**quieter, "attempts": 2}
        results[name].append(result)
    report["settings"]["total_seconds"] = round(time.monotonic() - started)
    direct = find(results.get("direct", []), 1)
    for name, series in results.items():
        per_subscriber(series)
        added_latency(series, direct)
        report[name] = series
    report["summary"] = summarize(report, args.target)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="Media relay fan-out benchmark")
    counts = {"type": int, "nargs": "*"}
    parser.add_argument(
        "--showroom", "--subscribers", dest="showroom", default=[1, 10, 20, 40, 80], **counts
    )
    parser.add_argument("--janus", default=[1, 10, 20, 40, 80], **counts)
    parser.add_argument("--naive", default=[1, 10, 20], **counts)
    parser.add_argument("--no-direct", dest="direct", action="store_false")
    parser.add_argument("--target", type=int, default=40, help="N the targets are checked at")
    parser.add_argument("--bitrate", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument(
        "--max-other-load",
        type=float,
        default=20.0,
        help="repeat a run once when other programs took more of the machine than this (%%)",
    )
    parser.add_argument("--retries", type=int, default=4, help="at most this many repeats")
    parser.add_argument("--serve-naive", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_naive:
        serve_naive(args.serve_naive)
        return

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    try:
        report = asyncio.run(bench(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    finally:
        janus_server.close_all()  # a namespace never outlives the benchmark
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
