"""One HTTP session per process for the engines (connection reuse), with bounded timeouts."""

from __future__ import annotations

import threading

import requests

_local = threading.local()


def session() -> requests.Session:
    current: requests.Session | None = getattr(_local, "session", None)
    if current is None:
        current = _local.session = requests.Session()
    return current
