"""Real web server processes (uvicorn or daphne) serving the whole ASGI application (HTTP + WebSockets) to tests.

They are separate programs (not forks of the test process) pointed at the test database and
the test Redis, like the web processes of a deployment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.services import free_port, port_open, web_command

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _servers(
    server: str | None, request: pytest.FixtureRequest, logs: Path
) -> Iterator[Callable[..., str]]:
    processes: list[subprocess.Popen[bytes]] = []
    log_files: list[Path] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def start(port: int | None = None, **extra_env: str) -> str:
        """Another web process; ``port`` and extra environment variables are optional."""
        port = port or free_port()
        command = web_command(
            "127.0.0.1", port, "tests.asgi_app:application", server=server, access_log=False
        )
        log = logs / f"web-{port}.log"
        log_files.append(log)
        with log.open("ab") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**env, **extra_env},
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        processes.append(process)
        deadline = time.monotonic() + 30
        while not port_open("127.0.0.1", port, timeout=0.2):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[2]} did not start")
            time.sleep(0.1)
        return f"127.0.0.1:{port}"

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    if failed(request):
        for log in log_files:
            print_tail(log)


def failed(request: pytest.FixtureRequest) -> bool:
    """Whether the test using this fixture failed (set by tests/conftest.py's report hook)."""
    report = getattr(request.node, "rep_call", None)
    return bool(report and report.failed)


def print_tail(log: Path, lines: int = 80) -> None:
    """The end of a server's log, into the failed test's report."""
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    sys.stderr.write(f"----- {log.name} (last {lines} lines) -----\n")
    sys.stderr.write("\n".join(text[-lines:]) + "\n")


@pytest.fixture
def web_server(
    transactional_db: object, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., str]]:
    """Start web processes (the shipped server, uvicorn unless WEB_SERVER says otherwise) on
    127.0.0.1 serving the test database; each call returns "host:port"."""
    yield from _servers(None, request, tmp_path)


@pytest.fixture
def daphne_server(
    transactional_db: object, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., str]]:
    """Like ``web_server``, but always daphne (the other supported server)."""
    yield from _servers("daphne", request, tmp_path)
