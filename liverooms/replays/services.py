"""Replay writes: the room timeline, the replay job, merchant settings, publishing, deletion,
retention and analytics counters.

The job (``replay_process``) is idempotent and safe to retry:
* one replay per room (unique ``room``); a READY replay is never processed again;
* a run claims the replay under a row lock with a lease (``job_token``, ``lease_until``,
  renewed with each progress write); another run meanwhile is told to come back later
  (ReplayBusy), and a run whose lease was taken over (it was presumed dead) writes nothing;
* output goes to a scratch file named after the run, then to the replay's fixed storage names
  (replays/<id>/...), replacing what a killed run may have left there, and the row becomes
  READY in the same locked transaction; a failure marks it FAILED with the reason and keeps it
  unpublished. Scratch files of earlier runs of the same replay are removed at the start.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.media.models import Recording
from liverooms.replays import media
from liverooms.replays.models import (
    Replay,
    ReplayProductClick,
    ReplayStatus,
    RoomTimelineEvent,
    replay_storage,
)
from liverooms.rooms.models import FlashDeal, LiveRoom, RoomStatus
from liverooms.rooms.selectors import MODERATOR_ROLES, can_moderate
from shop.accounts.models import User
from shop.shops.selectors import shop_ids_for_user

logger = logging.getLogger(__name__)


class ReplayBusy(Exception):
    """Another run holds the replay's lease; try again after ``retry_in`` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"replay job running elsewhere; retry in {retry_in:.0f} s")
        self.retry_in = retry_in


class ReplaySuperseded(Exception):
    """This run's lease was taken over by another run (it was presumed dead): it stops and
    writes nothing; the other run's result stands."""


class ReplayError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# Timeline -----------------------------------------------------------------------------------


def timeline_record(
    *,
    room: LiveRoom,
    kind: str,
    product_id: int | None,
    deal: FlashDeal | None = None,
    at: dt.datetime | None = None,
) -> RoomTimelineEvent:
    """One timeline event, written in the caller's transaction (it commits with the pin or the
    deal it describes, or not at all)."""
    return RoomTimelineEvent.objects.create(
        room=room, kind=kind, product_id=product_id, deal=deal, at=at or timezone.now()
    )


# Queuing ------------------------------------------------------------------------------------


def replay_for_room(room: LiveRoom) -> Replay:
    """The room's replay row, made PENDING on first call (unique per room)."""
    replay = Replay.objects.filter(room=room).first()
    if replay is not None:
        return replay
    try:
        with transaction.atomic():
            return Replay.objects.create(
                shop_id=room.shop_id, room=room, slug=room.slug[:80], title=room.title
            )
    except IntegrityError:  # made by a concurrent call
        return Replay.objects.get(room=room)


def replay_schedule(*, room: LiveRoom) -> Replay | None:
    """A recording of ``room`` finished (called in relay_event_handle's transaction).

    While the show is live (a publisher left and may come back) nothing is queued: the room's
    close reports the rest and queues the job. Once the show ended the job is queued on commit,
    unless the replay is already READY (later recordings are kept but not merged; the admin's
    "rebuild" action does that)."""
    if room.status != RoomStatus.ENDED:
        return None
    replay = replay_for_room(room)
    if replay.status != ReplayStatus.READY:
        _queue(replay.pk)
    return replay


