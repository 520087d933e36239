"""Playwright for Python driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import failed

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh Chromium per test. Function-scoped on purpose: Playwright's sync API keeps an
    event loop running while it is alive, which would break asyncio tests sharing the worker."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    # Django refuses sync ORM calls from a thread running an event loop; Playwright's sync
    # API runs one, and our tests legitimately create rows between browser steps.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        console = _record_console(chromium)
        yield chromium
        chromium.close()
        if failed(request):
            sys.stderr.write("----- browser console -----\n" + "\n".join(console[-200:]) + "\n")
        # While Playwright's loop runs, Django sees this thread as async and keeps database
        # connections in a context-local slot that the test database teardown never looks
        # at; close them here, or PostgreSQL refuses to drop a database still in use.
        from django.db import connections

        connections.close_all()


def _record_console(chromium: Any) -> list[str]:
    """Every context made from now on logs its pages' console messages and uncaught errors
    (with the time and page) into the returned list, printed if the test fails."""
    lines: list[str] = []
    new_context = chromium.new_context

    def record(*args: Any, **kwargs: Any) -> Any:
        context = new_context(*args, **kwargs)
        number = len(contexts) + 1
        contexts.append(context)

        def line(kind: str, text: str, url: str) -> None:
            lines.append(f"{time.strftime('%H:%M:%S')} [context {number}] {kind} {url}: {text}")

        context.on("console", lambda m: line(m.type, m.text, m.page.url if m.page else ""))
        context.on(
            "weberror", lambda e: line("uncaught", str(e.error), e.page.url if e.page else "")
        )
        return context

    contexts: list[Any] = []
    chromium.new_context = record
    return lines


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def signed_in_context(
    browser: Any,
    user: Any,
    *,
    width: int = 390,
    host: str = "127.0.0.1",
    currency: str | None = None,
    **options: Any,
) -> Any:
    """A browser context signed in as ``user`` (a phone-sized viewport unless ``width`` says
    otherwise), optionally with the shopper's currency cookie."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 844}, **options)
    cookies = [
        {
            "name": "sessionid",
            "value": client.cookies["sessionid"].value,
            "domain": host,
            "path": "/",
        }
    ]
    if currency:
        cookies.append(
            {"name": "showroom_currency", "value": currency, "domain": host, "path": "/"}
        )
    context.add_cookies(cookies)
    return context


BROADCAST_STATE = """() => {
  const el = (id) => document.getElementById(id);
  return {
    start: { hidden: el('broadcast-start').hidden, disabled: el('broadcast-start').disabled },
    stop_hidden: el('broadcast-stop').hidden,
    stats: el('rtc-stats').textContent,
    error: el('host-error') ? el('host-error').textContent : null,
    cameras: el('camera-select').options.length,
  };
}"""


def start_broadcast(host: Any, timeout: float = 30000) -> None:
    """Click "Start broadcasting" on a host console and wait until it is on air; if it is not,
    fail with what the console shows (button state, status line, error), which together with
    the browser console and server logs (printed for failed tests) says where it stopped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.monotonic()
    host.click("#broadcast-start")
    try:
        host.wait_for_selector("#broadcast-stop:not([hidden])", timeout=timeout)
    except PlaywrightTimeout:
        state = host.evaluate(BROADCAST_STATE)
        raise AssertionError(
            f"not on air {time.monotonic() - started:.1f} s after the click: {state}"
        ) from None
