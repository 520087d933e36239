"""Quizzes: the deadline, one answer per shopper, reward rules, rewards issued exactly once
(repeated reveal/end, retried and concurrent reward jobs), shop scoping of the console and
the admin. Real PostgreSQL/SQLite and Redis."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from liverooms.quizzes.live import Outcome
from liverooms.quizzes.models import Answer, QuestionRun, QuizRun, Reward
from liverooms.quizzes.services import (
    QuizError,
    quiz_end,
    quiz_question_launch,
    quiz_question_reveal,
    quiz_rewards_issue,
    quiz_start,
)
from liverooms.realtime import events
from shop.vouchers.models import Voucher
from tests.factories import CatalogWorld, make_user
from tests.liverooms.quiz_helpers import make_live_room, make_quiz, options_of, submit


def _room_events(room_id: int) -> list[dict]:
    import json

    frames = events.sync_client().lrange(events.key(room_id, "history"), 0, -1)
    return [json.loads(frame) for frame in frames]


@pytest.mark.django_db
def test_every_correct_answer_wins_one_code_and_nothing_twice(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = make_live_room(world.shop_a)
    quiz_set = make_quiz(world.shop_a, rule="every_correct")
    ana, ben, cai = make_user(), make_user(), make_user()
    with django_capture_on_commit_callbacks(execute=True):
        quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
        question_run = quiz_question_launch(room=room, actor=world.host_a)
    right, wrong = options_of(question_run)
    # When three shoppers answer, one of them twice, and someone names a foreign option
    assert submit(question_run, ana, right) == Outcome.ACCEPTED
    assert submit(question_run, ben, right) == Outcome.ACCEPTED
    assert submit(question_run, cai, wrong) == Outcome.ACCEPTED
    assert submit(question_run, ana, wrong) == Outcome.ALREADY_ANSWERED
    other = make_quiz(world.shop_a).questions.first().options.first()
    assert submit(question_run, make_user(), other) == Outcome.BAD_OPTION
    with django_capture_on_commit_callbacks(execute=True):
        quiz_question_reveal(room=room, actor=world.host_a)
    # Then the answers are stored once and the correct ones win a code each
    assert Answer.objects.filter(question_run=question_run).count() == 3
    assert Answer.objects.get(question_run=question_run, user=ana).option_id == right.pk
    codes = Voucher.objects.filter(template=quiz_set.reward_voucher)
    assert sorted(codes.values_list("owner_id", flat=True)) == sorted([ana.pk, ben.pk])
    assert all(code.usage_limit == 1 for code in codes)
    # And an answer after the reveal is refused as closed
    assert submit(question_run, make_user(), right) == Outcome.CLOSED
    # When the reveal, the reward job and the end are repeated
    with django_capture_on_commit_callbacks(execute=True):
        quiz_question_reveal(room=room, actor=world.host_a)
    assert quiz_rewards_issue(question_run_id=question_run.pk) == []
    with django_capture_on_commit_callbacks(execute=True):
        quiz_end(room=room, actor=world.host_a)
    with pytest.raises(QuizError) as again:
        quiz_end(room=room, actor=world.host_a)
    assert again.value.code == "quiz_not_running"
    # Then there are still exactly two codes
    assert codes.count() == 2 and Reward.objects.count() == 2
    kinds = [event["type"] for event in _room_events(room.pk)]
    assert kinds == ["quiz.started", "quiz.question", "quiz.revealed", "quiz.winners", "quiz.ended"]
    revealed = _room_events(room.pk)[2]
    assert revealed["question"]["correct"] == right.pk
    assert revealed["question"]["distribution"] == {str(right.pk): 2, str(wrong.pk): 1}
    winners = _room_events(room.pk)[3]
    assert sorted(winners["user_ids"]) == sorted([ana.pk, ben.pk])
    assert "code" not in str(winners) and codes.first().code not in str(winners)


@pytest.mark.django_db
def test_first_n_and_top_n_rules(world: CatalogWorld, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    room = make_live_room(world.shop_a)
    fast, slow, wrong_user = make_user(), make_user(), make_user()
    first_n = make_quiz(world.shop_a, rule="first_n", count=1)
    with django_capture_on_commit_callbacks(execute=True):
        quiz_start(room=room, quiz_set_id=first_n.pk, actor=world.host_a)
        question_run = quiz_question_launch(room=room, actor=world.host_a)
    right, wrong = options_of(question_run)
    submit(question_run, wrong_user, wrong)
    submit(question_run, fast, right)
    time.sleep(0.05)
    submit(question_run, slow, right)
    with django_capture_on_commit_callbacks(execute=True):
        quiz_question_reveal(room=room, actor=world.host_a)
        quiz_end(room=room, actor=world.host_a)
    assert list(Reward.objects.values_list("user_id", flat=True)) == [fast.pk]

    # Top N: rewards only when the quiz ends, by correct answers then time
    top_n = make_quiz(world.shop_a, rule="top_n", count=2)
    with django_capture_on_commit_callbacks(execute=True):
        run = quiz_start(room=room, quiz_set_id=top_n.pk, actor=world.host_a)
        first = quiz_question_launch(room=room, actor=world.host_a)
    submit(first, slow, options_of(first)[0])
    submit(first, fast, options_of(first)[1])
    submit(first, wrong_user, options_of(first)[0])
    with django_capture_on_commit_callbacks(execute=True):
        quiz_question_reveal(room=room, actor=world.host_a)
        second = quiz_question_launch(room=room, actor=world.host_a)
    submit(second, slow, options_of(second)[0])
    submit(second, fast, options_of(second)[1])
    assert not Reward.objects.filter(quiz_run=run).exists()
    with django_capture_on_commit_callbacks(execute=True):
        quiz_end(room=room, actor=world.host_a)  # reveals the open second question too
    assert QuestionRun.objects.get(pk=second.pk).revealed_at is not None
    winners = set(Reward.objects.filter(quiz_run=run).values_list("user_id", flat=True))
    assert winners == {slow.pk, wrong_user.pk}  # 2 correct, 1 correct; not 0 correct
    ended = [e for e in _room_events(room.pk) if e["type"] == "quiz.ended"][-1]
    assert [row["user_id"] for row in ended["leaderboard"]][:1] == [slow.pk]
    assert quiz_rewards_issue(quiz_run_id=run.pk) == []


@pytest.mark.django_db
def test_answers_after_the_server_deadline_are_refused(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = make_live_room(world.shop_a)
    quiz_set = make_quiz(world.shop_a, time_limit=1)
    with django_capture_on_commit_callbacks(execute=True):
        quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
        question_run = quiz_question_launch(room=room, actor=world.host_a)
    right, _wrong = options_of(question_run)
    assert submit(question_run, make_user(), right) == Outcome.ACCEPTED
    time.sleep(max(0, question_run.deadline.timestamp() - time.time()) + 0.05)
    assert submit(question_run, make_user(), right) == Outcome.CLOSED
    with pytest.raises(QuizError) as open_question:
        quiz_question_launch(room=room, actor=world.host_a)
    assert open_question.value.code == "quiz_question_open"


@pytest.mark.django_db(transaction=True)
def test_concurrent_reward_retries_issue_exactly_one_code_per_winner() -> None:
    from tests.factories import build_world

    world = build_world()
    room = make_live_room(world.shop_a)
    quiz_set = make_quiz(world.shop_a, rule="every_correct")
    quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
    question_run = quiz_question_launch(room=room, actor=world.host_a)
    right, _wrong = options_of(question_run)
    shoppers = [make_user() for _ in range(12)]
    for shopper in shoppers:
        submit(question_run, shopper, right)
    quiz_question_reveal(room=room, actor=world.host_a)  # issues once (eager task)

    def retry() -> int:
        try:
            return len(quiz_rewards_issue(question_run_id=question_run.pk))
        finally:
            connections.close_all()

    Reward.objects.all().delete()  # as if the job had crashed before committing anything
    Voucher.objects.filter(template=quiz_set.reward_voucher).delete()
    with ThreadPoolExecutor(max_workers=4) as pool:
        issued = list(pool.map(lambda _n: retry(), range(6)))
    assert sum(issued) == 12
    owners = list(
        Voucher.objects.filter(template=quiz_set.reward_voucher).values_list("owner_id", flat=True)
    )
    assert sorted(owners) == sorted(s.pk for s in shoppers)


@pytest.mark.django_db
def test_console_actions_are_scoped_to_the_shop(world: CatalogWorld) -> None:
    room = make_live_room(world.shop_a)
    own = make_quiz(world.shop_a)
    foreign = make_quiz(world.shop_b)
    url = reverse("rooms:host-action", args=[room.slug])
    outsider = Client()
    outsider.force_login(world.owner_b)
    assert outsider.post(url, {"action": "quiz_start", "quiz_set": own.pk}).status_code == 403
    host = Client()
    host.force_login(world.host_a)
    refused = host.post(url, {"action": "quiz_start", "quiz_set": foreign.pk})
    assert refused.status_code == 409 and refused.json()["code"] == "quiz_not_found"
    assert host.post(url, {"action": "quiz_start", "quiz_set": "x"}).status_code == 400
    assert host.post(url, {"action": "quiz_launch"}).json()["code"] == "quiz_not_running"
    assert not QuizRun.objects.exists()
    assert host.post(url, {"action": "quiz_start", "quiz_set": own.pk}).json() == {"ok": True}
    assert host.post(url, {"action": "quiz_reveal"}).json()["code"] == "quiz_no_question"
    assert host.post(url, {"action": "quiz_launch"}).json() == {"ok": True}
    assert host.post(url, {"action": "quiz_launch"}).json()["code"] == "quiz_question_open"
    assert (
        host.post(url, {"action": "quiz_start", "quiz_set": own.pk}).json()["code"]
        == "quiz_running"
    )


@pytest.mark.django_db
def test_admin_is_scoped_and_options_are_validated(world: CatalogWorld) -> None:
    own = make_quiz(world.shop_a)
    foreign = make_quiz(world.shop_b)
    client = Client()
    client.force_login(world.owner_a)
    listing = client.get(reverse("admin:quizzes_quizset_changelist")).content.decode()
    assert f"/{own.pk}/change/" in listing and f"/{foreign.pk}/change/" not in listing
    assert client.get(reverse("admin:quizzes_quizset_change", args=[foreign.pk])).status_code == 302
    form = client.get(reverse("admin:quizzes_quizset_add")).content.decode()
    assert own.reward_voucher.code in form and foreign.reward_voucher.code not in form
    question = own.questions.first()
    page = client.get(reverse("admin:quizzes_question_change", args=[question.pk])).content.decode()
    assert "这条裙子是什么面料？" in page and "Seda" in page
    # Given a question posted with one option and no correct answer
    data = {
        "quiz_set": own.pk,
        "position": 5,
        "text_en": "Is it washable?",
        "text_zh_hans": "可以水洗吗？",
        "time_limit_seconds": 15,
        "options-TOTAL_FORMS": 1,
        "options-INITIAL_FORMS": 0,
        "options-MIN_NUM_FORMS": 2,
        "options-MAX_NUM_FORMS": 4,
        "options-0-position": 0,
        "options-0-text_en": "Yes",
    }
    response = client.post(reverse("admin:quizzes_question_add"), data)
    assert response.status_code == 200 and not own.questions.filter(position=5).exists()
    # When it has two options, one correct
    data.update(
        {
            "options-TOTAL_FORMS": 2,
            "options-0-is_correct": "on",
            "options-1-position": 1,
            "options-1-text_en": "No",
        }
    )
    assert client.post(reverse("admin:quizzes_question_add"), data).status_code == 302
    added = own.questions.get(position=5)
    assert added.texts == {"en": "Is it washable?", "zh-hans": "可以水洗吗？"}
    assert [o.is_correct for o in added.options.all()] == [True, False]


@pytest.mark.django_db
def test_ending_the_show_ends_its_quiz_and_pays_the_top_n(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from liverooms.rooms.services import room_end

    room = make_live_room(world.shop_a)
    quiz_set = make_quiz(world.shop_a, rule="top_n", count=5)
    ana = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        quiz_start(room=room, quiz_set_id=quiz_set.pk, actor=world.host_a)
        question_run = quiz_question_launch(room=room, actor=world.host_a)
    submit(question_run, ana, options_of(question_run)[0])
    with django_capture_on_commit_callbacks(execute=True):
        room_end(room=room, actor=world.host_a)
    assert QuizRun.objects.get().ended_at is not None
    assert list(Reward.objects.values_list("user_id", flat=True)) == [ana.pk]
    assert submit(question_run, make_user(), options_of(question_run)[0]) == Outcome.CLOSED
