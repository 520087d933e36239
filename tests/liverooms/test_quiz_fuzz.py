"""Fuzzed ``quiz.answer`` messages (test_room_fuzz.py style): only known events come back,
each shopper gets at most one answer taken (the one acknowledged), foreign or junk ids are
refused, and the room keeps answering everyone."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.quizzes import live
from liverooms.quizzes.models import Answer, QuestionRun
from liverooms.quizzes.services import quiz_question_launch, quiz_question_reveal, quiz_start
from liverooms.realtime.events import sync_client
from liverooms.realtime.protocol import OUTBOUND_TYPES
from tests.factories import build_world, make_user
from tests.liverooms.quiz_helpers import make_live_room, make_quiz
from tests.liverooms.test_room_socket import connect, receive_until

ERROR_CODES = {
    "invalid_message",
    "rate_limited",
    "quiz_not_found",
    "quiz_already_answered",
    "quiz_closed",
    "unknown_type",
    "invalid_json",
}
junk = st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=8)
ids = (
    st.sampled_from(["real", "other", "right", "wrong", "foreign"]) | st.integers(-5, 2**40) | junk
)


@pytest.fixture
def quiz_room(transactional_db):  # type: ignore[no-untyped-def]
    world = build_world()
    room = make_live_room(world.shop_a, "quiz-fuzz")
    other_room = make_live_room(world.shop_a, "quiz-fuzz-other")
    quiz_set = make_quiz(world.shop_a, time_limit=300)
    quiz_start(room=other_room, quiz_set_id=make_quiz(world.shop_a).pk, actor=world.host_a)
    other = quiz_question_launch(room=other_room, actor=world.host_a)
    quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
    question_run = quiz_question_launch(room=room, actor=world.host_a)
    options = list(question_run.question.options.all())
    names = {
        "real": question_run.pk,
        "other": other.pk,
        "right": next(o.pk for o in options if o.is_correct),
        "wrong": next(o.pk for o in options if not o.is_correct),
        "foreign": other.question.options.first().pk,
    }
    return world, room, question_run, names


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    batch=st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["quiz.answer", "quiz.answer", "quiz.answers", "quiz"])},
            optional={
                "question_run": ids,
                "option": ids,
                "ref": st.text(max_size=10) | junk,
                "extra": junk,
            },
        ),
        min_size=1,
        max_size=8,
    )
)
def test_fuzzed_answers_take_at_most_one_answer_per_shopper(quiz_room, batch) -> None:  # type: ignore[no-untyped-def]
    _world, room, question_run, names = quiz_room

    def resolve(value: object) -> object:
        return names.get(value, value) if isinstance(value, str) else value

    async def scenario() -> None:
        from channels.db import database_sync_to_async
        from django.db import connections

        try:
            shopper = await sync_to_async(make_user)()
            fuzzer = await connect(room, shopper)
            bystander = await connect(room)
            await receive_until(fuzzer, "room.snapshot")
            await receive_until(bystander, "room.snapshot")
            for message in batch:
                message = {key: resolve(value) for key, value in message.items()}
                await fuzzer.send_to(text_data=json.dumps(message))
            await fuzzer.send_json_to({"type": "ping", "ref": "alive"})
            acks = []
            while True:
                frame = json.loads(await fuzzer.receive_from(timeout=5))
                assert frame["type"] in OUTBOUND_TYPES
                if frame["type"] == "error":
                    assert frame["code"] in ERROR_CODES, frame
                if frame["type"] == "quiz.answered":
                    acks.append(frame)
                if frame.get("ref") == "alive":
                    break
            assert len(acks) <= 1
            taken = sync_client().hget(live._keys(question_run.pk)[1], shopper.pk)
            if acks:
                assert acks[0]["question_run"] == question_run.pk
                assert acks[0]["option"] in (names["right"], names["wrong"])
                assert taken.split(":")[0] == str(acks[0]["option"])
            else:
                assert taken is None
            await bystander.send_json_to({"type": "ping", "ref": "me-too"})
            assert (await receive_until(bystander, "pong"))["ref"] == "me-too"
            await fuzzer.disconnect()
            await bystander.disconnect()
        finally:
            await database_sync_to_async(connections.close_all)()

    asyncio.run(scenario())


def test_fuzzed_answers_are_stored_once_at_the_reveal(quiz_room) -> None:  # type: ignore[no-untyped-def]
    # The Redis side is checked above; here the reveal stores what was taken and no more.
    world, room, question_run, names = quiz_room
    shopper = make_user()
    from tests.liverooms.quiz_helpers import submit

    right = question_run.question.options.get(pk=names["right"])
    assert submit(question_run, shopper, right) == live.Outcome.ACCEPTED
    assert submit(question_run, shopper, right) == live.Outcome.ALREADY_ANSWERED
    quiz_question_reveal(room=room, actor=world.host_a)
    quiz_question_reveal(room=room, actor=world.host_a)
    assert Answer.objects.filter(question_run=question_run).count() == 1
    assert QuestionRun.objects.get(pk=names["other"]).revealed_at is None  # the other room's
