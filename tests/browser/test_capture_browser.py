"""The camera and microphone capture used by host consoles and calls (static/liverooms/rtc.js):
a device that does not start at once is tried again, a refusal is not."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCENARIO = """async () => {
  const { capture } = await import('/static/liverooms/rtc.js');
  const media = navigator.mediaDevices;
  const real = media.getUserMedia.bind(media);
  let calls = 0;
  const failing = (name, times) => async (constraints) => {
    calls++;
    if (calls <= times) throw new DOMException('Could not start video source', name);
    return real(constraints);
  };
  const run = async () => {
    calls = 0;
    try {
      const stream = await capture({ video: true, audio: true });
      const tracks = stream.getTracks().length;
      stream.getTracks().forEach((t) => t.stop());
      return { tracks, calls };
    } catch (error) {
      return { error: error.name, calls };
    }
  };
  media.getUserMedia = failing('NotReadableError', 2);  // starts on the third try
  const slow = await run();
  media.getUserMedia = failing('NotReadableError', 99);  // never starts
  const broken = await run();
  media.getUserMedia = failing('NotAllowedError', 99);  // the user said no
  const refused = await run();
  return { slow, broken, refused };
}"""


def test_capture_tries_a_device_again_but_not_a_refusal(live_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/en/")
    outcome = page.evaluate(SCENARIO)
    assert outcome["slow"] == {"tracks": 2, "calls": 3}
    assert outcome["broken"] == {"error": "NotReadableError", "calls": 3}
    assert outcome["refused"] == {"error": "NotAllowedError", "calls": 1}


# Publisher.start() while the room socket (re)opens in the middle of the first negotiation: the
# "open" handler replaces the connection, closing the one whose offer is still pending. Chromium
# never settles an operation pending on a closed RTCPeerConnection, so start() must not wait for
# it (in CI the host console stayed on "Start broadcasting", disabled, while already on air).
SUPERSEDED = """async (operation) => {
  const { Publisher } = await import('/static/liverooms/rtc.js');
  const client = new EventTarget();
  client.sent = [];
  client.send = (type) => { client.sent.push(type); return null; };  // not connected yet
  const proto = RTCPeerConnection.prototype;
  const real = proto[operation];
  let first = true;
  proto[operation] = function (...args) {
    const pending = real.apply(this, args);
    if (first) { first = false; client.dispatchEvent(new Event('open')); }
    return pending;
  };
  const publisher = new Publisher(client, null);
  const outcome = await Promise.race([
    publisher.start().then(() => 'started', (error) => `failed: ${error}`),
    new Promise((resolve) => setTimeout(() => resolve('hung'), 5000)),
  ]);
  proto[operation] = real;
  const connections = publisher.pc ? 1 : 0;
  publisher.stop();
  return { outcome, connections };
}"""


@pytest.mark.parametrize("operation", ["createOffer", "setLocalDescription"])
def test_publisher_start_returns_when_a_reconnect_replaces_its_first_connection(  # type: ignore[no-untyped-def]
    live_server, page, operation
) -> None:
    page.goto(live_server.url + "/en/")
    assert page.evaluate(SUPERSEDED, operation) == {"outcome": "started", "connections": 1}
