"""Janus 1.1.2 (Debian package ``janus``) as a reference SFU for bench/relay_fanout.py.

Janus skips loopback interfaces when it gathers ICE candidates, so it cannot serve peers on
127.0.0.1. It runs instead in a network namespace made for the run: a veth pair with one end
(``v0``, 10.77.0.1/24) inside, Janus told to gather only there (``ice_enforce_list``), its HTTP
API on 127.0.0.1 inside the namespace. Its clients run in the same namespace (``ip netns exec``),
so all media stays on the namespace's own addresses and nothing leaves the machine. The
namespace and the host end of the veth pair are removed on ``close()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMESPACE_ADDRESS = "10.77.0.1"
API_PORT = 8088
ROOM = 1234
LIBRARY = Path("/usr/lib/x86_64-linux-gnu/janus")
PLUGIN = "libjanus_videoroom.so"
TRANSPORT = "libjanus_http.so"


_OPEN: set[JanusServer] = set()


class JanusUnavailable(RuntimeError):
    """Janus cannot run here (not installed, not root, no network namespaces)."""


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        raise JanusUnavailable(f"{' '.join(command)}: {result.stderr.strip()}")


def check() -> None:
    """Raise ``JanusUnavailable`` with the reason when Janus cannot be run."""
    if shutil.which("janus") is None:
        raise JanusUnavailable("janus is not installed (make bench-deps)")
    if shutil.which("ip") is None:
        raise JanusUnavailable("ip (iproute2) is not installed (make bench-deps)")
    if os.geteuid() != 0:
        raise JanusUnavailable("creating a network namespace needs root")
    for name in (PLUGIN, TRANSPORT):
        folder = "plugins" if name == PLUGIN else "transports"
        if not (_library() / folder / name).exists():
            raise JanusUnavailable(f"{name} not found under {_library()}")


def _library() -> Path:
    if LIBRARY.exists():
        return LIBRARY
    for candidate in Path("/usr/lib").glob("*/janus"):
        return candidate
    return LIBRARY


def write_config(folder: Path, bitrate: int) -> Path:
    """A config folder loading only the VideoRoom plugin and the HTTP transport."""
    library = _library()
    for name in ("plugins", "transports", "events", "loggers"):
        (folder / name).mkdir()
    (folder / "plugins" / PLUGIN).symlink_to(library / "plugins" / PLUGIN)
    (folder / "transports" / TRANSPORT).symlink_to(library / "transports" / TRANSPORT)
    (folder / "janus.jcfg").write_text(
        f"""general: {{
    configs_folder = "{folder}"
    plugins_folder = "{folder}/plugins"
    transports_folder = "{folder}/transports"
    events_folder = "{folder}/events"
    loggers_folder = "{folder}/loggers"
    debug_level = 3
    session_timeout = 120
}}
media: {{
}}
nat: {{
    nice_debug = false
    ice_enforce_list = "v0"
    ignore_mdns = true
}}
plugins: {{
}}
transports: {{
}}
loggers: {{
}}
events: {{
    broadcast = false
}}
"""
    )
    (folder / "janus.transport.http.jcfg").write_text(
        f"""general: {{
    json = "plain"
    base_path = "/janus"
    http = true
    port = {API_PORT}
    ip = "127.0.0.1"
    https = false
}}
admin: {{
    admin_http = false
    admin_https = false
}}
"""
    )
    (folder / "janus.plugin.videoroom.jcfg").write_text(
        f"""general: {{
}}
room-{ROOM}: {{
    description = "bench"
    publishers = 1
    bitrate = {bitrate}
    fir_freq = 0
    videocodec = "vp8"
    audiocodec = "opus"
    record = false
}}
"""
    )
    return folder / "janus.jcfg"


class JanusServer:
    """Janus in a network namespace of its own; ``close()`` removes everything it made."""

    def __init__(self, bitrate: int = 2_000_000) -> None:
        check()
        self.namespace = f"showroom-bench-{os.getpid()}"
        self.host_link = f"srb{os.getpid() % 10_000_000}"
        self.url = f"http://127.0.0.1:{API_PORT}/janus"
        self.folder = Path(tempfile.mkdtemp(prefix="janus-bench-"))
        self.log = self.folder / "janus.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._namespace_made = False
        _OPEN.add(self)
        try:
            self._make_namespace()
            config = write_config(self.folder, bitrate)
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    [*self.exec_prefix(), "janus", "-C", str(config), "-F", str(self.folder), "-o"],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            self._wait_ready()
        except BaseException:
            self.close()
            raise

    def exec_prefix(self) -> list[str]:
        """Prepended to a command to run it inside the namespace."""
        return ["ip", "netns", "exec", self.namespace]

    def _make_namespace(self) -> None:
        _run(*f"ip netns add {self.namespace}".split())
        self._namespace_made = True
        _run(*f"ip link add {self.host_link} type veth peer name v0 netns {self.namespace}".split())
        _run(*f"ip link set {self.host_link} up".split())
        for command in (
            "ip link set lo up",
            f"ip addr add {NAMESPACE_ADDRESS}/24 dev v0",
            "ip link set v0 up",
        ):
            _run(*self.exec_prefix(), *command.split())

    def _wait_ready(self) -> None:
        """Until the HTTP API answers ``info`` inside the namespace."""
        deadline = time.monotonic() + 20
        probe = [
            *self.exec_prefix(),
            sys.executable,
            "-c",
            f"import urllib.request; urllib.request.urlopen('{self.url}/info', timeout=1)",
        ]
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise JanusUnavailable(
                    f"janus exited with {self.process.returncode}: {self.tail()}"
                )
            if subprocess.run(probe, capture_output=True).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise JanusUnavailable(f"janus did not answer on {self.url}: {self.tail()}")
            time.sleep(0.1)

    @property
    def pid(self) -> int:
        """The janus process itself (``ip netns exec`` execs it, so the same pid)."""
        assert self.process is not None
        return self.process.pid

    def tail(self, lines: int = 15) -> str:
        try:
            return " | ".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._namespace_made:
            # Deleting the namespace deletes v0 and with it its veth peer; delete both anyway.
            subprocess.run(["ip", "link", "del", self.host_link], capture_output=True)
            subprocess.run(["ip", "netns", "del", self.namespace], capture_output=True)
            self._namespace_made = False
        shutil.rmtree(self.folder, ignore_errors=True)
        _OPEN.discard(self)


def close_all() -> None:
    """Close every server still open (after an interrupt), so no namespace is left behind."""
    for server in list(_OPEN):
        server.close()
