"""Media work of the replay job, with PyAV only (no Django): lining the recorded track files up
on one clock and writing one web-playable file, reading a poster frame, probing a duration.

The relay writes each published track as its own WebM (VP8 or Opus, encoded as received) and
reports the wall-clock time of each file's first frame. Here t=0 is the first video frame of
the chosen publisher; every packet is placed at (file start - t=0) + its own timestamp, so
audio and video stay in sync and a reconnect's gap stays a gap. Packets of all files are
merged in time order (the muxer needs them interleaved) without decoding, unless a
transcode to H.264/AAC in MP4 is asked for.
"""

from __future__ import annotations

import fractions
import heapq
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import av.error

MILLIS = fractions.Fraction(1, 1000)
AUDIO_RATE = 48000
TRANSCODES = {"h264": ("mp4", "video/mp4")}
REMUX = ("webm", "video/webm")


class ReplayMediaError(Exception):
    """A recording that cannot be turned into a replay; the message is shown to merchants."""


@dataclass(frozen=True)
class TrackFile:
    kind: str  # "video" | "audio"
    path: str
    started_at: float  # wall clock (unix seconds) of the file's first frame


@dataclass(frozen=True)
class BuildResult:
    duration: float
    content_type: str
    extension: str
    started_at: float  # wall clock of t=0


@dataclass(order=True)
class _Item:
    at: float
    order: int
    packet: Any = None
    kind: str = ""


def transcode_available(target: str) -> str | None:
    """None when PyAV here can encode ``target``; else why not."""
    if target not in TRANSCODES:
        return f"unknown REPLAY_TRANSCODE {target!r} (use 'h264' or leave it empty)"
    for codec in ("libx264", "aac"):
        try:
            av.codec.Codec(codec, "w")
        except (av.error.FFmpegError, ValueError):  # UnknownCodecError is a ValueError
            return f"this PyAV build has no {codec} encoder: install av with it or unset it"
    return None


def _open(track: TrackFile) -> Any:
    if not Path(track.path).is_file():
        raise ReplayMediaError(f"The recorded {track.kind} file is missing: {track.path}")
    try:
        container = av.open(track.path)
    except (av.error.FFmpegError, OSError) as broken:
        raise ReplayMediaError(
            f"The recorded {track.kind} file cannot be read ({track.path}): {broken}"
        ) from broken
    streams = container.streams.video if track.kind == "video" else container.streams.audio
    if not streams:
        container.close()
        raise ReplayMediaError(f"The recorded {track.kind} file has no {track.kind}: {track.path}")
    return container


def _packets(container: Any, track: TrackFile, t0: float, order: int) -> Iterator[_Item]:
    """The file's packets on the replay clock (seconds from t=0), dropping any before t=0."""
    stream = container.streams.video[0] if track.kind == "video" else container.streams.audio[0]
    offset = track.started_at - t0
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            at = offset + float(packet.pts * packet.time_base)
            if at < 0:
                continue
            yield _Item(at, order, packet, track.kind)
    except av.error.FFmpegError as broken:
        raise ReplayMediaError(
            f"The recorded {track.kind} file is damaged ({track.path}): {broken}"
        ) from broken


def _file_end(container: Any, track: TrackFile, t0: float) -> float:
    return track.started_at - t0 + (container.duration or 0) / 1_000_000


def build_replay_file(
    *,
    video: list[TrackFile],
    audio: list[TrackFile],
    output: Path,
    transcode: str = "",
    on_progress: Callable[[float], None] = lambda share: None,
) -> BuildResult:
    """Write ``video`` (+ ``audio``) files as one file at ``output``; ``on_progress`` hears the
    share done (0-1). Raises ReplayMediaError for missing or unreadable input."""
    if not video:
        raise ReplayMediaError("No video was recorded for this show.")
    if transcode:
        problem = transcode_available(transcode)
        if problem:
            raise ReplayMediaError(problem)
    video = sorted(video, key=lambda track: track.started_at)
    audio = sorted(audio, key=lambda track: track.started_at)
    t0 = video[0].started_at
    inputs: list[tuple[TrackFile, Any]] = []
    try:
        for track in [*video, *audio]:
            inputs.append((track, _open(track)))
        total = max(_file_end(container, track, t0) for track, container in inputs) or 1.0
        items = heapq.merge(
            *(_packets(container, track, t0, n) for n, (track, container) in enumerate(inputs))
        )
        writer: _Remuxer | _Transcoder = _Transcoder(output) if transcode else _Remuxer(output)
        with writer:
            writer.open_streams(inputs)
            for item in items:
                writer.write(item)
                on_progress(min(item.at / total, 1.0))
        extension, content_type = TRANSCODES[transcode] if transcode else REMUX
        return BuildResult(
            duration=probe_duration(output),
            content_type=content_type,
            extension=extension,
            started_at=t0,
        )
    finally:
        for _track, container in inputs:
            container.close()


