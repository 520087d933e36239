"""A consultation call in two Chromium pages (fake camera and microphone) through a real
daphne and the real relay: each party sees the other's video playing, the consultant pushes a
product and the buyer sees its card with the price in the buyer's currency and opens the
checkout drawer while the call keeps playing; both pages report their connect time."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.services import free_port
from support.consultations.models import CallConnectSample, CallProduct
from tests.browser.conftest import signed_in_context
from tests.relay.conftest import start_relay
from tests.relay.media import use_loopback
from tests.servers import daphne_server  # noqa: F401 - fixture
from tests.support.calls import CallWorld, build_call_world, open_call

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "relay-test-secret"  # what tests.relay.conftest.start_relay gives the relay

REMOTE = """() => {
  const video = document.querySelector('#remote-video video');
  if (!video || video.videoWidth === 0) return null;
  return {width: video.videoWidth, time: video.currentTime, muted: video.muted};
}"""


def _advancing(page: Any, seconds: float = 1.0) -> None:
    try:
        first = page.wait_for_function(REMOTE, timeout=25000).json_value()
    except Exception:
        state = page.evaluate(
            """() => ({publishers: document.getElementById('call').dataset.publishers,
                videos: document.querySelectorAll('#remote-video video').length,
                error: document.getElementById('call-error').textContent,
                state: document.getElementById('call-state').textContent})"""
        )
        raise AssertionError(f"no remote video playing: {state} {page.console_lines}") from None
    assert first["width"] > 0
    page.wait_for_function(
        f"() => document.querySelector('#remote-video video').currentTime > {first['time'] + seconds}",
        timeout=15000,
    )


@pytest.fixture
def call_stack(daphne_server, tmp_path: Path, settings) -> Iterator[tuple[str, CallWorld, Any]]:  # type: ignore[no-untyped-def]  # noqa: F811
    use_loopback()
    call = build_call_world()
    relay = start_relay(tmp_path, RELAY_RECORD="off")
    relay_env = {
        "RELAY_SECRET": SECRET,
        "RELAY_URLS": relay.url,
        "RELAY_REDIS_PREFIX": f"call-test-{uuid.uuid4().hex[:8]}",  # no registered nodes
    }
    web = daphne_server(free_port(), **relay_env)
    settings.RELAY_SECRET = SECRET
    settings.RELAY_URLS = [relay.url]
    settings.RELAY_REDIS_PREFIX = relay_env["RELAY_REDIS_PREFIX"]
    yield web, call, relay
    relay.stop()


def _context(browser: Any, web: str, user: Any, width: int) -> Any:
    return signed_in_context(browser, user, width=width, host=web.split(":")[0], locale="en-US")


def _page(context: Any) -> Any:
    """A page that keeps its console output (shown when a wait fails)."""
    page = context.new_page()
    page.console_lines = []
    page.on("console", lambda message: page.console_lines.append(message.text[:300]))
    return page


def test_both_parties_see_each_other_and_the_buyer_gets_the_product_card(
    call_stack: tuple[str, CallWorld, Any],
    browser: Any,
) -> None:
    web, call, relay = call_stack
    booking = open_call(call, currency="EUR")
    url = f"http://{web}/en/consultations/{booking.pk}/call/"
    consultant_context = _context(browser, web, call.consultant_user, 1280)
    buyer_context = _context(browser, web, call.buyer, 390)  # the buyer is on a phone
    try:
        consultant = _page(consultant_context)
        consultant.goto(url)
        consultant.click("#join-call")
        consultant.wait_for_selector("#call-mute:not([hidden])", timeout=15000)
        buyer = _page(buyer_context)
        buyer.goto(url)
        buyer.click("#join-call")

        # Each sees the other's video playing, with sound on (the click allowed it)
        try:
            _advancing(buyer)
            _advancing(consultant)
        except AssertionError as failed:
            raise AssertionError(f"{failed}\nrelay log:\n{relay.log_tail(60)}") from None
        assert buyer.evaluate("document.querySelector('#remote-video video').muted") is False

        # Both pages measured and reported click-to-first-frame; the server stored it
        for page in (buyer, consultant):
            page.wait_for_selector("#connect-time:not([hidden])", timeout=10000)
            assert int(page.evaluate("document.getElementById('call').dataset.connectMs")) > 0
        deadline = time.monotonic() + 10
        while CallConnectSample.objects.filter(booking=booking).count() < 2:
            assert time.monotonic() < deadline, "connect times were not stored"
            time.sleep(0.2)
        assert set(
            CallConnectSample.objects.filter(booking=booking).values_list("user_id", flat=True)
        ) == {call.buyer.pk, call.consultant_user.pk}
        times = list(
            CallConnectSample.objects.filter(booking=booking).values_list("connect_ms", flat=True)
        )
        print(f"click-to-first-remote-frame in Chromium: {times} ms")  # shown with -s

        # The consultant sees the call's quality from getStats
        consultant.wait_for_function(
            "() => /round trip \\d+ ms/.test(document.getElementById('call-quality').textContent)",
            timeout=15000,
        )
        assert "kbps" in consultant.text_content("#call-quality")

        # Chat between them stays text
        buyer.fill("#call-chat-input", "<b>Is it silk?</b>")
        buyer.press("#call-chat-input", "Enter")
        consultant.wait_for_selector("#call-chat-lines li", timeout=10000)
        assert "<b>Is it silk?</b>" in consultant.text_content("#call-chat-lines li")
        assert consultant.query_selector("#call-chat-lines b") is None

        # The consultant pushes the dress; the buyer sees its card in euros
        consultant.select_option("#push-product", str(call.world.dress.pk))
        consultant.click("#push-button")
        buyer.wait_for_selector("#call-card:not([hidden])", timeout=10000)
        assert buyer.text_content("#card-name") == "Silk dress"
        assert "€" in buyer.text_content("#card-price")
        assert "119" in buyer.text_content("#card-price")
        assert CallProduct.objects.filter(booking=booking, product=call.world.dress).exists()

        # Buy opens the checkout drawer on the call page; the call keeps playing behind it
        buyer.click("#card-buy")
        buyer.wait_for_selector("#buy-drawer[open]", timeout=5000)
        assert buyer.text_content("#drawer-title") == "Silk dress"
        assert buyer.eval_on_selector_all("#buy-variant option", "options => options.length") >= 1
        _advancing(buyer)
    finally:
        consultant_context.close()
        buyer_context.close()
