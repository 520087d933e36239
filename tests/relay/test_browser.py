"""Chromium (Debian's, fake camera/microphone) talks to the relay with the standard WebRTC API.

The page calls the relay's control API directly (cross-origin) with a token, like the room
client will: it publishes its camera to an aiortc viewer, and watches an aiortc publisher.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from config.services import free_port
from tests.relay.conftest import RelayProcess
from tests.relay.media import Publisher, Subscriber, use_loopback

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]

PAGE = """<!doctype html><meta charset="utf-8"><title>relay</title><video autoplay muted></video>
<script type="module">
async function complete(pc) {
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== "complete") {
    await new Promise(done => pc.addEventListener("icegatheringstatechange",
      () => pc.iceGatheringState === "complete" && done()));
  }
  return pc.localDescription.sdp;
}
async function call(relay, path, body) {
  const response = await fetch(relay + path, {method: "POST", body: JSON.stringify(body),
    headers: {"Content-Type": "application/json"}});
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error + ": " + answer.message);
  return answer;
}
window.publish = async (relay, token) => {
  const stream = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  const pc = new RTCPeerConnection();
  stream.getTracks().forEach(track => pc.addTrack(track, stream));
  const answer = await call(relay, "/v1/publish", {token, sdp: await complete(pc), type: "offer"});
  await pc.setRemoteDescription(answer);
  window.publisher = pc;
  return answer.peer_id;
};
window.watch = async (relay, token, publisher) => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", {direction: "recvonly"});
  pc.addTransceiver("audio", {direction: "recvonly"});
  pc.ontrack = event => {
    if (event.track.kind === "video") document.querySelector("video").srcObject =
      new MediaStream([event.track]);
  };
  const answer = await call(relay, "/v1/subscribe",
    {token, publisher, sdp: await complete(pc), type: "offer"});
  await pc.setRemoteDescription(answer);
  window.viewer = pc;
};
window.framesDecoded = async () => {
  let frames = 0;
  (await window.viewer.getStats()).forEach(report => {
    if (report.type === "inbound-rtp" && report.kind === "video") frames = report.framesDecoded;
  });
  return frames;
};
</script>"""

pytestmark = pytest.mark.browser


@pytest_asyncio.fixture
async def page() -> AsyncIterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian package chromium)")
    from playwright.async_api import async_playwright

    async def serve_page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", serve_page)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{port}/")  # a secure context: getUserMedia works
        yield page
        await browser.close()
    await runner.cleanup()


@pytest.mark.asyncio
async def test_chromium_publishes_to_an_aiortc_viewer(relay: RelayProcess, page: Any) -> None:
    use_loopback()
    room = "browser-publish"
    await page.evaluate(
        "([relay, token]) => publish(relay, token)",
        [relay.url, relay.token(room, "host", publish=True)],
    )
    async with aiohttp.ClientSession() as session:
        viewer = Subscriber(relay.url, relay.token(room, "viewer"), "host")
        await viewer.start(session)
        await viewer.wait_decoded(30)
        audio = viewer.received.audio_frames
        await viewer.close()

    assert audio > 0


@pytest.mark.asyncio
async def test_chromium_watches_an_aiortc_publisher(relay: RelayProcess, page: Any) -> None:
    use_loopback()
    room = "browser-watch"
    async with aiohttp.ClientSession() as session:
        publisher = Publisher(relay.url, relay.token(room, "host", publish=True))
        await publisher.start(session)
        await page.evaluate(
            "([relay, token]) => watch(relay, token, 'host')",
            [relay.url, relay.token(room, "viewer")],
        )
        await page.wait_for_function("async () => (await framesDecoded()) >= 30", timeout=10_000)
        await publisher.close()