class _Remuxer:
    """Encoded packets as they are (VP8 + Opus) into WebM."""

    def __init__(self, output: Path) -> None:
        self.container = av.open(str(output), "w", format="webm")
        self.streams: dict[str, Any] = {}
        self.last_dts: dict[str, int] = {}

    def __enter__(self) -> _Remuxer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.container.close()

    def open_streams(self, inputs: list[tuple[TrackFile, Any]]) -> None:
        for track, container in inputs:
            if track.kind in self.streams:
                continue
            source = (
                container.streams.video if track.kind == "video" else container.streams.audio
            )[0]
            stream = self.container.add_stream_from_template(source)
            stream.time_base = MILLIS
            self.streams[track.kind] = stream

    def write(self, item: _Item) -> None:
        packet = item.packet
        at = round(item.at * 1000)
        # Two files of one kind never overlap, but rounding can tie: keep dts increasing.
        at = max(at, self.last_dts.get(item.kind, -1) + 1)
        self.last_dts[item.kind] = at
        packet.pts = packet.dts = at
        packet.time_base = MILLIS
        packet.stream = self.streams[item.kind]
        self.container.mux(packet)


class _Transcoder:
    """Decode and encode to H.264 (yuv420p) + AAC in MP4, on the same clock."""

    def __init__(self, output: Path) -> None:
        self.container = av.open(str(output), "w", format="mp4", options={"movflags": "+faststart"})
        self.decoders: dict[int, Any] = {}
        self.video: Any = None
        self.audio: Any = None
        self.resampler: Any = None
        self.audio_samples: int | None = None
        self.last_video_pts = -1

    def __enter__(self) -> _Transcoder:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self._flush()
        finally:
            self.container.close()

    def open_streams(self, inputs: list[tuple[TrackFile, Any]]) -> None:
        for track, container in inputs:
            if track.kind == "video" and self.video is None:
                source = container.streams.video[0]
                self.video = self.container.add_stream("libx264", rate=30)
                self.video.width = source.codec_context.width or 640
                self.video.height = source.codec_context.height or 360
                self.video.pix_fmt = "yuv420p"
                self.video.codec_context.time_base = MILLIS
                self.video.options = {"preset": "veryfast", "crf": "23"}
            elif track.kind == "audio" and self.audio is None:
                self.audio = self.container.add_stream("aac", rate=AUDIO_RATE)
                self.audio.codec_context.layout = "stereo"
                self.resampler = av.AudioResampler(
                    format="fltp", layout="stereo", rate=AUDIO_RATE, frame_size=1024
                )

    def write(self, item: _Item) -> None:
        packet = item.packet
        decoder = self.decoders.get(id(packet.stream))
        if decoder is None:
            decoder = self.decoders[id(packet.stream)] = packet.stream.codec_context
        for frame in decoder.decode(packet):
            if item.kind == "video":
                self._video_frame(frame, item.at)
            else:
                self._audio_frame(frame, item.at)

    def _video_frame(self, frame: Any, at: float) -> None:
        pts = max(round(at * 1000), self.last_video_pts + 1)
        self.last_video_pts = pts
        image = frame.reformat(width=self.video.width, height=self.video.height, format="yuv420p")
        image.pts, image.time_base = pts, MILLIS
        for packet in self.video.encode(image):
            self.container.mux(packet)

    def _audio_frame(self, frame: Any, at: float) -> None:
        start = round(at * AUDIO_RATE)
        if self.audio_samples is None or start > self.audio_samples + AUDIO_RATE // 5:
            self.audio_samples = start  # first frame, or a gap (a reconnect) kept as a gap
        frame.pts = None
        for out in self.resampler.resample(frame):
            out.pts, out.time_base = self.audio_samples, fractions.Fraction(1, AUDIO_RATE)
            self.audio_samples += out.samples
            for packet in self.audio.encode(out):
                self.container.mux(packet)

    def _flush(self) -> None:
        if self.video is not None:
            for packet in self.video.encode(None):
                self.container.mux(packet)
        if self.audio is not None:
            for out in self.resampler.resample(None):
                out.pts, out.time_base = self.audio_samples, fractions.Fraction(1, AUDIO_RATE)
                self.audio_samples = (self.audio_samples or 0) + out.samples
                for packet in self.audio.encode(out):
                    self.container.mux(packet)
            for packet in self.audio.encode(None):
                self.container.mux(packet)


def probe_duration(path: Path | str) -> float:
    """Seconds from the first to the end of the last packet of ``path``."""
    try:
        with av.open(str(path)) as container:
            if container.duration:
                return float(container.duration) / 1_000_000
            end = 0.0
            for packet in container.demux():
                if packet.pts is not None:
                    end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            return end
    except (av.error.FFmpegError, OSError) as broken:
        raise ReplayMediaError(f"The replay file cannot be read: {broken}") from broken


def poster_jpeg(path: Path | str, at: float, *, quality: int = 85) -> bytes:
    """The frame shown at ``at`` seconds (the last one when ``at`` is past the end) as JPEG."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            target = max(at, 0.0)
            if target > 0 and stream.time_base:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            chosen = None
            for frame in container.decode(stream):
                chosen = frame
                if frame.time is not None and frame.time >= target:
                    break
    except (av.error.FFmpegError, OSError, IndexError) as broken:
        raise ReplayMediaError(f"No poster frame could be read: {broken}") from broken
    if chosen is None:
        raise ReplayMediaError("No poster frame could be read: the video has no frames.")
    buffer = io.BytesIO()
    chosen.to_image().save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
