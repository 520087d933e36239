"""Celery tasks for live media: timed closes of PK invitations and battles."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def expire_pk_battle(battle_id: int) -> bool:
    """Queued with an ETA at the invitation's expiry and at the battle's end. Running early
    (eager mode, clock skew) changes nothing: the reads treat a battle past its time as
    closed, and the periodic sweep closes it."""
    from liverooms.media.pk import pk_expire

    return pk_expire(battle_id=battle_id)


@shared_task(acks_late=True)
def expire_due_pk_battles() -> int:
    """Beat, every 15 s: close invitations and battles whose timed job was lost or late."""
    from liverooms.media.pk import pk_expire_due

    return pk_expire_due()
