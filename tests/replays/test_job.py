"""The replay job: one web-playable file, poster, duration and chapters from a show's
recordings; idempotent, retry-safe, and failing clearly."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from liverooms.media.models import Recording
from liverooms.media.services import relay_event_handle
from liverooms.replays.models import Replay, ReplayStatus
from liverooms.replays.services import (
    ReplayBusy,
    ReplayError,
    replay_for_room,
    replay_process,
    replay_publish,
    replays_schedule_missing,
)
from liverooms.replays.tasks import process_replay
from liverooms.rooms.models import RoomStatus
from tests.factories import CatalogWorld
from tests.relay.media import read_frame
from tests.replays.conftest import T0, Show, stored_files
from tests.servers import _database_url
from tests.subprocess_env import child_env

ROOT = Path(__file__).resolve().parents[2]


def decoded_counters(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [c[0] for f in container.decode(video=0) if (c := read_frame(f)) is not None]


@pytest.mark.django_db
def test_the_job_makes_a_playable_replay_with_chapters_and_poster(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    # given an ended show with 4 s of host video and audio, the dress pinned at 1 s
    show = make_show(world)
    # when the job runs
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    # then the replay is ready: one WebM (VP8 + Opus, not re-encoded), poster, chapters
    assert replay.status == ReplayStatus.READY and replay.progress == 100 and not replay.error
    assert (
        replay.video_type == "video/webm"
        and replay.video.name == f"replays/{replay.pk}/replay.webm"
    )
    path = Path(settings.MEDIA_ROOT) / replay.video.name
    with av.open(str(path)) as container:
        assert sorted(s.codec_context.name for s in container.streams) == ["opus", "vp8"]
    assert abs(replay.duration - 4.0) < 0.3
    counters = decoded_counters(path)
    assert counters[0] == 0 and counters == sorted(counters) and len(counters) >= 110
    assert replay.starts_at.timestamp() == pytest.approx(T0)
    assert [(c["kind"], c["offset"], c["product_id"]) for c in replay.chapters] == [
        ("pin", 1.0, world.dress.pk),
        ("unpin", 3.0, world.dress.pk),
    ]
    assert (Path(settings.MEDIA_ROOT) / replay.poster.name).read_bytes()[:2] == b"\xff\xd8"
    assert not replay.is_published and replay.sources[0]["kind"] == "audio"
    assert not any(Path(settings.REPLAY_WORK_DIR).iterdir())


@pytest.mark.django_db
def test_running_the_job_twice_gives_one_replay(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world)
    replay = replay_for_room(show.room)
    process_replay.delay(replay.pk)
    first = Replay.objects.get(pk=replay.pk)
    process_replay.delay(replay.pk)
    again = replay_for_room(show.room)
    assert Replay.objects.filter(room=show.room).count() == 1
    assert again.pk == first.pk and again.status == ReplayStatus.READY and again.attempts == 1
    assert again.processed_at == first.processed_at
    assert stored_files(Path(settings.MEDIA_ROOT)) == sorted([first.video.name, first.poster.name])


@pytest.mark.django_db
def test_another_run_holding_the_lease_makes_the_job_come_back_later(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world)
    replay = replay_for_room(show.room)
    Replay.objects.filter(pk=replay.pk).update(
        status=ReplayStatus.PROCESSING,
        job_token="other",
        lease_until=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(ReplayBusy) as busy:
        replay_process(replay_id=replay.pk)
    assert busy.value.retry_in > 60
    assert Replay.objects.get(pk=replay.pk).job_token == "other"


@pytest.mark.django_db
@pytest.mark.parametrize("damage", ["missing", "corrupt", "no_video"])
def test_a_broken_recording_fails_clearly_and_is_not_published(
    world: CatalogWorld, make_show: Callable[..., Show], damage: str
) -> None:
    show = make_show(world)
    if damage == "missing":
        show.video.unlink()
    elif damage == "corrupt":
        show.video.write_bytes(b"\x1aE\xdf\xa3 definitely not a webm file" * 10)
    else:
        show.recording.files = [f for f in show.recording.files if f["kind"] == "audio"]
        show.recording.save()
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    assert replay.status == ReplayStatus.FAILED and not replay.is_published
    expected = {
        "missing": "recorded video file is missing",
        "corrupt": "recorded video file cannot be read",
        "no_video": "No video was recorded",
    }[damage]
    assert expected in replay.error, replay.error
    assert not replay.video and stored_files(Path(settings.MEDIA_ROOT)) == []
    with pytest.raises(ReplayError):
        replay_publish(replay=replay, actor=world.owner_a)
    assert not any(Path(settings.REPLAY_WORK_DIR).iterdir())


@pytest.mark.django_db
def test_h264_transcode_when_configured(
    world: CatalogWorld, make_show: Callable[..., Show], settings: Any
) -> None:
    settings.REPLAY_TRANSCODE = "h264"
    show = make_show(world, seconds=2.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    assert replay.status == ReplayStatus.READY, replay.error
    assert replay.video_type == "video/mp4" and replay.video.name.endswith(".mp4")
    path = Path(settings.MEDIA_ROOT) / replay.video.name
    with av.open(str(path)) as container:
        assert sorted(s.codec_context.name for s in container.streams) == ["aac", "h264"]
    counters = decoded_counters(path)
    assert counters == sorted(counters) and len(counters) >= 55


@pytest.mark.django_db
def test_an_unknown_transcode_setting_fails_with_the_reason(
    world: CatalogWorld, make_show: Callable[..., Show], settings: Any
) -> None:
    settings.REPLAY_TRANSCODE = "av1"
    show = make_show(world, seconds=1.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    assert replay.status == ReplayStatus.FAILED and "REPLAY_TRANSCODE" in replay.error


@pytest.mark.django_db
def test_recordings_of_a_show_become_one_replay_of_the_host(
    world: CatalogWorld, make_show: Callable[..., Show], django_capture_on_commit_callbacks: Any
) -> None:
    # given a show still live whose co-host left (their own recording.finished) ...
    show = make_show(world)
    room = show.room
    room.status = RoomStatus.LIVE
    room.save()
    cohost = show.recording.files[0] | {"identity": f"user-{world.shopper.pk}", "duration": 9.0}
    event = {
        "id": "evt-cohost",
        "type": "recording.finished",
        "room": f"room-{room.pk}",
        "identity": cohost["identity"],
        "data": {"files": [cohost], "reason": "removed"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert relay_event_handle(event)
    assert not Replay.objects.filter(room=room).exists()  # the show goes on
    # ... when the show ends and the close reports the host's tracks (delivered twice)
    room.status = RoomStatus.ENDED
    room.save()
    host_files = show.recording.files
    Recording.objects.filter(pk=show.recording.pk).delete()
    close = {
        "id": "evt-close",
        "type": "recording.finished",
        "room": f"room-{room.pk}",
        "data": {"files": host_files, "reason": "closed"},
    }
    for _delivery in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            relay_event_handle(close)
    # then exactly one replay, made of the host's tracks (the co-host's longer video is not it)
    replay = Replay.objects.get(room=room)
    assert replay.status == ReplayStatus.READY and replay.attempts == 1
    assert {f["identity"] for f in replay.sources} == {f"user-{world.host_a.pk}"}
    assert Replay.objects.count() == 1 and Recording.objects.filter(room=room).count() == 2


KILLED_RUN = """
import os, signal, time
import django
django.setup()
from liverooms.replays import media, services

