"""Running a quiz in a live room: start, launch a question, reveal it, end; and rewards.

Answers are taken in Redis (``liverooms.quizzes.live``) while a question is open; the reveal
closes the question there and writes every answer to the database at once. Rewards are
single-use coupon codes (``voucher_generate_codes``) issued once per winner: the ``Reward``
row's unique constraints and the code are created in one transaction, so a retried task or a
repeated reveal/end finds the existing reward and issues nothing.

Events (``liverooms.realtime.events``, on commit): ``quiz.started``, ``quiz.question``,
``quiz.revealed``, ``quiz.winners``, ``quiz.ended``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.quizzes import live
from liverooms.quizzes.models import (
    Answer,
    QuestionRun,
    QuizRun,
    QuizSet,
    Reward,
    RewardRule,
)
from liverooms.quizzes.selectors import (
    leaderboard,
    question_payload,
    quiz_payload,
    quiz_set_problems,
)
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import access_room_moderation, display_name
from liverooms.rooms.services import RoomError
from shop.accounts.models import User
from shop.vouchers.services import voucher_generate_codes

WINNER_NAMES = 20  # names shown in the room's notice; every winner's id is listed


class QuizError(RoomError):
    """A refused quiz action; ``code`` is stable (docs/protocol.md)."""


def _open_run_locked(room: LiveRoom) -> QuizRun:
    quiz_run = (
        QuizRun.objects.select_for_update()
        .select_related("quiz_set")
        .filter(room=room, ended_at__isnull=True)
        .first()
    )
    if quiz_run is None:
        raise QuizError(_("No quiz is running in this room."), "quiz_not_running")
    return quiz_run


def _require_live(room: LiveRoom) -> None:
    if LiveRoom.objects.filter(pk=room.pk, status=RoomStatus.LIVE).exists():
        return
    raise QuizError(_("The room is not live."), "room_not_live")


def quiz_start(*, room: LiveRoom, quiz_set_id: int, actor: User) -> QuizRun:
    """Start a quiz set of the room's shop in the live room (one quiz at a time).
    Publishes ``quiz.started``."""
    access_room_moderation(actor, room)
    _require_live(room)
    quiz_set = QuizSet.objects.filter(pk=quiz_set_id, shop_id=room.shop_id).first()
    if quiz_set is None:
        raise QuizError(_("This shop has no such quiz."), "quiz_not_found")
    if quiz_set_problems(quiz_set):
        raise QuizError(
            _("This quiz is not ready: each question needs a text and 2-4 options, one correct."),
            "quiz_invalid",
        )
    try:
        with transaction.atomic():
            quiz_run = QuizRun.objects.create(room=room, quiz_set=quiz_set, started_by=actor)
            events.publish_on_commit(room.pk, "quiz.started", {"quiz": quiz_payload(quiz_run)})
    except IntegrityError as running:
        raise QuizError(_("A quiz is already running."), "quiz_running") from running
    return quiz_run


@transaction.atomic
def quiz_question_launch(*, room: LiveRoom, actor: User) -> QuestionRun:
    """Put the quiz's next question to the room. The previous one must have been revealed.
    Locks the quiz run. Publishes ``quiz.question`` (with the server's ``now``)."""
    access_room_moderation(actor, room)
    _require_live(room)
    quiz_run = _open_run_locked(room)
    runs = list(quiz_run.question_runs.all())
    if any(run.revealed_at is None for run in runs):
        raise QuizError(_("Reveal the current question first."), "quiz_question_open")
    asked = {run.question_id for run in runs}
    questions = quiz_run.quiz_set.questions.prefetch_related("options")
    question = next((q for q in questions if q.pk not in asked), None)
    if question is None:
        raise QuizError(_("All questions have been asked."), "quiz_no_more_questions")
    now = timezone.now()
    limit = dt.timedelta(seconds=question.time_limit_seconds)
    question_run = QuestionRun.objects.create(
        quiz_run=quiz_run,
        question=question,
        number=len(runs) + 1,
        started_at=now,
        deadline=now + limit,
    )
    # Redis' clock decides lateness: the deadline everyone sees is the one it enforces.
    started_ms = live.question_open(
        question_run_id=question_run.pk,
        room_id=room.pk,
        time_limit_ms=question.time_limit_seconds * 1000,
        option_ids=[option.pk for option in question.options.all()],
    )
    question_run.started_at = dt.datetime.fromtimestamp(started_ms / 1000, tz=dt.UTC)
    question_run.deadline = question_run.started_at + limit
    question_run.save(update_fields=["started_at", "deadline"])
    payload = {
        "quiz": quiz_run.pk,
        "question": question_payload(question_run, total=len(questions)),
    }
    transaction.on_commit(
        lambda: events.publish_now(room.pk, "quiz.question", {**payload, "now": time.time()})
    )
    return question_run


def _reveal(quiz_run: QuizRun, question_run: QuestionRun) -> None:
    """Close the question, store its answers, publish ``quiz.revealed`` (caller holds the
    question run's row lock and checked it is not revealed yet)."""
    taken = live.question_close(question_run.pk)
    options = {option.pk: option for option in question_run.question.options.all()}
    users = set(User.objects.filter(pk__in={a.user_id for a in taken}).values_list("pk", flat=True))
    Answer.objects.bulk_create(
        [
            Answer(
                question_run=question_run,
                user_id=answer.user_id,
                option_id=answer.option_id,
                is_correct=options[answer.option_id].is_correct,
                elapsed_ms=answer.elapsed_ms,
            )
            for answer in taken
            if answer.option_id in options and answer.user_id in users
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    counts = (
        Answer.objects.filter(question_run=question_run)
        .values("option_id")
        .annotate(n=Count("id"))
        .values_list("option_id", "n")
    )
    question_run.distribution = {str(option): n for option, n in counts}
    question_run.revealed_at = timezone.now()
    question_run.save(update_fields=["distribution", "revealed_at"])
    total = quiz_run.quiz_set.questions.count()
    payload = {
        "quiz": quiz_run.pk,
        "question": question_payload(question_run, total=total),
        "leaderboard": leaderboard(quiz_run),
    }
    events.publish_on_commit(quiz_run.room_id, "quiz.revealed", payload)
    if quiz_run.quiz_set.reward_rule != RewardRule.TOP_N:
        _schedule_rewards(question_run_id=question_run.pk)


def _schedule_rewards(**target: int) -> None:
    from liverooms.quizzes.tasks import issue_quiz_rewards

    transaction.on_commit(lambda: issue_quiz_rewards.delay(**target))


@transaction.atomic
def quiz_question_reveal(*, room: LiveRoom, actor: User) -> QuestionRun:
    """Close the current question (early, or after its deadline) and publish the correct
    option and the distribution. Revealing twice does nothing the second time. Locks the
    quiz run and the question run. Schedules the per-question rewards."""
    access_room_moderation(actor, room)
    quiz_run = _open_run_locked(room)
    question_run = (
        QuestionRun.objects.select_for_update()
        .select_related("question")
        .filter(quiz_run=quiz_run)
        .order_by("-number")
        .first()
    )
    if question_run is None:
        raise QuizError(_("Launch a question first."), "quiz_no_question")
    if question_run.revealed_at is None:
        _reveal(quiz_run, question_run)
    return question_run


@transaction.atomic
def quiz_end(*, room: LiveRoom, actor: User | None) -> QuizRun:
    """End the room's quiz: reveal an open question, publish the final leaderboard
    (``quiz.ended``) and schedule the top-N rewards. Locks the quiz run."""
    if actor is not None:
        access_room_moderation(actor, room)
    quiz_run = _open_run_locked(room)
    open_runs = QuestionRun.objects.select_for_update().select_related("question")
    for question_run in open_runs.filter(quiz_run=quiz_run, revealed_at__isnull=True):
        _reveal(quiz_run, question_run)
    quiz_run.ended_at = timezone.now()
    quiz_run.save(update_fields=["ended_at"])
    events.publish_on_commit(
        room.pk, "quiz.ended", {"quiz": quiz_run.pk, "leaderboard": leaderboard(quiz_run)}
    )
    if quiz_run.quiz_set.reward_rule == RewardRule.TOP_N:
        _schedule_rewards(quiz_run_id=quiz_run.pk)
    return quiz_run


def quiz_end_for_room(*, room: LiveRoom) -> None:
    """The show ended (``room_end``): end its quiz too, as ``quiz_end`` does."""
    if QuizRun.objects.filter(room=room, ended_at__isnull=True).exists():
        quiz_end(room=room, actor=None)


def _winners(quiz_run: QuizRun, question_run: QuestionRun | None) -> list[int]:
    quiz_set = quiz_run.quiz_set
    if question_run is None:
        if quiz_set.reward_rule != RewardRule.TOP_N:
            return []
        return [row["user_id"] for row in leaderboard(quiz_run, limit=quiz_set.reward_count)]
    if quiz_set.reward_rule == RewardRule.TOP_N or question_run.revealed_at is None:
        return []
    correct = Answer.objects.filter(question_run=question_run, is_correct=True)
    correct = correct.order_by("elapsed_ms", "id")
    if quiz_set.reward_rule == RewardRule.FIRST_N:
        correct = correct[: quiz_set.reward_count]
    return list(correct.values_list("user_id", flat=True))


def quiz_rewards_issue(
    *, quiz_run_id: int | None = None, question_run_id: int | None = None
) -> list[Reward]:
    """Give each winner of a revealed question (every correct / first N) or of an ended quiz
    (top N) one single-use code of the quiz's reward voucher, owned by the winner. Idempotent:
    each reward row and its code are made in one transaction, and a winner who already has
    the reward is skipped (the unique constraints hold even under concurrent retries).
    Publishes ``quiz.winners`` with the new winners' names (never their codes)."""
    question_run = None
    if question_run_id is not None:
        question_run = QuestionRun.objects.select_related("quiz_run__quiz_set").get(
            pk=question_run_id
        )
        quiz_run = question_run.quiz_run
    else:
        quiz_run = QuizRun.objects.select_related("quiz_set").get(pk=quiz_run_id)
    template = quiz_run.quiz_set.reward_voucher
    issued: list[Reward] = []
    for user_id in _winners(quiz_run, question_run):
        with transaction.atomic():
            try:
                with transaction.atomic():
                    reward = Reward.objects.create(
                        quiz_run=quiz_run, question_run=question_run, user_id=user_id
                    )
            except IntegrityError:
                continue  # issued before (a retry, a second reveal or end)
            owner = User.objects.get(pk=user_id)
            [reward.voucher] = voucher_generate_codes(
                template=template, count=1, prefix="QZ", owner=owner
            )
            reward.save(update_fields=["voucher"])
            reward.user = owner
            issued.append(reward)
    if issued:
        payload: dict[str, Any] = {
            "quiz": quiz_run.pk,
            "question": question_run.pk if question_run else None,
            "count": len(issued),
            "names": [display_name(reward.user) for reward in issued[:WINNER_NAMES]],
            "user_ids": [reward.user_id for reward in issued],
        }
        events.publish_now(quiz_run.room_id, "quiz.winners", payload)
    return issued


def quiz_action(*, room: LiveRoom, action: str, data: dict[str, Any], actor: User) -> None:
    """The quiz part of the host console (``quiz_start`` with ``quiz_set``, ``quiz_launch``,
    ``quiz_reveal``, ``quiz_end``)."""
    if action == "quiz_start":
        if not data.get("quiz_set"):
            raise QuizError(_("Choose a quiz."), "quiz_not_found")
        quiz_start(room=room, quiz_set_id=data["quiz_set"], actor=actor)
    elif action == "quiz_launch":
        quiz_question_launch(room=room, actor=actor)
    elif action == "quiz_reveal":
        quiz_question_reveal(room=room, actor=actor)
    elif action == "quiz_end":
        quiz_end(room=room, actor=actor)
    else:
        raise QuizError(_("Unknown quiz action."), "invalid")
