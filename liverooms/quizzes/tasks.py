"""Celery tasks for quizzes: thin, idempotent (rewards are issued once per winner)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def issue_quiz_rewards(
    *, quiz_run_id: int | None = None, question_run_id: int | None = None
) -> int:
    from liverooms.quizzes.services import quiz_rewards_issue

    return len(quiz_rewards_issue(quiz_run_id=quiz_run_id, question_run_id=question_run_id))
