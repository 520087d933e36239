"""Celery tasks for replays: thin adapters over liverooms.replays.services."""

from __future__ import annotations

from celery import Task, shared_task

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def process_replay(self: Task, replay_id: int) -> str:
    """Queued on commit when a show's recording finished. Safe to run twice or after a killed
    run (acks_late: a lost worker's job is delivered again): see services.replay_process.
    Another run holding the lease means: come back when it would have expired."""
    from liverooms.replays.services import ReplayBusy, replay_process

    try:
        return replay_process(replay_id=replay_id).status
    except ReplayBusy as busy:
        raise self.retry(countdown=max(1.0, busy.retry_in + 1)) from busy


@shared_task(acks_late=True)
def regenerate_poster(replay_id: int) -> None:
    """The merchant chose another cover frame."""
    from liverooms.replays.services import replay_regenerate_poster

    replay_regenerate_poster(replay_id=replay_id)


@shared_task(acks_late=True)
def schedule_missing_replays() -> int:
    """Beat: ended shows with recordings whose replay was never queued get one."""
    from liverooms.replays.services import replays_schedule_missing

    return replays_schedule_missing()


@shared_task(acks_late=True)
def purge_unpublished_replays() -> int:
    """Beat, hourly: unpublished replays and recordings past REPLAY_RETENTION_DAYS go."""
    from liverooms.replays.services import replays_purge_unpublished

    return replays_purge_unpublished()
