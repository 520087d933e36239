"""``quiz.answer`` on the room socket: no database on this path (one Redis script per answer).

The ack (``quiz.answered``) goes to the sender only. The room hears the number of answers as
``quiz.progress`` at most once a second (one publish per room, whichever process wins the
slot), always including answers up to a second before it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liverooms.quizzes import live
from liverooms.quizzes.live import Outcome
from liverooms.realtime import events
from liverooms.realtime.protocol import ErrorCode, QuizAnswer
from liverooms.rooms.models import RoomStatus

if TYPE_CHECKING:
    from liverooms.rooms.consumers import RoomConsumer

PROGRESS_EVERY = 1.0  # seconds
_progress_tasks: set[asyncio.Task[None]] = set()

REFUSALS = {
    Outcome.NOT_FOUND: (ErrorCode.QUIZ_NOT_FOUND, gettext_lazy("No such question in this room.")),
    Outcome.BAD_OPTION: (
        ErrorCode.QUIZ_NOT_FOUND,
        gettext_lazy("No such option for this question."),
    ),
    Outcome.CLOSED: (ErrorCode.QUIZ_CLOSED, gettext_lazy("Time is up: this question is closed.")),
    Outcome.ALREADY_ANSWERED: (
        ErrorCode.QUIZ_ALREADY_ANSWERED,
        gettext_lazy("You have already answered."),
    ),
}


async def quiz_socket_message(consumer: RoomConsumer, message: QuizAnswer) -> None:
    room = consumer.room
    assert room is not None
    if not consumer.signed_in:
        await consumer._refuse(ErrorCode.AUTH_REQUIRED, _("Sign in to answer."), message.ref)
        return
    if room.status != RoomStatus.LIVE:
        await consumer._refuse(ErrorCode.ROOM_NOT_LIVE, _("The room is not live."), message.ref)
        return
    outcome, _count = await live.answer_submit(
        consumer.hub.redis,
        question_run_id=message.question_run,
        room_id=room.pk,
        user_id=consumer.user.pk,
        option_id=message.option,
    )
    if outcome != Outcome.ACCEPTED:
        code, text = REFUSALS[outcome]
        await consumer._refuse(code, str(text), message.ref)
        return
    ack = {
        "type": "quiz.answered",
        "ref": message.ref,
        "question_run": message.question_run,
        "option": message.option,
        "now": time.time(),
    }
    await consumer.send(text_data=json.dumps(ack))
    redis = consumer.hub.redis
    if await redis.set(live.progress_key(message.question_run), 1, nx=True, px=1000):
        task = asyncio.create_task(_publish_progress(redis, room.pk, message.question_run))
        _progress_tasks.add(task)
        task.add_done_callback(_progress_tasks.discard)


async def _publish_progress(redis: object, room_id: int, question_run_id: int) -> None:
    await asyncio.sleep(PROGRESS_EVERY)
    count = await live.answer_count(redis, question_run_id)  # type: ignore[arg-type]
    await events.apublish(
        redis,  # type: ignore[arg-type]
        room_id,
        "quiz.progress",
        {"question_run": question_run_id, "answers": count},
    )
