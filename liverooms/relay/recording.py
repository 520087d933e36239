"""Recording published tracks to disk as they are forwarded, without transcoding.

A ``TrackRecorder`` is one more sink of a source: VP8 frames and Opus packets are muxed as
they are into a WebM file per track (PyAV), with the wall-clock time of the first frame, so a
replay job can line tracks up with each other and with the room's chat. Muxing runs on a
thread per recorder: a slow disk delays the file, never the media.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import os
import queue
import re
import struct
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from liverooms.relay.forwarding import TIME_BASES, EncodedFrame, vp8_dimensions

logger = logging.getLogger(__name__)

# RFC 7845 5.1 identification header: version 1, stereo, 312 samples pre-skip, 48 kHz.
OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 2, 312, 48000, 0, 0)
FRAME_SECONDS = {"audio": 0.02, "video": 1 / 30}


def safe_name(text: str) -> str:
    """A file-system-safe rendering of a room or identity name (no separators, no dots-only)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:80].strip(".")
    return cleaned or "_"


@dataclass(frozen=True)
class RecordedFile:
    identity: str
    kind: str
    codec: str
    path: str
    started_at: float
    duration: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "kind": self.kind,
            "codec": self.codec,
            "path": self.path,
            "started_at": self.started_at,
            "duration": round(self.duration, 3),
        }


class TrackRecorder:
    """Writes one source's frames to ``path`` from its first keyframe (video) or packet."""

    def __init__(self, *, path: Path, identity: str, kind: str, codec: str) -> None:
        self.path = path
        self.identity = identity
        self.kind = kind
        self.codec = codec
        self.waiting_keyframe = kind == "video"
        self.waiting_since = time.monotonic()
        self.started_at: float | None = None
        self.frames = 0
        self._first_pts: int | None = None
        self._last_pts = 0
        self._queue: queue.SimpleQueue[tuple[bytes, int, bool] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.error: str | None = None

    def deliver(self, frame: EncodedFrame) -> None:
        if self._closed:
            return
        if self.waiting_keyframe:
            if not frame.keyframe:
                return
            self.waiting_keyframe = False
        if self._first_pts is None:
            self._first_pts = frame.pts
            self.started_at = frame.wall
            self._thread = threading.Thread(
                target=self._write, args=(frame.data,), name=f"record-{self.kind}", daemon=True
            )
            self._thread.start()
        self._last_pts = frame.pts
        self.frames += 1
        self._queue.put((frame.data, frame.pts - self._first_pts, frame.keyframe))

    def source_ended(self) -> None:
        """Finishing is driven by the room (it reports the files); nothing to do here."""

    async def finish(self) -> RecordedFile | None:
        """Close the file; None when nothing was recorded."""
        if self._closed:
            return None
        self._closed = True
        if self._thread is None or self.started_at is None or self._first_pts is None:
            return None
        self._queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join)
        if self.error is not None:
            logger.error("recording %s failed: %s", self.path, self.error)
            return None
        clock = TIME_BASES[self.kind].denominator
        duration = (self._last_pts - self._first_pts) / clock + FRAME_SECONDS[self.kind]
        return RecordedFile(
            identity=self.identity,
            kind=self.kind,
            codec=self.codec,
            path=str(self.path),
            started_at=self.started_at,
            duration=duration,
        )

    def _open(self, first: bytes) -> tuple[Any, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        container = av.open(str(self.path), "w", format="webm")
        if self.kind == "video":
            stream = container.add_stream("vp8")
            stream.width, stream.height = vp8_dimensions(first)
        else:
            stream = container.add_stream("libopus", rate=48000)
            stream.codec_context.layout = "stereo"
            stream.codec_context.extradata = OPUS_HEAD
        stream.time_base = fractions.Fraction(1, 1000)
        return container, stream

    def _write(self, first: bytes) -> None:
        container = None
        time_base = TIME_BASES[self.kind]
        try:
            container, stream = self._open(first)
            while (item := self._queue.get()) is not None:
                data, pts, keyframe = item
                packet = av.Packet(data)
                packet.pts = packet.dts = pts
                packet.time_base = time_base
                packet.stream = stream
                packet.is_keyframe = keyframe
                container.mux(packet)
        except Exception as exc:  # a broken file must not take the relay down
            self.error = f"{type(exc).__name__}: {exc}"
            while self._queue.get() is not None:
                pass
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception as exc:
                    self.error = self.error or f"{type(exc).__name__}: {exc}"


def recording_path(base: Path, room: str, identity: str, kind: str, now: float) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}"
    name = f"{safe_name(identity)}-{kind}-{stamp}-{os.getpid()}.webm"
    return base / safe_name(room) / name
