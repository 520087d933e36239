"""Builders for quiz tests: real rows, and answers through the real Redis script."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
from django.conf import settings

from liverooms.quizzes import live
from liverooms.quizzes.live import Outcome
from liverooms.quizzes.models import Option, Question, QuestionRun, QuizSet
from liverooms.rooms.models import LiveRoom
from shop.accounts.models import User
from shop.shops.models import Shop
from tests import factories
from tests.factories import make_voucher

QUESTIONS = [
    (
        {
            "en": "Which fabric is the dress?",
            "zh-hans": "这条裙子是什么面料？",
            "es": "¿De qué tela?",
        },
        [({"en": "Silk", "zh-hans": "真丝", "es": "Seda"}, True), ({"en": "Wool"}, False)],
    ),
    (
        {"en": "How many colours?", "ar": "كم لونا؟"},
        [({"en": "One"}, False), ({"en": "Two"}, False), ({"en": "Three"}, True)],
    ),
]


def make_quiz(
    shop: Shop, *, rule: str = "every_correct", count: int = 3, time_limit: int = 20
) -> QuizSet:
    voucher = make_voucher(shop, f"QUIZ{QuizSet.objects.count()}", percentage="15")
    quiz_set = QuizSet.objects.create(
        shop=shop, title="Fabric quiz", reward_rule=rule, reward_count=count, reward_voucher=voucher
    )
    for position, (texts, options) in enumerate(QUESTIONS):
        question = Question.objects.create(
            quiz_set=quiz_set, position=position, texts=texts, time_limit_seconds=time_limit
        )
        for index, (option_texts, correct) in enumerate(options):
            Option.objects.create(
                question=question, position=index, texts=option_texts, is_correct=correct
            )
    return quiz_set


def make_live_room(shop: Shop, slug: str = "quiz-show") -> LiveRoom:
    return factories.make_live_room(shop, slug, title="Quiz show")


def options_of(question_run: QuestionRun) -> tuple[Option, Option]:
    """(correct option, a wrong option) of the question run's question."""
    options = list(question_run.question.options.all())
    return next(o for o in options if o.is_correct), next(o for o in options if not o.is_correct)


def submit(question_run: QuestionRun, user: User, option: Option) -> Outcome:
    """One answer through the socket path's Redis script (from synchronous test code)."""

    async def run() -> Outcome:
        client = aioredis.Redis.from_url(settings.REALTIME_REDIS_URL, decode_responses=True)
        try:
            outcome, _count = await live.answer_submit(
                client,
                question_run_id=question_run.pk,
                room_id=question_run.quiz_run.room_id,
                user_id=user.pk,
                option_id=option.pk,
            )
        finally:
            await client.aclose()
        return outcome

    return asyncio.run(run())
