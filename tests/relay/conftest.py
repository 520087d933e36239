"""Relay tests run the real relay process (``python -m liverooms.relay``) on loopback.

They need neither the Django database nor the realtime Redis keys, so the project-wide
autouse cache fixture is replaced here by one that does nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.services import free_port
from liverooms.relay.tokens import mint
from tests.subprocess_env import child_env

ROOT = Path(__file__).resolve().parents[2]
SECRET = "relay-test-secret"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    """Overrides tests/conftest.py: relay tests touch no Django cache or realtime keys."""
    yield


@dataclass
class RelayProcess:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    recordings: Path
    log: Path
    secret: str = SECRET

    def token(self, room: str, identity: str, **grants: Any) -> str:
        return mint(self.secret, room=room, identity=identity, **grants)

    def admin(self, room: str) -> str:
        return self.token(room, "admin", admin=True, subscribe=False)

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """A blocking JSON call (body may be bytes to send as is)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def health(self) -> dict[str, Any]:
        return self.call("GET", "/healthz")[1]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_relay(workdir: Path, port: int | None = None, **env: str) -> RelayProcess:
    """Start a relay (on a free port unless ``port`` is given) and wait until /healthz answers."""
    port = port or free_port()
    recordings = workdir / "recordings"
    log = workdir / f"relay-{port}.log"  # a relay restarted on the same port appends
    settings = {
        "RELAY_SECRET": SECRET,
        "RELAY_PORT": str(port),
        "RELAY_RECORDINGS_DIR": str(recordings),
        "RELAY_NODE_ID": f"test-{port}",
        **env,
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "liverooms.relay"],
            cwd=ROOT,
            env=child_env(**settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    relay = RelayProcess(f"http://127.0.0.1:{port}", port, process, recordings, log)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"relay exited with {process.returncode}:\n{relay.log_tail()}")
        try:
            if relay.health().get("ok"):
                return relay
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            relay.stop()
            raise RuntimeError(f"relay did not answer /healthz:\n{relay.log_tail()}")
        time.sleep(0.05)


@pytest.fixture
def relay_factory(tmp_path: Path) -> Iterator[Callable[..., RelayProcess]]:
    """Start relays with extra RELAY_* settings; all are stopped after the test."""
    started: list[RelayProcess] = []

    def start(**env: str) -> RelayProcess:
        relay = start_relay(tmp_path, **env)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        relay.stop()


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    """One relay shared by a module's tests (each test uses its own room)."""
    process = start_relay(tmp_path_factory.mktemp("relay"), RELAY_RECORD="off")
    yield process
    process.stop()
    if os.environ.get("RELAY_TEST_SHOW_LOG"):
        print(process.log_tail(200))
