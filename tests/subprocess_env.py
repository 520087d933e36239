"""Environment for child processes started by tests: the parent's, minus what tests set."""

from __future__ import annotations

import os

# Set by tests for themselves (e.g. the Playwright fixture); never meant for child processes.
TEST_ONLY = {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "DEBUG",
}


def child_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    env.update(overrides)
    return env
