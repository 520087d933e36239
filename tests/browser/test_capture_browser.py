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

