"""Celery tasks for gifts: the trailing board publish, and live PK scores on a tick."""

from __future__ import annotations

from celery import shared_task


@shared_task
def publish_gift_boards(room_id: int) -> None:
    """The trailing publish after a burst of gifts (see gift_boards_changed)."""
    from liverooms.gifts.services import gift_boards_publish
    from liverooms.realtime import events

    events.sync_client().delete(events.key(room_id, "gift_boards_trailing"))
    gift_boards_publish(room_id)


@shared_task
def tick_pk_scores() -> int:
    """Beat, every 2 s: running battles' scores when likes moved them."""
    from liverooms.gifts.pk_score import pk_scores_tick

    return pk_scores_tick()