real = media.build_replay_file

def build(**kwargs):
    report = kwargs["on_progress"]
    def on_progress(share):
        report(share)
        if share > 0.4:
            kwargs["on_progress"] = report
            open(os.environ["KILL_ME"], "w").close()
            time.sleep(600)  # the parent kills this worker now, mid-job
    kwargs["on_progress"] = on_progress
    return real(**kwargs)

services.media.build_replay_file = build
services.replay_process(replay_id=int(os.environ["REPLAY_ID"]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_and_retried_gives_one_ready_replay(
    world: CatalogWorld, make_show: Callable[..., Show], settings: Any, tmp_path: Path
) -> None:
    # given a replay whose job runs in a worker process, killed at ~40 % with its scratch
    # file half written
    show = make_show(world, seconds=4.0)
    replay = replay_for_room(show.room)
    marker = tmp_path / "kill-me"
    lease = 3
    worker = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN],
        cwd=ROOT,
        env=child_env(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=_database_url(),
            REDIS_URL=settings.REDIS_URL,
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            REPLAY_WORK_DIR=str(settings.REPLAY_WORK_DIR),
            REPLAY_LEASE_SECONDS=str(lease),
            KILL_ME=str(marker),
            REPLAY_ID=str(replay.pk),
        ),
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert worker.poll() is None, "the worker ended before it was killed"
            assert time.monotonic() < deadline, "the worker never got to 40 %"
            time.sleep(0.05)
        progress = Replay.objects.get(pk=replay.pk)
        assert progress.status == ReplayStatus.PROCESSING and 1 <= progress.progress <= 99
        assert list(Path(settings.REPLAY_WORK_DIR).glob(f"replay-{replay.pk}-*"))
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    connection.close()
    # when the job is delivered again: first while the dead run's lease holds, then after
    settings.REPLAY_LEASE_SECONDS = lease
    with pytest.raises(ReplayBusy) as busy:
        replay_process(replay_id=replay.pk)
    time.sleep(busy.value.retry_in + 0.1)  # the lease is a time: nothing to await but it
    retried = replay_process(replay_id=replay.pk)
    # then one ready replay, its two files, and no scratch left over
    assert retried.status == ReplayStatus.READY and retried.attempts == 2
    assert Replay.objects.filter(room=show.room).count() == 1
    assert stored_files(Path(settings.MEDIA_ROOT)) == sorted(
        [retried.video.name, retried.poster.name]
    )
    assert not any(Path(settings.REPLAY_WORK_DIR).iterdir())
    counters = decoded_counters(Path(settings.MEDIA_ROOT) / retried.video.name)
    assert counters[0] == 0 and counters == sorted(counters)


@pytest.mark.django_db
def test_a_show_whose_room_close_was_never_reported_is_swept_into_a_replay(
    world: CatalogWorld, make_show: Callable[..., Show], django_capture_on_commit_callbacks: Any
) -> None:
    # given two ended shows with recordings and no replay (the relay's room-close report
    # never came): one ended 20 minutes ago, one 2 minutes ago
    old, recent = make_show(world, slug="old"), make_show(world, slug="recent")
    now = timezone.now()
    LiveRoom_ = type(old.room)
    LiveRoom_.objects.filter(pk=old.room.pk).update(ended_at=now - dt.timedelta(minutes=20))
    LiveRoom_.objects.filter(pk=recent.room.pk).update(ended_at=now - dt.timedelta(minutes=2))
    # when the beat sweep runs (twice)
    with django_capture_on_commit_callbacks(execute=True):
        assert replays_schedule_missing(now=now) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert replays_schedule_missing(now=now) == 0
    # then only the old show got its replay, built once
    assert old.replay().status == ReplayStatus.READY and old.replay().attempts == 1
    assert not Replay.objects.filter(room=recent.room).exists()
