"""Replays on an S3-compatible store, against moto's S3 server on 127.0.0.1 (a real HTTP
server speaking the S3 protocol): the job uploads the files, the media view redirects to a
presigned URL that answers range requests, and deleting the replay deletes the objects."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.test import Client

from config.services import free_port
from liverooms.replays.models import ReplayStatus
from liverooms.replays.services import (
    replay_delete,
    replay_for_room,
    replay_process,
    replay_publish,
)
from tests.factories import CatalogWorld
from tests.replays.conftest import Show

BUCKET = "showroom-replays"


@pytest.fixture
def s3(settings: Any) -> Iterator[Any]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    options = {
        "bucket_name": BUCKET,
        "endpoint_url": endpoint,
        "access_key": "test-key",
        "secret_key": "test-secret",
        "region_name": "us-east-1",
        "default_acl": None,
        "file_overwrite": True,
        "querystring_auth": True,
        "signature_version": "s3v4",
        "querystring_expire": 120,
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "replays": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    try:
        yield client
    finally:
        server.stop()


def keys(client: Any) -> list[str]:
    listing = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.django_db
def test_a_replay_on_s3_is_uploaded_served_by_range_and_deleted(
    s3: Any,
    world: CatalogWorld,
    make_show: Callable[..., Show],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an ended show, when the job runs with the S3 storage
    show = make_show(world, seconds=2.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    assert replay.status == ReplayStatus.READY, replay.error
    # then the video and poster are objects in the bucket
    assert keys(s3) == sorted([replay.video.name, replay.poster.name])
    stored = s3.get_object(Bucket=BUCKET, Key=replay.video.name)["Body"].read()
    assert stored[:4] == b"\x1a\x45\xdf\xa3"  # EBML: a WebM file
    # and a viewer of the published replay is sent to a presigned URL that seeks (206)
    replay = replay_publish(replay=replay, actor=world.owner_a)
    response = Client().get(f"/replays/media/{replay.pk}/video")
    assert response.status_code == 302
    request = urllib.request.Request(response["Location"], headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request, timeout=10) as ranged:
        assert ranged.status == 206
        assert ranged.headers["Content-Range"] == f"bytes 100-199/{len(stored)}"
        assert ranged.read() == stored[100:200]
    # when the merchant deletes the replay, its objects go too
    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete commits
        replay_delete(replay=replay, actor=world.owner_a)
    assert keys(s3) == []
