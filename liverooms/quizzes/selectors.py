"""Quiz reads: payloads for events and snapshots, the leaderboard, the host's quiz sets."""

from __future__ import annotations

import time
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from liverooms.quizzes.models import (
    MAX_OPTIONS,
    MIN_OPTIONS,
    Answer,
    QuestionRun,
    QuizRun,
    QuizSet,
    payload_texts,
)
from liverooms.rooms.models import LiveRoom
from liverooms.rooms.selectors import display_name
from shop.accounts.models import User

LEADERBOARD_SIZE = 10


def quiz_sets_for_room(room: LiveRoom) -> QuerySet[QuizSet]:
    """Quiz sets the room's shop has (the host console's picker)."""
    return QuizSet.objects.filter(shop_id=room.shop_id).order_by("title")


def quiz_set_problems(quiz_set: QuizSet) -> list[str]:
    """Why a quiz set cannot be played yet (empty when it can)."""
    problems = []
    questions = list(quiz_set.questions.prefetch_related("options"))
    if not questions:
        problems.append("no questions")
    for question in questions:
        options = list(question.options.all())
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            problems.append(f"question {question.pk}: 2-4 options")
        if sum(option.is_correct for option in options) != 1:
            problems.append(f"question {question.pk}: exactly one correct option")
        if not question.texts:
            problems.append(f"question {question.pk}: no text")
    return problems


def quiz_run_open(room: LiveRoom) -> QuizRun | None:
    return (
        QuizRun.objects.filter(room=room, ended_at__isnull=True).select_related("quiz_set").first()
    )


def question_run_current(quiz_run: QuizRun) -> QuestionRun | None:
    return (
        QuestionRun.objects.filter(quiz_run=quiz_run)
        .select_related("question")
        .order_by("-number")
        .first()
    )


def leaderboard(quiz_run: QuizRun, limit: int | None = LEADERBOARD_SIZE) -> list[dict[str, Any]]:
    """Shoppers with at least one correct answer to a revealed question: most correct first,
    then the least total time taken on their correct answers, then who joined earlier."""
    rows = (
        Answer.objects.filter(
            question_run__quiz_run=quiz_run, question_run__revealed_at__isnull=False
        )
        .values("user_id")
        .annotate(
            correct=Count("id", filter=Q(is_correct=True)),
            time_ms=Sum("elapsed_ms", filter=Q(is_correct=True)),
        )
        .filter(correct__gt=0)
        .order_by("-correct", "time_ms", "user_id")
    )
    rows = list(rows[:limit] if limit else rows)
    users = User.objects.in_bulk([row["user_id"] for row in rows])
    return [
        {
            "rank": rank,
            "user_id": row["user_id"],
            "name": display_name(users[row["user_id"]]),
            "correct": row["correct"],
            "time_ms": row["time_ms"] or 0,
        }
        for rank, row in enumerate(rows, start=1)
    ]


def question_payload(question_run: QuestionRun, *, total: int) -> dict[str, Any]:
    """What every viewer sees of a question: texts in all languages, options, the server's
    deadline (epoch seconds); after the reveal also the correct option and the distribution."""
    question = question_run.question
    options = list(question.options.all())
    payload: dict[str, Any] = {
        "id": question_run.pk,
        "number": question_run.number,
        "of": total,
        "texts": payload_texts(question.texts),
        "options": [{"id": o.pk, "texts": payload_texts(o.texts)} for o in options],
        "time_limit": question.time_limit_seconds,
        "deadline": question_run.deadline.timestamp(),
        "revealed": question_run.revealed_at is not None,
    }
    if question_run.revealed_at is not None:
        payload["correct"] = next(o.pk for o in options if o.is_correct)
        payload["distribution"] = {
            str(o.pk): question_run.distribution.get(str(o.pk), 0) for o in options
        }
        payload["answers"] = sum(payload["distribution"].values())
    return payload


def quiz_payload(quiz_run: QuizRun) -> dict[str, Any]:
    quiz_set = quiz_run.quiz_set
    total = quiz_set.questions.count()
    current = question_run_current(quiz_run)
    return {
        "id": quiz_run.pk,
        "title": quiz_set.title,
        "reward_rule": quiz_set.reward_rule,
        "reward_count": quiz_set.reward_count,
        "questions": total,
        "question": question_payload(current, total=total) if current else None,
        "leaderboard": leaderboard(quiz_run),
    }


def quiz_snapshot(room: LiveRoom) -> dict[str, Any] | None:
    """The room snapshot's ``quiz``: the open quiz with its current question (so a late joiner
    sees it), or None."""
    quiz_run = quiz_run_open(room)
    # ``now`` lets a late joiner's countdown follow the server's clock (signed-out viewers
    # share a snapshot that may be a few seconds old; they cannot answer anyway).
    return {**quiz_payload(quiz_run), "now": time.time()} if quiz_run else None
