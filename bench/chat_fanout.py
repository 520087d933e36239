"""Chat fan-out in one room: N viewers, 50 chat messages/s and 500 likes/s.

Measures, for Showroom's room socket (daphne + the per-process hub) and, in the same run, for
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
import json
import multiprocessing as mp
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.services import EmbeddedRedis, free_port, port_open, redis_answers  # noqa: E402

TALKERS = 50  # one chat message/s and 10 likes/s each: 50 msg/s + 500 likes/s
ROOM = "bench-room"


# Load generators (separate processes) ------------------------------------------------------


def _latencies_from(frame: dict[str, Any], now: float) -> list[float]:
    if frame.get("type") == "chat.batch":
        texts = [m["text"] for m in frame.get("messages", [])]
    elif frame.get("type") == "chat":
        texts = [frame["text"]]
    else:
        return []
    return [now - float(t) for t in texts if t.replace(".", "", 1).isdigit()]


def viewer_process(
    url: str, count: int, window: tuple[float, float], ready: Any, results: Any
) -> None:
    import websockets

    async def main() -> None:
        delivered, samples = 0, []
        sockets = []
        gate = asyncio.Semaphore(64)

        async def open_one() -> Any:
            async with gate:
                return await websockets.connect(
                    url,
                    additional_headers={"Origin": "http://127.0.0.1"},
                    max_queue=None,
                    open_timeout=60,
                )

        opened = await asyncio.gather(*(open_one() for _ in range(count)), return_exceptions=True)
        sockets = [socket for socket in opened if not isinstance(socket, BaseException)]
        ready.put(len(sockets))
        start, end = window

        async def read(socket: Any) -> None:
            nonlocal delivered
            while time.time() < end + 2:
                try:
                    raw = await asyncio.wait_for(
                        socket.recv(), timeout=max(0.1, end + 2 - time.time())
                    )
                except (TimeoutError, websockets.ConnectionClosed):
                    return
                now = time.time()
                if not start <= now <= end:
                    continue
                for latency in _latencies_from(json.loads(raw), now):
                    delivered += 1
                    if len(samples) < 20000 or random.random() < 0.05:
                        samples.append(latency)

        await asyncio.gather(*(read(s) for s in sockets))
        for socket in sockets:
            await socket.close()
        results.put({"delivered": delivered, "samples": samples[-20000:]})

    asyncio.run(main())


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


def start_server(kind: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    if kind == "ceiling":
        command = [sys.executable, str(ROOT / "bench" / "ceiling_server.py"), str(port)]
    else:
        app = "config.asgi:application" if kind == "showroom" else "bench.naive_app:application"
        command = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app]
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


def measure(
    kind: str, viewers: int, duration: float, env: dict[str, str], cookies: list[str], loadgens: int
) -> dict[str, Any]:
    server, port = start_server(kind, env)
    url = (
        f"ws://127.0.0.1:{port}/ws/rooms/{ROOM}/"
        if kind != "ceiling"
        else f"ws://127.0.0.1:{port}/"
    )
    proc = psutil.Process(server.pid)
    time.sleep(1.0)
    rss_before = proc.memory_info().rss
    ctx = mp.get_context("fork")
    ready, results, sent = ctx.Queue(), ctx.Queue(), ctx.Queue()
    connect_budget = 30 + viewers / 100
    start = time.time() + connect_budget + 3  # measurement window opens after everyone is in
    window = (start + 2, start + 2 + duration)
    per = [viewers // loadgens + (1 if i < viewers % loadgens else 0) for i in range(loadgens)]
    gens = [
        ctx.Process(target=viewer_process, args=(url, n, window, ready, results)) for n in per if n
    ]
    for gen in gens:
        gen.start()
    connected = sum(ready.get(timeout=connect_budget + 60) for _ in gens)
    rss_after = proc.memory_info().rss
    while time.time() < start:
        time.sleep(0.05)
    talker = ctx.Process(target=talker_process, args=(url, cookies, window[1] + 0.5, sent))
    talker.start()
    while time.time() < window[0]:
        time.sleep(0.01)
    cpu0 = sum(proc.cpu_times()[:2])
    while time.time() < window[1]:
        time.sleep(0.01)
    cpu1 = sum(proc.cpu_times()[:2])
    outputs = [results.get(timeout=120) for _ in gens]
    messages_sent = sent.get(timeout=60)
    for process in (*gens, talker):
        process.join(timeout=30)
    server.terminate()
    server.wait(timeout=20)
    delivered = sum(o["delivered"] for o in outputs)
    samples = sorted(s for o in outputs for s in o["samples"])
    expected = 50 * viewers  # chat deliveries per second if every viewer gets every message
    cpu_seconds = cpu1 - cpu0
    return {
        "viewers_connected": connected,
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
        "server_rss_kib_per_connection": round(
            (rss_after - rss_before) / 1024 / max(connected, 1), 1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat fan-out benchmark")
    parser.add_argument("--viewers", type=int, nargs="+", default=[1000, 2000, 5000])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--loadgens", type=int, default=4)
    parser.add_argument("--only", choices=["showroom", "naive", "ceiling"], nargs="*")
    args = parser.parse_args()

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
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    try:
        cookies = prepare_showroom(env)
        report: dict[str, Any] = {
            "benchmark": "chat_fanout",
            "chat_per_s": 50,
            "likes_per_s": 500,
            "duration_s": args.duration,
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
                    cookies if kind == "showroom" else [""] * TALKERS,
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
