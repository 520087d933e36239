"""Track files shaped like the relay's recordings (one WebM per track, VP8 or Opus, encoded
once), made without a relay for the tests that need inputs but not the live path."""

from __future__ import annotations

import array
import fractions
import math
from pathlib import Path

import av

from tests.relay.media import draw_frame

FPS = 30


def record_video(path: Path, seconds: float, *, width: int = 320, height: int = 240) -> Path:
    """Counter frames (tests.relay.media.draw_frame) at 30 fps, VP8 in WebM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"deadline": "realtime", "cpu-used": "8", "g": "60"}
        for counter in range(round(seconds * FPS)):
            frame = draw_frame(width, height, counter, 0)
            frame.pts, frame.time_base = counter, fractions.Fraction(1, FPS)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def record_audio(path: Path, seconds: float) -> Path:
    """A 440 Hz tone, Opus in WebM (20 ms frames)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48000)
        stream.codec_context.layout = "stereo"
        samples = 960
        for index in range(round(seconds * 50)):
            start = index * samples
            tone = [
                round(6000 * math.sin(2 * math.pi * 440 * (start + n) / 48000))
                for n in range(samples)
            ]
            interleaved = array.array("h", [value for value in tone for _channel in (0, 1)])
            frame = av.AudioFrame(format="s16", layout="stereo", samples=samples)
            frame.planes[0].update(interleaved.tobytes())
            frame.sample_rate = 48000
            frame.pts, frame.time_base = index * samples, fractions.Fraction(1, 48000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
