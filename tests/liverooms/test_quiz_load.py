"""1,000 quiz answers over real WebSockets behind the shipped web server (two uvicorn
processes, real PostgreSQL/SQLite and Redis): each counted exactly once, a re-sent answer
refused, late answers refused, exactly one coupon per correct answer, even when the reward job
is retried."""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from typing import Any

import pytest
import websockets
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from liverooms.quizzes import live
from liverooms.quizzes.models import Answer, QuestionRun, Reward
from liverooms.quizzes.services import (
    quiz_question_launch,
    quiz_question_reveal,
    quiz_rewards_issue,
    quiz_start,
)
from liverooms.realtime.events import sync_client
from shop.accounts.models import User
from shop.vouchers.models import Voucher
from tests.factories import build_world
from tests.liverooms.quiz_helpers import make_live_room, make_quiz
from tests.servers import web_server  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)

SHOPPERS = int(os.environ.get("QUIZ_LOAD_SHOPPERS", 1000))
LATE = 20
BATCH = 250  # sockets opened at once


def _sessions(count: int) -> list[tuple[User, str]]:
    """``count`` shoppers signed in, made in bulk (one password hash, one insert each table)."""
    password = make_password("load-pass")
    users = User.objects.bulk_create(
        User(username=f"load{n}@example.test", email=f"load{n}@example.test", password=password)
        for n in range(count)
    )
    users = list(User.objects.filter(username__startswith="load").order_by("pk"))
    auth_hash = users[0].get_session_auth_hash()  # the same password hash: the same value
    store = SessionStore()
    expiry = timezone.now() + timezone.timedelta(hours=1)
    sessions = []
    for user in users:
        key = store._get_new_session_key()
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": auth_hash,
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expiry)
        )
    Session.objects.bulk_create(sessions, batch_size=500)
    return list(zip(users, [s.session_key for s in sessions], strict=True))


async def _until(socket: Any, kind: str, timeout: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await socket.recv())
            if frame["type"] in (kind, "error"):
                return frame


def test_a_thousand_answers_count_once_and_pay_exactly(web_server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = build_world()
    room = make_live_room(world.shop_a, "quiz-load")
    quiz_set = make_quiz(world.shop_a, rule="every_correct", time_limit=8)
    shoppers = _sessions(SHOPPERS + LATE)
    servers = [web_server(), web_server()]
    question: dict[str, Any] = {}
    chosen: dict[int, int] = {}
    results: Counter[str] = Counter()

    async def shopper(index: int, user: User, session: str, sockets: list[Any]) -> None:
        server = servers[index % len(servers)]
        socket = await websockets.connect(
            f"ws://{server}/ws/rooms/{room.slug}/",
            additional_headers={"Origin": f"http://{server}", "Cookie": f"sessionid={session}"},
            open_timeout=60,
        )
        snapshot = await _until(socket, "room.snapshot")
        assert snapshot["you"]["signed_in"], snapshot
        sockets.append((user, socket))

    async def answer(user: User, socket: Any) -> None:
        option = random.choice(question["options"])["id"]
        chosen[user.pk] = option
        message = {"type": "quiz.answer", "question_run": question["id"], "option": option}
        await socket.send(json.dumps({**message, "ref": "first"}))
        reply = await _until(socket, "quiz.answered")
        results[reply["type"] if reply["type"] != "error" else f"error:{reply['code']}"] += 1
        await socket.send(json.dumps({**message, "ref": "again"}))  # a client retry
        results[(await _until(socket, "error")).get("code", "?")] += 1

    async def scenario() -> float:
        sockets: list[tuple[User, Any]] = []
        for start in range(0, len(shoppers), BATCH):
            batch = shoppers[start : start + BATCH]
            await asyncio.gather(
                *(shopper(start + n, user, key, sockets) for n, (user, key) in enumerate(batch))
            )
        on_time = [pair for pair in sockets if pair[0].pk not in late_ids]
        late = [pair for pair in sockets if pair[0].pk in late_ids]
        await asyncio.to_thread(start_question)
        began = time.monotonic()
        await asyncio.gather(*(answer(user, socket) for user, socket in on_time))
        took = time.monotonic() - began
        remaining = question["deadline"] - time.time()
        await asyncio.sleep(max(0.0, remaining) + 0.2)  # the server's deadline passes
        for _user, socket in late:
            option = question["options"][0]["id"]
            await socket.send(
                json.dumps(
                    {"type": "quiz.answer", "question_run": question["id"], "option": option}
                )
            )
            results["late:" + (await _until(socket, "error")).get("code", "?")] += 1
        for _user, socket in sockets:
            await socket.close()
        return took

    late_ids = {user.pk for user, _key in shoppers[SHOPPERS:]}

    def start_question() -> None:
        quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
        run = quiz_question_launch(room=room, actor=world.host_a)
        options = list(run.question.options.values("id", "is_correct"))
        question.update(
            id=run.pk,
            options=options,
            deadline=run.deadline.timestamp(),
            correct={o["id"] for o in options if o["is_correct"]},
        )

    took = asyncio.run(scenario())
    print(f"\n{SHOPPERS} answers acknowledged in {took:.2f} s")
    assert results["quiz.answered"] == SHOPPERS, results
    assert results["quiz_already_answered"] == SHOPPERS
    assert results["late:quiz_closed"] == LATE
    taken = sync_client().hlen(live._keys(question["id"])[1])
    assert taken == SHOPPERS, "answers held in Redis before the reveal"
    quiz_question_reveal(room=room, actor=world.host_a)  # stores answers, issues rewards
    run = QuestionRun.objects.get(pk=question["id"])
    assert Answer.objects.filter(question_run=run).count() == SHOPPERS
    assert run.distribution == {str(k): v for k, v in Counter(chosen.values()).items()}
    stored = dict(Answer.objects.filter(question_run=run).values_list("user_id", "option_id"))
    assert stored == chosen
    winners = sorted(user for user, option in chosen.items() if option in question["correct"])
    codes = Voucher.objects.filter(template=quiz_set.reward_voucher)
    assert sorted(codes.values_list("owner_id", flat=True)) == winners
    # A retried reward job, a second reveal: still one code per winner
    assert quiz_rewards_issue(question_run_id=run.pk) == []
    quiz_question_reveal(room=room, actor=world.host_a)
    assert codes.count() == len(winners) == Reward.objects.count()
    assert len(set(codes.values_list("code", flat=True))) == len(winners)