def replays_schedule_missing(*, now: dt.datetime | None = None) -> int:
    """Beat: a show that ended ``REPLAY_SWEEP_GRACE_MINUTES`` ago with recordings but no
    replay gets one queued. Normally the relay's room-close report queues it; this covers a
    relay that restarted or was unreachable when the room closed (its earlier reports, e.g. a
    publisher leaving, were stored while the room was still live). Returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.REPLAY_SWEEP_GRACE_MINUTES)
    rooms = LiveRoom.objects.filter(
        status=RoomStatus.ENDED, recordings__isnull=False, replay__isnull=True
    ).filter(Q(ended_at__lt=cutoff) | Q(ended_at__isnull=True))
    queued = 0
    for room in rooms.distinct():
        if replay_schedule(room=room) is not None:
            queued += 1
    return queued


def _queue(replay_id: int) -> None:
    from liverooms.replays.tasks import process_replay

    transaction.on_commit(lambda: process_replay.delay(replay_id))


# Choosing the tracks ------------------------------------------------------------------------


def _host_identities(room: LiveRoom, identities: Iterable[str]) -> set[str]:
    """Identities of users who run the room (its hosts and the shop's moderators)."""
    ids = {int(i[5:]): i for i in identities if i.startswith("user-") and i[5:].isdigit()}
    host_ids = set(room.hosts.values_list("pk", flat=True))
    return {
        identity
        for user in User.objects.filter(pk__in=ids)
        if (identity := ids[user.pk]) and (user.pk in host_ids or can_moderate(user, room))
    }


def replay_sources(room: LiveRoom) -> list[dict[str, Any]]:
    """The recorded files the replay is made of: the host's video and audio files.

    Rule: of all identities with recorded video in the room's recordings (every
    ``recording.finished`` of the room: a publisher leaving, a co-host removed, the close), the
    host is an identity of a user who runs the room (room host or shop moderator) — co-hosts
    are viewers and are left out; without one, any publisher. Of those, the one with the most
    recorded video seconds (then the earliest) is the replay; all their video and audio files
    (several when they reconnected) are used, placed by their start times."""
    files = [
        file
        for recording in Recording.objects.filter(room=room).order_by("finished_at", "pk")
        for file in recording.files
        if isinstance(file, dict) and file.get("kind") in ("audio", "video") and file.get("path")
    ]
    seconds: dict[str, float] = defaultdict(float)
    first: dict[str, float] = {}
    for file in files:
        if file["kind"] == "video":
            identity = str(file.get("identity", ""))
            seconds[identity] += float(file.get("duration") or 0)
            first[identity] = min(first.get(identity, 1e18), float(file.get("started_at") or 0))
    if not seconds:
        return []
    hosts = _host_identities(room, seconds) or set(seconds)
    chosen = max(hosts, key=lambda identity: (seconds[identity], -first[identity]))
    unique = {(f["kind"], f["path"]): f for f in files if f.get("identity") == chosen}
    return sorted(unique.values(), key=lambda f: (f["kind"], float(f.get("started_at") or 0)))


# The job ------------------------------------------------------------------------------------


def _claim(replay_id: int, token: str) -> Replay | None:
    """Take the replay for this run; None when there is nothing to do (READY)."""
    now = timezone.now()
    with transaction.atomic():
        replay = Replay.objects.select_for_update().select_related("room").get(pk=replay_id)
        if replay.status == ReplayStatus.READY:
            return None
        if (
            replay.status == ReplayStatus.PROCESSING
            and replay.lease_until is not None
            and replay.lease_until > now
        ):
            raise ReplayBusy((replay.lease_until - now).total_seconds())
        replay.status = ReplayStatus.PROCESSING
        replay.progress = 0
        replay.error = ""
        replay.attempts += 1
        replay.job_token = token
        replay.lease_until = now + dt.timedelta(seconds=settings.REPLAY_LEASE_SECONDS)
        replay.sources = replay_sources(replay.room)
        replay.save()
        return replay


class _Progress:
    """Writes the job's progress (and renews its lease) at most every half second."""

    def __init__(self, replay_id: int, token: str, low: int, high: int) -> None:
        self.replay_id, self.token, self.low, self.high = replay_id, token, low, high
        self.written = -1
        self.at = 0.0

    def __call__(self, share: float) -> None:
        percent = self.low + int((self.high - self.low) * share)
        now = timezone.now().timestamp()
        if percent <= self.written or now - self.at < 0.5:
            return
        self.written, self.at = percent, now
        self.write(percent)

    def write(self, percent: int) -> None:
        lease = timezone.now() + dt.timedelta(seconds=settings.REPLAY_LEASE_SECONDS)
        updated = Replay.objects.filter(pk=self.replay_id, job_token=self.token).update(
            progress=percent, lease_until=lease
        )
        if not updated:
            raise ReplaySuperseded()


def _work_dir() -> Path:
    path = Path(settings.REPLAY_WORK_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_scratch(replay_id: int) -> None:
    for stale in _work_dir().glob(f"replay-{replay_id}-*"):
        stale.unlink(missing_ok=True)


def _track_files(sources: list[dict[str, Any]], kind: str) -> list[media.TrackFile]:
    return [
        media.TrackFile(kind=kind, path=str(f["path"]), started_at=float(f["started_at"]))
        for f in sources
        if f["kind"] == kind
    ]


def replay_chapters(
    *, room: LiveRoom, starts_at: dt.datetime, duration: float
) -> list[dict[str, Any]]:
    """The room timeline on the video's clock: offset = event time - t=0, within [0, duration]
    (an event before the video started shows at 0, one after it ended at the end)."""
    chapters = []
    for event in RoomTimelineEvent.objects.filter(room=room).order_by("at", "pk"):
        offset = (event.at - starts_at).total_seconds()
        chapters.append(
            {
                "offset": round(min(max(offset, 0.0), duration), 3),
                "kind": event.kind,
                "product_id": event.product_id,
                "deal_id": event.deal_id,
            }
        )
    return chapters


def _stored_name(replay: Replay, filename: str) -> str:
    return f"replays/{replay.pk}/{filename}"


def _store(name: str, content: File[Any]) -> str:
    """Save under exactly ``name``, replacing a file a killed run left there."""
    storage = replay_storage()
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:  # a storage that renames on conflict: keep one file, not two
        storage.delete(saved)
        raise OSError(f"storage saved {name} as {saved}")
    return saved


def _poster_name(replay: Replay, cover_time: float) -> str:
    return _stored_name(replay, f"poster-{round(cover_time * 1000)}.jpg")


def replay_process(*, replay_id: int) -> Replay:
    """Build the replay's file, poster, duration and chapters from its room's recordings.

    Locks: the replay row while claiming and while finishing. Raises ReplayBusy when another
    run holds the lease. Every other failure leaves the replay FAILED with the reason."""
    token = uuid.uuid4().hex
    replay = _claim(replay_id, token)
    if replay is None:
        return Replay.objects.get(pk=replay_id)
    _remove_scratch(replay.pk)
    extension = media.TRANSCODES.get(settings.REPLAY_TRANSCODE, media.REMUX)[0]
    scratch = _work_dir() / f"replay-{replay.pk}-{token}.{extension}"
    try:
        built = media.build_replay_file(
            video=_track_files(replay.sources, "video"),
            audio=_track_files(replay.sources, "audio"),
            output=scratch,
            transcode=settings.REPLAY_TRANSCODE,
            on_progress=_Progress(replay.pk, token, 1, 90),
        )
        cover = min(max(replay.cover_time, 0.0), built.duration)
        poster = media.poster_jpeg(scratch, cover)
        starts_at = dt.datetime.fromtimestamp(built.started_at, tz=dt.UTC)
        chapters = replay_chapters(room=replay.room, starts_at=starts_at, duration=built.duration)
        _Progress(replay.pk, token, 0, 100).write(95)
        return _finish(replay, token, scratch, built, poster, cover, starts_at, chapters)
    except ReplaySuperseded:
        logger.warning("replay %s: run %s was taken over; its output is dropped", replay_id, token)
        return Replay.objects.get(pk=replay_id)
    except (media.ReplayMediaError, OSError) as failed:
        _fail(replay.pk, token, str(failed))
        return Replay.objects.get(pk=replay_id)
    except Exception as failed:  # a bug must not leave the replay "processing" forever
        logger.exception("replay %s failed", replay.pk)
        _fail(replay.pk, token, f"{type(failed).__name__}: {failed}")
        raise
    finally:
        scratch.unlink(missing_ok=True)


@transaction.atomic
def _finish(
    replay: Replay,
    token: str,
    scratch: Path,
    built: media.BuildResult,
    poster: bytes,
    cover: float,
    starts_at: dt.datetime,
    chapters: list[dict[str, Any]],
) -> Replay:
    locked = Replay.objects.select_for_update().get(pk=replay.pk)
    if locked.job_token != token:
        raise ReplaySuperseded()
    storage = replay_storage()
    with scratch.open("rb") as handle:
        video_name = _store(_stored_name(locked, f"replay.{built.extension}"), File(handle))
    for other in ("replay.webm", "replay.mp4"):
        if _stored_name(locked, other) != video_name and storage.exists(
            _stored_name(locked, other)
        ):
            storage.delete(_stored_name(locked, other))
    poster_name = _store(_poster_name(locked, cover), ContentFile(poster))
    if locked.poster and locked.poster.name != poster_name:
        storage.delete(locked.poster.name)
    locked.video.name = video_name
    locked.video_type = built.content_type
    locked.poster.name = poster_name
    locked.duration = round(built.duration, 3)
    locked.starts_at = starts_at
    locked.chapters = chapters
    locked.cover_time = cover
    locked.status = ReplayStatus.READY
    locked.progress = 100
    locked.error = ""
    locked.job_token = ""
    locked.lease_until = None
    locked.processed_at = timezone.now()
    locked.save()
    return locked


def _fail(replay_id: int, token: str, reason: str) -> None:
    logger.warning("replay %s failed: %s", replay_id, reason)
    Replay.objects.filter(pk=replay_id, job_token=token).update(
        status=ReplayStatus.FAILED,
        error=reason[:2000],
        progress=0,
        job_token="",
        lease_until=None,
        is_published=False,
        updated_at=timezone.now(),
    )


# Merchant controls --------------------------------------------------------------------------


def access_replay_management(user: User, replay: Replay) -> Replay:
    """Raises PermissionDenied unless ``user`` runs the replay's shop's shows (owner, host)."""
    from django.core.exceptions import PermissionDenied

    if not (user.is_superuser or replay.shop_id in shop_ids_for_user(user, roles=MODERATOR_ROLES)):
        raise PermissionDenied(_("That replay belongs to another shop."))
    return replay


@transaction.atomic
def replay_publish(*, replay: Replay, actor: User, published: bool = True) -> Replay:
    """Publish (READY only) or unpublish. Takes the replay's row lock."""
    access_replay_management(actor, replay)
    locked = Replay.objects.select_for_update().get(pk=replay.pk)
    if published and locked.status != ReplayStatus.READY:
        raise ReplayError(_("Only a ready replay can be published."), "not_ready")
    if locked.is_published == published:
        return locked
    locked.is_published = published
    if published:
        locked.published_at = timezone.now()
    else:
        locked.unpublished_at = timezone.now()
    locked.save(update_fields=["is_published", "published_at", "unpublished_at", "updated_at"])
    return locked


def replay_validate_settings(
    *, duration: float | None, trim_start: float, trim_end: float | None, cover_time: float
) -> None:
    """Raises ValidationError for a trim or cover outside the video."""
    errors: dict[str, str] = {}
    if trim_start < 0:
        errors["trim_start"] = _("The trim start cannot be negative.")
    if trim_end is not None and trim_end <= trim_start:
        errors["trim_end"] = _("The trim end must be after the trim start.")
    if duration is not None:
        if trim_start >= duration:
            errors["trim_start"] = _("The trim start must be within the video.")
        if trim_end is not None and trim_end > duration + 0.5:
            errors["trim_end"] = _("The trim end must be within the video.")
        if not 0 <= cover_time <= duration:
            errors["cover_time"] = _("The cover frame must be within the video.")
    elif cover_time < 0:
        errors["cover_time"] = _("The cover frame cannot be negative.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def replay_update_settings(
    *,
    replay: Replay,
    actor: User,
    title: str,
    trim_start: float,
    trim_end: float | None,
    cover_time: float,
) -> Replay:
    """Title, trim and cover. A new cover time on a READY replay regenerates the poster
    (queued on commit)."""
    access_replay_management(actor, replay)
    locked = Replay.objects.select_for_update().get(pk=replay.pk)
    replay_validate_settings(
        duration=locked.duration, trim_start=trim_start, trim_end=trim_end, cover_time=cover_time
    )
    cover_changed = abs(locked.cover_time - cover_time) > 1e-3
    locked.title = title.strip() or locked.title
    locked.trim_start, locked.trim_end, locked.cover_time = trim_start, trim_end, cover_time
    locked.save(update_fields=["title", "trim_start", "trim_end", "cover_time", "updated_at"])
    if cover_changed and locked.status == ReplayStatus.READY:
        from liverooms.replays.tasks import regenerate_poster

        transaction.on_commit(lambda: regenerate_poster.delay(locked.pk))
    return locked


def replay_regenerate_poster(*, replay_id: int) -> Replay:
    """The poster from the frame at the replay's cover time (idempotent: same time, same
    file name). Decodes from the stored file; works on local storage and S3 alike."""
    replay = Replay.objects.get(pk=replay_id)
    if replay.status != ReplayStatus.READY or not replay.video:
        return replay
    cover = replay.cover_time
    scratch = _work_dir() / f"replay-{replay.pk}-poster-{uuid.uuid4().hex}"
    try:
        with replay_storage().open(replay.video.name, "rb") as source, scratch.open("wb") as copy:
            for chunk in iter(lambda: source.read(1 << 20), b""):
                copy.write(chunk)
        poster = media.poster_jpeg(scratch, cover)
    finally:
        scratch.unlink(missing_ok=True)
    with transaction.atomic():
        locked = Replay.objects.select_for_update().get(pk=replay_id)
        if locked.cover_time != cover or locked.status != ReplayStatus.READY:
            return locked  # changed meanwhile: the newer request makes its own poster
        name = _store(_poster_name(locked, cover), ContentFile(poster))
        if locked.poster and locked.poster.name != name:
            replay_storage().delete(locked.poster.name)
        locked.poster.name = name
        locked.save(update_fields=["poster", "updated_at"])
        return locked


@transaction.atomic
def replay_rebuild(*, replay: Replay, actor: User) -> Replay:
    """Process again from the recordings (e.g. a late recording, a failed run). Unpublishes;
    queued on commit."""
    access_replay_management(actor, replay)
    locked = Replay.objects.select_for_update().get(pk=replay.pk)
    if locked.status == ReplayStatus.PROCESSING:
        raise ReplayError(_("The replay is being processed."), "processing")
    locked.status, locked.progress, locked.is_published = ReplayStatus.PENDING, 0, False
    locked.save(update_fields=["status", "progress", "is_published", "updated_at"])
    _queue(locked.pk)
    return locked


def replay_files_delete_on_commit(replay: Replay) -> None:
    """Once the surrounding transaction commits, remove the replay's video and poster from
    storage (after its row is gone: a rollback keeps both)."""
    video, poster = replay.video.name, replay.poster.name

    def delete() -> None:
        storage = replay_storage()
        for name in (video, poster):
            if name and storage.exists(name):
                storage.delete(name)

    transaction.on_commit(delete)


def replay_delete(*, replay: Replay, actor: User | None) -> None:
    """Delete the replay and its files (``actor`` None: the retention sweep)."""
    if actor is not None:
        access_replay_management(actor, replay)
    with transaction.atomic():
        locked = Replay.objects.select_for_update().filter(pk=replay.pk).first()
        if locked is None:
            return
        locked.delete()
        replay_files_delete_on_commit(locked)


def replays_purge_unpublished(*, now: dt.datetime | None = None) -> int:
    """Retention (beat): replays unpublished for REPLAY_RETENTION_DAYS (since they were made,
    or since they were unpublished) go with their files; so do recordings of rooms without a
    replay once as old (their track files where this machine can reach them). Published
    replays and their recordings stay. Returns how many replays went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.REPLAY_RETENTION_DAYS)
    expired = Replay.objects.filter(is_published=False, created_at__lt=cutoff).exclude(
        unpublished_at__gte=cutoff
    )
    removed = 0
    for replay in expired.exclude(status=ReplayStatus.PROCESSING):
        replay_delete(replay=replay, actor=None)
        removed += 1
    for recording in Recording.objects.filter(finished_at__lt=cutoff).exclude(
        room__replay__isnull=False
    ):
        for file in recording.files if isinstance(recording.files, list) else []:
            path = Path(str(file.get("path", ""))) if isinstance(file, dict) else None
            if path is not None and path.suffix == ".webm" and path.is_file():
                path.unlink(missing_ok=True)
        recording.delete()
    return removed


# Analytics ----------------------------------------------------------------------------------

MAX_WATCH_REPORT = 300  # seconds: one report covers at most this much playback


def replay_record_view(*, replay: Replay) -> None:
    Replay.objects.filter(pk=replay.pk).update(views=F("views") + 1)


def replay_record_watch(*, replay: Replay, seconds: float) -> None:
    """Add watched seconds (players report periodically; one report is capped)."""
    added = int(min(max(seconds, 0), MAX_WATCH_REPORT))
    if added:
        Replay.objects.filter(pk=replay.pk).update(watch_seconds=F("watch_seconds") + added)


@transaction.atomic
def replay_record_product_click(*, replay: Replay, product_id: int) -> None:
    """A shopper opened a product card in the replay (products of the replay's shop only)."""
    from shop.catalog.models import Product

    if not Product.objects.filter(pk=product_id, shop_id=replay.shop_id).exists():
        raise ReplayError(_("That product is not in this replay."), "bad_product")
    Replay.objects.filter(pk=replay.pk).update(product_clicks=F("product_clicks") + 1)
    click, created = ReplayProductClick.objects.get_or_create(
        replay=replay, product_id=product_id, defaults={"clicks": 1}
    )
    if not created:
        ReplayProductClick.objects.filter(pk=click.pk).update(clicks=F("clicks") + 1)
