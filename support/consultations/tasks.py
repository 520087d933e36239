"""Celery tasks for consultations: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from support.consultations.booking_emails import booking_email_send
from support.consultations.services import holds_release_expired
from support.consultations.services.deposits import booking_deposit_refund
from support.consultations.services.reminders import reminders_send_due


@shared_task()
def release_expired_holds() -> int:
    return holds_release_expired()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_booking_email(booking_id: int, kind: str, sequence: int = 0) -> bool:
    return booking_email_send(booking_id=booking_id, kind=kind, sequence=sequence)


@shared_task()
def send_due_reminders() -> int:
    return reminders_send_due()


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=5)
def refund_booking_deposit(booking_id: int) -> bool:
    return booking_deposit_refund(booking_id=booking_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_call_summary(booking_id: int) -> bool:
    """The summary e-mail after a consultation call (sent once: ``summary_sent_at``)."""
    from support.consultations.services.calls import call_summary_send

    return call_summary_send(booking_id=booking_id)


@shared_task()
def complete_overdue_calls() -> int:
    """Calls that took place but were never ended get completed (and their summary sent)."""
    from support.consultations.services.calls import calls_complete_overdue

    return calls_complete_overdue()
