"""`make run`'s process runner: embedded Redis, migrations, demo data, web and worker, clean stop."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from config.services import free_port, port_open
from tests.subprocess_env import child_env

ROOT = Path(__file__).resolve().parent.parent


def _wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_run_starts_everything_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    web_port, redis_port = free_port(), free_port()
    env = child_env(
        PORT=str(web_port),
        EMBEDDED_REDIS_PORT=str(redis_port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
        SHOWROOM_VAR_DIR=str(tmp_path / "var"),
    )
    runner = subprocess.Popen(
        [sys.executable, "-m", "config.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(lambda: port_open("127.0.0.1", web_port), 120), "web never listened"
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/en/", timeout=10) as response:
            page = response.read().decode()
        assert response.status == 200 and "Atelier Lumière" in page  # demo data loaded
        assert port_open("127.0.0.1", redis_port)  # the embedded Redis is up
        worker_log = tmp_path / "var" / "worker.log"
        assert _wait_for(lambda: worker_log.exists() and "ready" in worker_log.read_text(), 60)
    finally:
        runner.send_signal(signal.SIGINT)
        output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, output
    assert "admin@showroom.demo" in output and f"http://127.0.0.1:{web_port}/" in output
    assert "Showroom stopped." in output
    assert not port_open("127.0.0.1", web_port)
    assert not port_open("127.0.0.1", redis_port)
