"""Chat fan-out in one room: N viewers, 50 chat messages/s and 500 likes/s.

Measures, for Showroom's room socket (the shipped web server, uvicorn, + the per-process hub;
``--server daphne`` for the other supported server) and, in the same run, for
two references on the same machine:
  * naive: the Channels tutorial pattern (channels_redis core layer, one group_send per chat
    message and per like, no batching) - bench/naive_app.py
  * ceiling: a bare `websockets` server using broadcast() - bench/ceiling_server.py
and prints JSON: delivered chat messages/s, p50/p99 delivery latency, server CPU (share of one
core and microseconds per delivered message) and server RSS per connection.

    .venv/bin/python bench/chat_fanout.py --viewers 1000 2000 5000 --duration 10

Viewers are spread over several load-generator processes (one saturates near 50k
deliveries/s). Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing as mp
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import uvloop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.services import (  # noqa: E402
    WEB_SERVERS,
    EmbeddedRedis,
    free_port,
    port_open,
    redis_answers,
    web_command,
)

# --pin: the server gets CPU 0 and everything else the remaining CPUs, so the load generators
# cannot take the server's core (or the other way round) on a small machine.
SERVER_CPUS: set[int] = set()
LOADGEN_CPUS: set[int] = set()

TALKERS = 50  # one chat message/s and 10 likes/s each: 50 msg/s + 500 likes/s
ROOM = "bench-room"


# Load generators (separate processes) ------------------------------------------------------


TEXT = re.compile(rb'"text": ?"(\d+\.\d+)"')
SAMPLE_EVERY = 10  # one viewer in ten records latencies; all of them count deliveries


class Viewer(asyncio.Protocol):
    """A bare WebSocket client on asyncio's transport: handshake, a minimal frame parser that
    answers pings, and chat deliveries counted with a regex over each text frame. Cheap enough
    that a few processes can take 250k deliveries/s, so the numbers measure the server and not
    the load generator (the `websockets` client costs ~20 us per frame in Python)."""

    def __init__(self, host: str, path: str, window: tuple[float, float], sample: bool) -> None:
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Origin: http://127.0.0.1\r\n\r\n"
        ).encode()
        self.window, self.sample = window, sample
        self.opened: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.buffer = bytearray()
        self.delivered = 0
        self.samples: list[tuple[float, float]] = []  # (received at, latency)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_result(False)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.opened.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            ok = self.buffer.startswith(b"HTTP/1.1 101")
            del self.buffer[: end + 4]
            self.opened.set_result(ok)
            if not ok:
                assert self.transport is not None
                self.transport.close()
                return
        self._frames()

    def _frames(self) -> None:
        buffer, offset = self.buffer, 0
        while len(buffer) - offset >= 2:
            opcode, length = buffer[offset] & 0x0F, buffer[offset + 1] & 0x7F
            header = 2
            if length == 126:
                if len(buffer) - offset < 4:
                    break
                length, header = int.from_bytes(buffer[offset + 2 : offset + 4], "big"), 4
            elif length == 127:
                if len(buffer) - offset < 10:
                    break
                length, header = int.from_bytes(buffer[offset + 2 : offset + 10], "big"), 10
            if len(buffer) - offset < header + length:
                break
            payload = bytes(buffer[offset + header : offset + header + length])
            offset += header + length
            if opcode == 0x9:  # ping: answer with a masked pong
                mask = os.urandom(4)
                body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                assert self.transport is not None
                self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + mask + body)
            elif opcode in (0x1, 0x0):
                self._text(payload)
        del buffer[:offset]

    def _text(self, payload: bytes) -> None:
        now = time.time()
        start, end = self.window
        if not start <= now <= end:
            return
        if not self.sample:
            self.delivered += payload.count(b'"text":"') + payload.count(b'"text": "')
            return
        for match in TEXT.finditer(payload):
            self.delivered += 1
            self.samples.append((now, now - float(match.group(1))))


def viewer_process(
    url: str, count: int, window: tuple[float, float], ready: Any, results: Any
) -> None:
    if LOADGEN_CPUS:
        os.sched_setaffinity(0, LOADGEN_CPUS)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        address = url.removeprefix("ws://")
        host, _, path = address.partition("/")
        hostname, port = host.split(":")
        gate = asyncio.Semaphore(64)
        began = time.monotonic()

        async def open_one(index: int) -> Viewer | None:
            async with gate:
                try:
                    _transport, viewer = await loop.create_connection(
                        lambda: Viewer(host, "/" + path, window, index % SAMPLE_EVERY == 0),
                        hostname,
                        int(port),
                    )
                    if await asyncio.wait_for(viewer.opened, timeout=60):
                        return viewer
                except (OSError, TimeoutError):
                    pass
                return None

        opened = await asyncio.gather(*(open_one(i) for i in range(count)))
        viewers = [viewer for viewer in opened if viewer is not None]
        ready.put((len(viewers), time.monotonic() - began))
        await asyncio.sleep(max(0.0, window[1] + 2 - time.time()))
        samples = [s for viewer in viewers for s in viewer.samples]
        for viewer in viewers:
            if viewer.transport is not None:
                viewer.transport.close()
        results.put(
            {
                "delivered": sum(viewer.delivered for viewer in viewers),
                "samples": random.sample(samples, min(len(samples), 20000)),
                "sampled_viewers": sum(1 for viewer in viewers if viewer.sample),
                "sampled_delivered": sum(v.delivered for v in viewers if v.sample),
            }
        )

    uvloop.run(main())  # the C event loop: ~3x less CPU per frame than asyncio's own


def talker_process(url: str, cookies: list[str], duration_end: float, sent: Any) -> None:
    import websockets

    async def talk(cookie: str, offset: float) -> int:
        headers = {"Origin": "http://127.0.0.1"}
        if cookie:
            headers["Cookie"] = f"sessionid={cookie}"
        count = 0
        async with websockets.connect(url, additional_headers=headers, max_queue=None) as socket:

            async def drain() -> None:
                async for _ in socket:
                    pass

            drainer = asyncio.create_task(drain())
            await asyncio.sleep(offset)
            tick = 0
            while time.time() < duration_end:
                if tick % 10 == 0:
                    await socket.send(
                        json.dumps({"type": "chat.send", "text": f"{time.time():.6f}"})
                    )
                    count += 1
                await socket.send('{"type":"like.send","count":1}')
                tick += 1
                await asyncio.sleep(0.1)
            drainer.cancel()
        return count

    async def main() -> None:
        totals = await asyncio.gather(*(talk(c, i / len(cookies)) for i, c in enumerate(cookies)))
        sent.put(sum(totals))

    asyncio.run(main())


# Servers -----------------------------------------------------------------------------------


class ServerProcesses:
    """CPU and memory of a server process and its children (uvicorn --workers)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def _all(self) -> list[psutil.Process]:
        return [self.root, *self.root.children(recursive=True)]

    def cpu_times(self) -> tuple[float, float]:
        times = [p.cpu_times() for p in self._all()]
        return sum(t.user for t in times), sum(t.system for t in times)

    def memory_info(self) -> Any:
        class Memory:
            rss = sum(p.memory_info().rss for p in self._all())

        return Memory


