"""Room chat translation: one translation per language present in the room (not per viewer),
delivered only to the viewers of that language, over the real room socket, Redis and a local
LibreTranslate-speaking server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from config.routing import websocket_urlpatterns
from liverooms.realtime import events
from liverooms.realtime.protocol import OUTBOUND_TYPES
from liverooms.rooms.models import ChatMessage, LiveRoom, RoomStatus
from support.translation.chat import chat_message_translate
from support.translation.engines import libretranslate
from tests.factories import CatalogWorld, build_world
from tests.support.translation_servers import FakeServer, running

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
application = URLRouter(websocket_urlpatterns)


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_db_connections():  # type: ignore[no-untyped-def]
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def libre(settings: Any) -> Iterator[FakeServer]:
    with running("libretranslate") as fake:
        settings.TRANSLATION_ENGINE = "libretranslate"
        settings.LIBRETRANSLATE_URL = fake.url
        settings.TRANSLATION_TIMEOUT = 2.0
        libretranslate._server_codes.clear()
        yield fake


@pytest.fixture
def room_world() -> tuple[CatalogWorld, LiveRoom]:
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="silk-live",
        title="Silk live",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    return world, room


async def connect(room: LiveRoom, *, user: Any = None, query: str = "", headers: Any = None):  # type: ignore[no-untyped-def]
    communicator = WebsocketCommunicator(
        application, f"/ws/rooms/{room.slug}/{query}", headers=headers or []
    )
    communicator.scope["user"] = user if user is not None else AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    while True:  # up to the snapshot
        frame = json.loads(await communicator.receive_from(timeout=3))
        if frame["type"] == "room.snapshot":
            return communicator


async def frames_for(communicator: WebsocketCommunicator, seconds: float) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        # receive_nothing waits without cancelling the consumer (a receive_from timeout would)
        if await communicator.receive_nothing(timeout=0.05):
            continue
        frame = json.loads(await communicator.receive_from(timeout=1))
        assert frame["type"] in OUTBOUND_TYPES, frame
        frames.append(frame)
    return frames


def translated(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [frame for frame in frames if frame["type"] == "chat.translated"]


async def test_one_translation_per_language_each_to_its_own_viewers(
    room_world: tuple[CatalogWorld, LiveRoom], libre: FakeServer
) -> None:
    world, room = room_world
    spanish = [await connect(room, query="?lang=es") for _ in range(2)]
    chinese = [
        await connect(room, query="?lang=zh-hans"),
        await connect(room, headers=[(b"accept-language", b"zh-CN,zh;q=0.9")]),
    ]
    english = [await connect(room, query="?lang=en")]
    talker = await connect(room, user=world.shopper, query="?lang=en")

    await talker.send_json_to({"type": "chat.send", "text": "Is it silk?", "ref": "c1"})
    everyone = [*spanish, *chinese, *english, talker]
    received = await asyncio.gather(*(frames_for(viewer, 1.5) for viewer in everyone))

    for frames in received[:2]:
        assert [(f["language"], f["text"]) for f in translated(frames)] == [("es", "¿Es de seda?")]
        assert "seq" not in translated(frames)[0]
    for frames in received[2:4]:
        assert [(f["language"], f["text"]) for f in translated(frames)] == [
            ("zh-hans", "是真丝吗？")
        ]
    for frames in received[4:]:
        assert translated(frames) == []  # the line is already in English
    line = next(f for f in received[0] if f["type"] == "chat.batch")["messages"][0]
    assert translated(received[0])[0]["message_id"] == line["id"]
    # Once per language, not per viewer.
    assert (libre.translations("es"), libre.translations("zh-Hans")) == (1, 1)
    assert libre.translations("en") == 0
    # Every viewer still follows the seq stream without gaps (no resume was needed).
    for frames in received:
        seqs = [f["seq"] for f in frames if "seq" in f]
        assert seqs == sorted(seqs)
    for communicator in [*spanish, *chinese, *english, talker]:
        await communicator.disconnect()


async def test_rerunning_the_job_publishes_nothing_twice(
    room_world: tuple[CatalogWorld, LiveRoom], libre: FakeServer
) -> None:
    world, room = room_world
    viewer = await connect(room, query="?lang=es")
    message = await ChatMessage.objects.acreate(
        room=room, user=world.shopper, author_name="S", text="Is it silk?"
    )
    from asgiref.sync import sync_to_async

    first = await sync_to_async(chat_message_translate)(message_id=message.pk)
    again = await sync_to_async(chat_message_translate)(message_id=message.pk)
    assert (first, again) == (["es"], [])
    frames = translated(await frames_for(viewer, 0.5))
    assert len(frames) == 1 and libre.translations("es") == 1
    await viewer.disconnect()


async def test_a_room_of_one_language_queues_nothing_for_lines_in_it(
    room_world: tuple[CatalogWorld, LiveRoom], libre: FakeServer
) -> None:
    world, room = room_world
    viewer = await connect(room, query="?lang=es")
    talker = await connect(room, user=world.shopper, query="?lang=es")
    await talker.send_json_to({"type": "chat.send", "text": "¿Es de seda?"})
    frames = await frames_for(viewer, 0.8)
    assert any(f["type"] == "chat.batch" for f in frames) and translated(frames) == []
    assert libre.requests["POST /translate"] == 0
    assert events.languages_present(room.pk) == {"es"}
    await viewer.disconnect()
    await talker.disconnect()


async def test_a_viewer_joining_later_gets_the_translations_of_recent_lines(
    room_world: tuple[CatalogWorld, LiveRoom], libre: FakeServer
) -> None:
    world, room = room_world
    early = await connect(room, query="?lang=es")
    talker = await connect(room, user=world.shopper, query="?lang=en")
    await talker.send_json_to({"type": "chat.send", "text": "Is it silk?"})
    assert translated(await frames_for(early, 1.0))

    late = WebsocketCommunicator(application, f"/ws/rooms/{room.slug}/?lang=es")
    late.scope["user"] = AnonymousUser()
    assert (await late.connect())[0]
    frames = await frames_for(late, 1.0)
    assert frames[0]["type"] == "room.snapshot"
    line = frames[0]["chat"][-1]
    assert [(f["message_id"], f["text"]) for f in translated(frames)] == [
        (line["id"], "¿Es de seda?")
    ]
    chinese_late = await connect(room, query="?lang=zh-hans")
    assert translated(await frames_for(chinese_late, 0.5)) == []  # nothing for zh-hans yet
    for communicator in (early, talker, late, chinese_late):
        await communicator.disconnect()


async def test_a_burst_of_lines_queues_one_job_that_translates_them_all(
    room_world: tuple[CatalogWorld, LiveRoom], libre: FakeServer, monkeypatch: Any
) -> None:
    """A Celery publish per line cost the web process ~0.13 of a core at 50 lines/s (the
    chat fan-out benchmark): a burst queues one job per room instead."""
    from asgiref.sync import sync_to_async

    from liverooms.rooms.services import chat_post
    from support.translation import tasks
    from support.translation.chat import room_chat_translate_pending

    world, room = room_world
    viewer = await connect(room, query="?lang=es")
    queued: list[tuple[Any, float]] = []
    monkeypatch.setattr(
        tasks.translate_room_chat,
        "apply_async",
        lambda args, countdown: queued.append((args, countdown)),
    )

    def burst() -> list[int]:
        texts = ("Is it silk?", "Which sizes?", "Thanks!")
        return [chat_post(room=room, user=world.shopper, text=text)["id"] for text in texts]

    ids = await sync_to_async(burst)()
    assert [args for args, _countdown in queued] == [(room.pk,)]  # one job for the burst
    assert await sync_to_async(room_chat_translate_pending)(room_id=room.pk) == sorted(ids)
    frames = translated(await frames_for(viewer, 1.0))
    assert sorted(f["message_id"] for f in frames) == sorted(ids)
    assert libre.translations("es") == 3
    # Each line keeps its translation and detected language (the replay shows them).
    first = await ChatMessage.objects.aget(pk=ids[0])
    assert (first.language, first.translations) == ("en", {"es": "¿Es de seda?"})
    # The job dropped its flag: the next line queues the next job.
    await sync_to_async(chat_post)(room=room, user=world.shopper, text="One more")
    assert len(queued) == 2
    await viewer.disconnect()
