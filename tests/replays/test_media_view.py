"""Replay files over HTTP: range requests for seeking, presigned redirects on S3, and only
published replays for shoppers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.test import Client

from liverooms.replays.models import Replay
from liverooms.replays.services import replay_for_room, replay_process, replay_publish
from liverooms.replays.views import parse_range
from tests.factories import CatalogWorld
from tests.replays.conftest import Show


@pytest.fixture
def published(world: CatalogWorld, make_show: Callable[..., Show]) -> Replay:
    show = make_show(world, seconds=2.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    return replay_publish(replay=replay, actor=world.owner_a)


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def video_bytes(replay: Replay) -> bytes:
    return (Path(settings.MEDIA_ROOT) / replay.video.name).read_bytes()


@pytest.mark.django_db
def test_the_whole_file_says_it_accepts_ranges(published: Replay) -> None:
    response = Client().get(f"/replays/media/{published.pk}/video")
    data = video_bytes(published)
    assert response.status_code == 200 and response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/webm"
    assert int(response["Content-Length"]) == len(data) and body(response) == data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-1999", 1000, 1999), ("bytes=-500", None, None)],
)
def test_a_range_gets_206_with_those_bytes(
    published: Replay, header: str, first: int | None, last: int | None
) -> None:
    data = video_bytes(published)
    size = len(data)
    if first is None:  # suffix range: the last 500 bytes
        first, last = size - 500, size - 1
    response = Client().get(f"/replays/media/{published.pk}/video", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{size}"
    assert int(response["Content-Length"]) == last - first + 1
    assert body(response) == data[first : last + 1]


@pytest.mark.django_db
def test_a_range_past_the_end_is_clipped_and_one_beyond_it_gets_416(published: Replay) -> None:
    size = len(video_bytes(published))
    clipped = Client().get(
        f"/replays/media/{published.pk}/video", HTTP_RANGE=f"bytes=10-{size * 2}"
    )
    assert clipped.status_code == 206 and clipped["Content-Range"] == f"bytes 10-{size - 1}/{size}"
    refused = Client().get(f"/replays/media/{published.pk}/video", HTTP_RANGE=f"bytes={size}-")
    assert refused.status_code == 416 and refused["Content-Range"] == f"bytes */{size}"


@pytest.mark.django_db
def test_a_malformed_or_stale_range_gets_the_whole_file(published: Replay) -> None:
    url = f"/replays/media/{published.pk}/video"
    assert Client().get(url, HTTP_RANGE="bytes=5-2").status_code == 200
    assert Client().get(url, HTTP_RANGE="pages=1-2").status_code == 200
    etag = Client().get(url)["ETag"]
    fresh = Client().get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    stale = Client().get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"old"')
    assert fresh.status_code == 206 and stale.status_code == 200


def test_range_parsing() -> None:
    assert parse_range("", 100) is None
    assert parse_range("bytes=0-0", 100) == (0, 0)
    assert parse_range("bytes=-0", 100) is False
    assert parse_range("bytes=-200", 100) == (0, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None


def test_range_with_absurdly_long_numbers_is_answered_not_a_500() -> None:
    many = "9" * 5000  # more digits than int() converts
    assert parse_range(f"bytes={many}-", 100) is False
    assert parse_range(f"bytes=10-{many}", 100) == (10, 99)
    assert parse_range(f"bytes=-{many}", 100) == (0, 99)
    assert parse_range(f"bytes={'0' * 5000}5-9", 100) == (5, 9)


@pytest.mark.django_db
def test_only_published_replays_are_served_to_shoppers(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world, seconds=1.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    url = f"/replays/media/{replay.pk}/video"
    assert Client().get(url).status_code == 404
    other_shop = Client()
    other_shop.force_login(world.owner_b)
    assert other_shop.get(url).status_code == 404
    staff = Client()
    staff.force_login(world.host_a)
    assert staff.get(url).status_code == 200  # preview before publishing
    assert staff.get(f"/replays/media/{replay.pk}/poster")["Content-Type"] == "image/jpeg"
    assert staff.get(f"/replays/media/{replay.pk}/other").status_code == 404


@pytest.mark.django_db
def test_on_s3_the_view_redirects_to_a_short_lived_presigned_url(
    published: Replay, settings: Any
) -> None:
    settings.REPLAY_URL_EXPIRE_SECONDS = 120
    settings.STORAGES = {
        **settings.STORAGES,
        "replays": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "showroom-replays",
                "endpoint_url": "http://127.0.0.1:9000",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "region_name": "us-east-1",
                "querystring_auth": True,
                "signature_version": "s3v4",
            },
        },
    }
    response = Client().get(f"/replays/media/{published.pk}/video")
    assert response.status_code == 302
    location = urlparse(response["Location"])
    query = parse_qs(location.query)
    assert location.netloc == "127.0.0.1:9000"
    assert location.path == f"/showroom-replays/{published.video.name}"
    assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-Signature"]