def start_server(kind: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if kind == "ceiling":
        command = [sys.executable, str(ROOT / "bench" / "ceiling_server.py"), str(port)]
    else:
        showroom = kind.startswith("showroom")
        app = "config.asgi:application" if showroom else "bench.naive_app:application"
        command = web_command("127.0.0.1", port, app, server=env["BENCH_SERVER"], access_log=False)
        if kind == "showroom-asgi" and "--ws" in command:
            # The same server without prepared frames: every frame through ASGI send.
            command[command.index("--ws") + 1] = "websockets-sansio"
        workers = int(env.get("BENCH_WORKERS", "1"))
        if workers > 1:  # several web processes on one port, as behind a load balancer
            if env["BENCH_SERVER"] != "uvicorn":
                raise SystemExit("--workers needs --server uvicorn")
            command[-1:-1] = ["--workers", str(workers)]
    log = open(Path(env["SHOWROOM_VAR_DIR"]) / f"{kind}.log", "ab")  # noqa: SIM115 - lives with the server
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not port_open("127.0.0.1", port, timeout=0.2):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{kind} server did not start")
        time.sleep(0.1)
    return process, port


def prepare_showroom(env: dict[str, str]) -> list[str]:
    """Migrate a scratch database; create the room and the talkers' sessions."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    code = f"""
import django, json
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from liverooms.rooms.models import LiveRoom, RoomStatus
from shop.accounts.models import User
from shop.shops.models import Shop
shop, _ = Shop.objects.get_or_create(slug="bench", defaults={{"name": "Bench"}})
LiveRoom.objects.get_or_create(slug="{ROOM}", defaults={{"shop": shop, "title": "Bench", "status": RoomStatus.LIVE, "scheduled_at": timezone.now()}})
keys = []
for i in range({TALKERS}):
    user, _ = User.objects.get_or_create(username=f"talker{{i}}@bench.test", defaults={{"email": f"talker{{i}}@bench.test"}})
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print(json.dumps(keys))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu_seconds(processes: list[Any]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = psutil.Process(process.pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _busy_seconds() -> tuple[float, float]:
    """Machine-wide (busy, total) CPU seconds so far, over all cores."""
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(times)
    return total - idle, total


def _p99_by_second(samples: list[tuple[float, float]], start: float) -> list[float]:
    """The latency p99 of each second of the window: a tail that comes and goes with a
    periodic job looks different from one that grows as queues build up (saturation)."""
    buckets: dict[int, list[float]] = {}
    for received, latency in samples:
        buckets.setdefault(int(received - start), []).append(latency)
    return [
        round(sorted(values)[int(0.99 * (len(values) - 1))] * 1000, 1)
        for _second, values in sorted(buckets.items())
    ]


def measure(
    kind: str, viewers: int, duration: float, env: dict[str, str], cookies: list[str], loadgens: int
) -> dict[str, Any]:
    server, port = start_server(kind, env)
    if SERVER_CPUS:  # the server on its own core, the load generators on the others
        for process in (psutil.Process(server.pid), *psutil.Process(server.pid).children(True)):
            process.cpu_affinity(sorted(SERVER_CPUS))
    url = (
        f"ws://127.0.0.1:{port}/ws/rooms/{ROOM}/"
        if kind != "ceiling"
        else f"ws://127.0.0.1:{port}/"
    )
    proc = ServerProcesses(server.pid)
    time.sleep(1.0)
    rss_before = proc.memory_info().rss
    ctx = mp.get_context("fork")
    ready, results, sent = ctx.Queue(), ctx.Queue(), ctx.Queue()
    connect_budget = 5 + viewers / 150
    start = time.time() + connect_budget + 3  # measurement window opens after everyone is in
    window = (start + 2, start + 2 + duration)
    per = [viewers // loadgens + (1 if i < viewers % loadgens else 0) for i in range(loadgens)]
    gens = [
        ctx.Process(target=viewer_process, args=(url, n, window, ready, results)) for n in per if n
    ]
    for gen in gens:
        gen.start()
    opened = [ready.get(timeout=connect_budget + 60) for _ in gens]
    connected = sum(count for count, _seconds in opened)
    connect_seconds = max(seconds for _count, seconds in opened)
    rss_after = proc.memory_info().rss
    while time.time() < start:
        time.sleep(0.05)
    talker = ctx.Process(target=talker_process, args=(url, cookies, window[1] + 0.5, sent))
    talker.start()
    while time.time() < window[0]:
        time.sleep(0.01)
    cpu0 = sum(proc.cpu_times()[:2])
    gens_cpu0, (busy0, total0) = _cpu_seconds([*gens, talker]), _busy_seconds()
    while time.time() < window[1]:
        time.sleep(0.01)
    cpu1 = sum(proc.cpu_times()[:2])
    gens_cpu1, (busy1, total1) = _cpu_seconds([*gens, talker]), _busy_seconds()
    outputs = [results.get(timeout=120) for _ in gens]
    messages_sent = sent.get(timeout=60)
    for process in (*gens, talker):
        process.join(timeout=30)
    server.terminate()
    server.wait(timeout=20)
    delivered = sum(o["delivered"] for o in outputs)
    timed = [tuple(s) for o in outputs for s in o["samples"]]
    samples = sorted(latency for _received, latency in timed)
    expected = 50 * viewers  # chat deliveries per second if every viewer gets every message
    cpu_seconds = cpu1 - cpu0
    return {
        "viewers_connected": connected,
        "connect_all_s": round(connect_seconds, 2),
        "chat_sent_total": messages_sent,
        "delivered_per_s": round(delivered / duration, 1),
        "delivered_share": round(delivered / duration / expected, 3),
        "latency_p50_ms": round(statistics.median(samples) * 1000, 1) if samples else None,
        "latency_p99_ms": round(samples[int(0.99 * (len(samples) - 1))] * 1000, 1)
        if samples
        else None,
        "server_cpu_share_of_core": round(cpu_seconds / duration, 3),
        "server_cpu_us_per_delivery": round(cpu_seconds / delivered * 1e6, 2)
        if delivered
        else None,
        "latency_p99_by_second_ms": _p99_by_second(timed, window[0]),  # type: ignore[arg-type]
        "load_generators_cpu_share_of_core": round((gens_cpu1 - gens_cpu0) / duration, 3),
        "machine_cpu_busy_share": round((busy1 - busy0) / max(total1 - total0, 1e-9), 3),
        "server_rss_kib_per_connection": round(
            (rss_after - rss_before) / 1024 / max(connected, 1), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat fan-out benchmark")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--loadgens", type=int, default=4)
    parser.add_argument(
        "--server",
        choices=WEB_SERVERS,
        default=WEB_SERVERS[0],
        help="web server for Showroom and the naive baseline (default: the shipped one)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="web processes for Showroom and the naive baseline (uvicorn --workers)",
    )
    parser.add_argument(
        "--pin", action="store_true", help="server on CPU 0, load generators on the other CPUs"
    )
    parser.add_argument(
        "--only",
        choices=["showroom", "showroom-asgi", "naive", "ceiling"],
        nargs="*",
        help="what to measure (default: showroom naive ceiling); showroom-asgi is Showroom"
        " on uvicorn without prepared frames, every frame through ASGI send",
    )
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) > 1:
        SERVER_CPUS.add(cpus[0])
        LOADGEN_CPUS.update(cpus[1:])

    scratch = Path(tempfile.mkdtemp(prefix="showroom-bench-"))
    redis = None
    if redis_answers("redis://127.0.0.1:6379/0"):
        redis_url = "redis://127.0.0.1:6379/13"
    else:
        redis = EmbeddedRedis(port=free_port(), workdir=scratch / "redis").start()
        redis_url = redis.url
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"sqlite:///{scratch / 'bench.sqlite3'}",
        "REDIS_URL": redis_url,
        "REALTIME_PREFIX": f"bench{os.getpid()}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SHOWROOM_VAR_DIR": str(scratch),
        "LOG_LEVEL": "WARNING",
        "BENCH_SERVER": args.server,
        "BENCH_WORKERS": str(args.workers),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    try:
        cookies = prepare_showroom(env)
        report: dict[str, Any] = {
            "benchmark": "chat_fanout",
            "chat_per_s": 50,
            "likes_per_s": 500,
            "duration_s": args.duration,
            "server": args.server,
            "workers": args.workers,
            "pinned": bool(SERVER_CPUS),
            "runs": [],
        }
        for viewers in args.viewers:
            run: dict[str, Any] = {"viewers": viewers}
            for kind in args.only or ["showroom", "naive", "ceiling"]:
                run[kind] = measure(
                    kind,
                    viewers,
                    args.duration,
                    env,
                    cookies if kind.startswith("showroom") else [""] * TALKERS,
                    args.loadgens,
                )
            if "showroom" in run and "naive" in run and run["naive"]["delivered_per_s"]:
                run["showroom_vs_naive_delivered"] = round(
                    run["showroom"]["delivered_per_s"] / run["naive"]["delivered_per_s"], 2
                )
            if (
                "showroom" in run
                and "ceiling" in run
                and run["ceiling"]["server_cpu_us_per_delivery"]
            ):
                run["showroom_cpu_per_delivery_vs_ceiling"] = round(
                    run["showroom"]["server_cpu_us_per_delivery"]
                    / run["ceiling"]["server_cpu_us_per_delivery"],
                    2,
                )
            report["runs"].append(run)
            print(json.dumps(run), file=sys.stderr, flush=True)
        print(json.dumps(report, indent=2))
    finally:
        if redis:
            redis.stop()


if __name__ == "__main__":
    main()
