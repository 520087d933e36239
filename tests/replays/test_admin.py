"""Merchant controls in the admin: status and progress, publish/unpublish, trim, cover frame,
delete with files; each shop sees only its own replays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from liverooms.replays.models import Replay, ReplayStatus
from liverooms.replays.services import replay_for_room, replay_process
from tests.factories import CatalogWorld
from tests.replays.conftest import Show, stored_files

URL = "/admin/replays/replay/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ready(world: CatalogWorld, make_show: Callable[..., Show]) -> Replay:
    show = make_show(world, seconds=3.0)
    return replay_process(replay_id=replay_for_room(show.room).pk)


@pytest.mark.django_db
def test_the_list_shows_status_and_progress_to_the_shop_only(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world, seconds=1.0)
    replay = replay_for_room(show.room)
    Replay.objects.filter(pk=replay.pk).update(status=ReplayStatus.PROCESSING, progress=42)
    page = signed_in(world.owner_a).get(URL).content.decode()
    assert "Show show" in page and '<progress value="42" max="100"' in page
    assert "Processing" in page
    other = signed_in(world.owner_b)
    listing = other.get(URL)
    assert listing.status_code == 200 and "Show show" not in listing.content.decode()
    assert other.get(f"{URL}{replay.pk}/change/").status_code in (302, 403, 404)
    refused = other.post(URL, {"action": "publish", "_selected_action": [replay.pk]})
    assert refused.status_code in (200, 302)
    assert not Replay.objects.get(pk=replay.pk).is_published


@pytest.mark.django_db
def test_publish_and_unpublish_actions(world: CatalogWorld, ready: Replay) -> None:
    owner = signed_in(world.owner_a)
    owner.post(URL, {"action": "publish", "_selected_action": [ready.pk]})
    published = Replay.objects.get(pk=ready.pk)
    assert published.is_published and published.published_at is not None
    owner.post(URL, {"action": "unpublish", "_selected_action": [ready.pk]})
    unpublished = Replay.objects.get(pk=ready.pk)
    assert not unpublished.is_published and unpublished.unpublished_at is not None


@pytest.mark.django_db
def test_a_failed_replay_cannot_be_published(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world, seconds=1.0)
    show.video.unlink()
    failed = replay_process(replay_id=replay_for_room(show.room).pk)
    response = signed_in(world.owner_a).post(
        URL, {"action": "publish", "_selected_action": [failed.pk]}, follow=True
    )
    assert "Only a ready replay can be published" in response.content.decode()
    assert not Replay.objects.get(pk=failed.pk).is_published


@pytest.mark.django_db(transaction=True)
def test_trim_and_a_new_cover_frame_regenerate_the_poster(
    world: CatalogWorld, ready: Replay
) -> None:
    owner = signed_in(world.owner_a)
    form = {"title": "Spring show", "trim_start": "0.5", "trim_end": "2.5", "cover_time": "2.0"}
    old_poster = ready.poster.name
    response = owner.post(f"{URL}{ready.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    replay = Replay.objects.get(pk=ready.pk)
    assert (replay.title, replay.trim_start, replay.trim_end) == ("Spring show", 0.5, 2.5)
    assert replay.cover_time == 2.0 and replay.poster.name != old_poster
    assert replay.poster.name.endswith("poster-2000.jpg")
    assert stored_files(Path(settings.MEDIA_ROOT)) == sorted(
        [replay.video.name, replay.poster.name]
    )
    bad = owner.post(f"{URL}{ready.pk}/change/", {**form, "trim_end": "99", "cover_time": "-1"})
    assert bad.status_code == 200 and "must be within the video" in bad.content.decode()


@pytest.mark.django_db(transaction=True)
def test_delete_removes_the_files(world: CatalogWorld, ready: Replay) -> None:
    assert stored_files(Path(settings.MEDIA_ROOT))
    signed_in(world.owner_b).post(
        URL, {"action": "delete_with_files", "_selected_action": [ready.pk]}
    )
    assert Replay.objects.filter(pk=ready.pk).exists()  # another shop's staff: nothing
    signed_in(world.owner_a).post(
        URL, {"action": "delete_with_files", "_selected_action": [ready.pk]}
    )
    assert not Replay.objects.filter(pk=ready.pk).exists()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.django_db(transaction=True)
def test_deleting_the_room_removes_its_replay_files(world: CatalogWorld, ready: Replay) -> None:
    """Given a processed replay, when the merchant deletes its room in the admin (the change
    page's delete, or the list's bulk action), the replay's video and poster leave storage."""
    assert stored_files(Path(settings.MEDIA_ROOT))
    rooms = "/admin/rooms/liveroom/"
    other = signed_in(world.owner_b)
    other.post(f"{rooms}{ready.room_id}/delete/", {"post": "yes"})
    other.post(
        rooms, {"action": "delete_selected", "_selected_action": [ready.room_id], "post": "yes"}
    )
    assert Replay.objects.filter(pk=ready.pk).exists()  # another shop's staff: nothing
    response = signed_in(world.owner_a).post(f"{rooms}{ready.room_id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Replay.objects.filter(pk=ready.pk).exists()
    assert stored_files(Path(settings.MEDIA_ROOT)) == []
