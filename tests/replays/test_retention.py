"""Unpublished replays (and recordings without a replay) go after REPLAY_RETENTION_DAYS;
published ones stay."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from liverooms.media.models import Recording
from liverooms.replays.models import Replay
from liverooms.replays.services import replay_for_room, replay_process, replay_publish
from liverooms.replays.tasks import purge_unpublished_replays
from tests.factories import CatalogWorld
from tests.replays.conftest import Show, stored_files


@pytest.mark.django_db(transaction=True)
def test_old_unpublished_replays_go_with_their_files_published_ones_stay(
    world: CatalogWorld, make_show: Callable[..., Show], settings: Any
) -> None:
    settings.REPLAY_RETENTION_DAYS = 7
    old = make_show(world, seconds=1.0, slug="old")
    kept = make_show(world, seconds=1.0, slug="kept")
    recent = make_show(world, seconds=1.0, slug="recent")
    lapsed = make_show(world, seconds=1.0, slug="lapsed")
    replays = {
        s.room.slug: replay_process(replay_id=replay_for_room(s.room).pk)
        for s in (old, kept, recent, lapsed)
    }
    replay_publish(replay=replays["kept"], actor=world.owner_a)
    replay_publish(replay=replays["lapsed"], actor=world.owner_a)
    replay_publish(replay=replays["lapsed"], actor=world.owner_a, published=False)
    long_ago = timezone.now() - dt.timedelta(days=8)
    Replay.objects.filter(room__slug__in=["old", "kept", "lapsed"]).update(created_at=long_ago)
    # a recording of a show that never got a replay, as old
    orphan = make_show(world, seconds=1.0, slug="orphan")
    Recording.objects.filter(pk=orphan.recording.pk).update(finished_at=long_ago)

    assert purge_unpublished_replays.delay().get() == 1

    assert set(Replay.objects.values_list("room__slug", flat=True)) == {"kept", "recent", "lapsed"}
    files = stored_files(Path(settings.MEDIA_ROOT))
    assert not any(name.startswith(f"replays/{replays['old'].pk}/") for name in files)
    assert any(name.startswith(f"replays/{replays['kept'].pk}/") for name in files)
    assert not Recording.objects.filter(pk=orphan.recording.pk).exists()
    assert not orphan.video.exists() and old.video.exists()  # old's recording is not old
    assert Recording.objects.filter(pk=kept.recording.pk).exists()
