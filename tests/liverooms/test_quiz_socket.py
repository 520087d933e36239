"""quiz.answer on the room socket (Channels' WebsocketCommunicator, real Redis and DB): the
ack goes to the sender only, one answer per shopper, clear errors, the question in the
snapshot for a late joiner, quiz events in order for everyone."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from config.routing import websocket_urlpatterns
from liverooms.quizzes.models import Answer, Reward
from liverooms.quizzes.services import quiz_question_launch, quiz_question_reveal, quiz_start
from liverooms.realtime.protocol import OUTBOUND_TYPES
from tests.factories import build_world, make_user
from tests.liverooms.quiz_helpers import make_live_room, make_quiz, options_of

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
application = URLRouter(websocket_urlpatterns)


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_db_connections():  # type: ignore[no-untyped-def]
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


async def connect(slug: str, user: Any = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{slug}/")
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def until(communicator: WebsocketCommunicator, kind: str, timeout: float = 3.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await communicator.receive_from(timeout=timeout))
            assert frame["type"] in OUTBOUND_TYPES, frame
            if frame["type"] == kind:
                return frame


async def test_answer_ack_errors_snapshot_and_reveal() -> None:
    world = await sync_to_async(build_world)()
    room = await sync_to_async(make_live_room)(world.shop_a)
    quiz_set = await sync_to_async(make_quiz)(world.shop_a, rule="every_correct")
    ana, ben = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    anonymous = await connect(room.slug)
    first = await until(anonymous, "room.snapshot")
    assert first["quiz"] is None
    await sync_to_async(quiz_start)(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
    assert (await until(anonymous, "quiz.started"))["quiz"]["questions"] == 2
    question_run = await sync_to_async(quiz_question_launch)(room=room, actor=world.host_a)
    right, wrong = await sync_to_async(options_of)(question_run)
    question = await until(anonymous, "quiz.question")
    assert question["question"]["id"] == question_run.pk
    assert question["question"]["texts"]["zh-hans"] == "这条裙子是什么面料？"
    assert question["question"]["deadline"] > question["now"]
    assert {o["id"] for o in question["question"]["options"]} == {right.pk, wrong.pk}
    assert "correct" not in question["question"] and "is_correct" not in json.dumps(question)

    # A late joiner sees the question in the snapshot, without the answer
    shopper = await connect(room.slug, ana)
    snapshot = await until(shopper, "room.snapshot")
    assert snapshot["quiz"]["question"]["id"] == question_run.pk
    assert "correct" not in snapshot["quiz"]["question"]
    assert abs(snapshot["quiz"]["now"] - time.time()) < 5
    other = await connect(room.slug, ben)
    await until(other, "room.snapshot")

    await anonymous.send_json_to(
        {"type": "quiz.answer", "ref": "a0", "question_run": question_run.pk, "option": right.pk}
    )
    assert (await until(anonymous, "error"))["code"] == "auth_required"
    answer = {"type": "quiz.answer", "question_run": question_run.pk, "option": right.pk}
    await shopper.send_json_to({**answer, "ref": "a1"})
    ack = await until(shopper, "quiz.answered")
    assert ack["ref"] == "a1" and ack["option"] == right.pk and "seq" not in ack
    await shopper.send_json_to({**answer, "option": wrong.pk, "ref": "a2"})
    again = await until(shopper, "error")
    assert again["code"] == "quiz_already_answered" and again["ref"] == "a2"
    await other.send_json_to({**answer, "option": wrong.pk, "ref": "b1"})
    assert (await until(other, "quiz.answered"))["ref"] == "b1"
    for bad, code in [
        ({**answer, "question_run": question_run.pk + 999}, "quiz_not_found"),
        ({**answer, "option": wrong.pk + 999}, "quiz_not_found"),
        ({**answer, "option": "12"}, "invalid_message"),
        ({**answer, "question_run": 0}, "invalid_message"),
    ]:
        await other.send_json_to(bad)
        assert (await until(other, "error"))["code"] == code, bad
    progress = await until(anonymous, "quiz.progress")  # within a second, for the host
    assert progress == {**progress, "question_run": question_run.pk, "answers": 2}

    await sync_to_async(quiz_question_reveal)(room=room, actor=world.host_a)
    revealed = await until(anonymous, "quiz.revealed")
    assert revealed["question"]["correct"] == right.pk
    assert revealed["question"]["distribution"] == {str(right.pk): 1, str(wrong.pk): 1}
    assert [row["user_id"] for row in revealed["leaderboard"]] == [ana.pk]
    winners = await until(shopper, "quiz.winners")
    assert winners["user_ids"] == [ana.pk] and winners["count"] == 1
    await shopper.send_json_to({**answer, "ref": "late"})
    assert (await until(shopper, "error"))["code"] == "quiz_closed"
    # The ack was for its sender only: the other sockets never saw one
    for communicator in (anonymous, other):
        while not await communicator.receive_nothing(timeout=0.2):
            assert json.loads(await communicator.receive_from())["type"] != "quiz.answered"
    assert await sync_to_async(Answer.objects.count)() == 2
    assert await sync_to_async(Reward.objects.filter(user=ana).count)() == 1
    for communicator in (anonymous, shopper, other):
        await communicator.disconnect()
