"""Replay fixtures: scratch and media directories of the test's own, an ended show with
recorded tracks (files shaped like the relay's) and a timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from liverooms.media.models import Recording
from liverooms.replays.models import Replay, RoomTimelineEvent
from liverooms.rooms.models import LiveRoom, RoomStatus
from tests.factories import CatalogWorld
from tests.replays.recorded import record_audio, record_video

T0 = 1_800_000_000.0  # wall clock of the first recorded video frame in the synthetic shows


@pytest.fixture(autouse=True)
def _replay_dirs(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REPLAY_WORK_DIR = tmp_path / "work"
    settings.REPLAY_TRANSCODE = ""


@dataclass
class Show:
    room: LiveRoom
    recording: Recording
    video: Path
    audio: Path

    def replay(self) -> Replay:
        return Replay.objects.get(room=self.room)


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(T0 + seconds, tz=dt.UTC)


@pytest.fixture
def make_show(tmp_path: Path) -> Callable[..., Show]:
    """An ended room of shop A whose host (host_a) recorded ``seconds`` of video + audio
    starting at T0 (audio 0.2 s earlier), with the dress pinned at 1 s and unpinned at 3 s."""

    def make(world: CatalogWorld, *, seconds: float = 4.0, slug: str = "show") -> Show:
        room = LiveRoom.objects.create(
            shop=world.shop_a,
            slug=slug,
            title=f"Show {slug}",
            scheduled_at=timezone.now(),
            status=RoomStatus.ENDED,
        )
        room.hosts.add(world.host_a)
        folder = tmp_path / "recordings" / slug
        video = record_video(folder / "host-video.webm", seconds)
        audio = record_audio(folder / "host-audio.webm", seconds + 0.2)
        identity = f"user-{world.host_a.pk}"
        recording = Recording.objects.create(
            room=room,
            relay_room=f"room-{room.pk}",
            event_id=f"evt-{slug}",
            files=[
                {
                    "identity": identity,
                    "kind": "video",
                    "codec": "VP8",
                    "path": str(video),
                    "started_at": T0,
                    "duration": seconds,
                },
                {
                    "identity": identity,
                    "kind": "audio",
                    "codec": "opus",
                    "path": str(audio),
                    "started_at": T0 - 0.2,
                    "duration": seconds + 0.2,
                },
            ],
        )
        RoomTimelineEvent.objects.create(room=room, kind="pin", product=world.dress, at=at(1.0))
        RoomTimelineEvent.objects.create(room=room, kind="unpin", product=world.dress, at=at(3.0))
        return Show(room, recording, video, audio)

    return make


def stored_files(media_root: Path) -> list[str]:
    base = media_root / "replays"
    return sorted(str(p.relative_to(media_root)) for p in base.rglob("*") if p.is_file())
