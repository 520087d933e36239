"""PK links: two live rooms linked so each room's viewers watch both hosts side by side.

The host (or shop staff) of one live room invites another live room by its slug; the other
room's staff accept or decline within ``PK_INVITE_SECONDS``. An accepted battle runs for its
duration, until a host of either room ends it, or until either show ends. A room is in at
most one invited or running battle: creating one locks both rooms' rows (in id order).

Both rooms hear ``pk.invited``, ``pk.started`` and ``pk.ended`` (each with the battle's
payload, ``liverooms.media.selectors.pk_payload``); while a battle runs each room's
``rtc.publishers`` also lists the other room's publishers, and viewers may subscribe to them
(``pk_subscribe_room``). Scores (coins of gifts plus weighted likes in each room during the
window, liverooms.gifts.pk_score) run live as ``pk.score``; the final scores and the winner are
stored on the battle when it closes and carried in ``pk.ended``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.gifts.pk_score import pk_likes_baseline, pk_score_final
from liverooms.media.models import PK_OPEN, PkBattle, PkEndReason, PkStatus
from liverooms.media.selectors import pk_battle_open, pk_linked_room, pk_payload
from liverooms.media.services import MediaError, publishers_announce
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import access_room_moderation
from shop.accounts.models import User

PK_INVITE_SECONDS = 60  # an unanswered invitation lapses after this
PK_MIN_SECONDS = 30
PK_MAX_SECONDS = 3600
PK_DEFAULT_SECONDS = 300
EARLY_TOLERANCE = dt.timedelta(seconds=1)  # a timed job that runs a moment early still counts


class PkError(MediaError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code)


def _publish_both(battle: PkBattle, event_type: str) -> None:
    payload = {"pk": pk_payload(battle)}
    for room_id in (battle.inviter_room_id, battle.invitee_room_id):
        events.publish_on_commit(room_id, event_type, payload)


def _schedule_expiry(battle: PkBattle, at: dt.datetime) -> None:
    from liverooms.media.tasks import expire_pk_battle

    transaction.on_commit(lambda: expire_pk_battle.apply_async((battle.pk,), eta=at))


def _locked(battles: QuerySet[PkBattle]) -> list[PkBattle]:
    return list(
        battles.select_for_update(of=("self",))
        .select_related("inviter_room__shop", "invitee_room__shop")
        .order_by("pk")
    )


def _close(
    battle: PkBattle, status: str, *, actor: User | None = None, reason: str = ""
) -> PkBattle:
    """Close an invited or running battle (caller holds its row lock). Publishes pk.ended in
    both rooms and, if it was running, each room's publishers without the other room's."""
    was_active = battle.status == PkStatus.ACTIVE
    battle.status, battle.ended_at, battle.end_reason = status, timezone.now(), reason
    if status in (PkStatus.DECLINED,):
        battle.answered_by = actor
    else:
        battle.ended_by = actor
    scores = pk_score_final(battle) if was_active else []  # scores and winner, once
    battle.save(
        update_fields=["status", "ended_at", "end_reason", "answered_by", "ended_by", *scores]
    )
    _publish_both(battle, "pk.ended")
    if was_active:
        publishers_announce(list(battle.rooms()))
    return battle


def _expire_due(room: LiveRoom) -> None:
    """Close the room's battles that are past their time but not closed yet (their timed job
    has not run); the next step then sees the room as free."""
    now = timezone.now()
    for battle_id in PkBattle.objects.filter(
        Q(inviter_room=room) | Q(invitee_room=room),
        Q(status=PkStatus.INVITED, invite_expires_at__lte=now)
        | Q(status=PkStatus.ACTIVE, ends_at__lte=now),
    ).values_list("pk", flat=True):
        pk_expire(battle_id=battle_id)


def pk_invite(
    *,
    room: LiveRoom,
    target_slug: str,
    actor: User,
    duration_seconds: int = PK_DEFAULT_SECONDS,
) -> PkBattle:
    """The host or staff of live ``room`` invite another live room (by slug) to a PK battle.

    Refuses (PkError): ``pk_bad_duration``, ``pk_room_not_found``, ``pk_same_room``,
    ``room_not_live`` (this room), ``pk_target_not_live``, ``pk_busy`` (this room is already
    inviting, invited or in a battle), ``pk_target_busy``. Locks both rooms' rows (id order).
    Publishes pk.invited in both rooms; the invitation lapses after PK_INVITE_SECONDS."""
    access_room_moderation(actor, room)
    if not PK_MIN_SECONDS <= duration_seconds <= PK_MAX_SECONDS:
        raise PkError(
            _("A PK lasts between %(low)d and %(high)d seconds.")
            % {"low": PK_MIN_SECONDS, "high": PK_MAX_SECONDS},
            "pk_bad_duration",
        )
    target = LiveRoom.objects.filter(slug=target_slug, shop__is_active=True).first()
    if target is None:
        raise PkError(_("There is no such live room."), "pk_room_not_found")
    if target.pk == room.pk:
        raise PkError(_("Invite another room, not this one."), "pk_same_room")
    _expire_due(room)
    _expire_due(target)
    with transaction.atomic():
        locked = {
            each.pk: each
            for each in LiveRoom.objects.select_for_update()
            .filter(pk__in=[room.pk, target.pk])
            .order_by("pk")
        }
        room, target = locked[room.pk], locked[target.pk]
        if room.status != RoomStatus.LIVE:
            raise PkError(_("Go live before inviting another room."), "room_not_live")
        if target.status != RoomStatus.LIVE:
            raise PkError(_("That room is not live."), "pk_target_not_live")
        if pk_battle_open(room) is not None:
            raise PkError(_("This room already has a PK invitation or battle."), "pk_busy")
        if pk_battle_open(target) is not None:
            raise PkError(_("That room is busy with another PK."), "pk_target_busy")
        now = timezone.now()
        battle = PkBattle.objects.create(
            inviter_room=room,
            invitee_room=target,
            duration_seconds=duration_seconds,
            invited_by=actor,
            invite_expires_at=now + dt.timedelta(seconds=PK_INVITE_SECONDS),
        )
        _publish_both(battle, "pk.invited")
        _schedule_expiry(battle, battle.invite_expires_at)
        return battle


def _invitation(room: LiveRoom, *, side: str) -> PkBattle:
    """The live invitation where ``room`` is the ``side`` ("inviter_room"/"invitee_room"),
    row-locked; PkError(pk_not_found) when there is none (never sent, answered, lapsed)."""
    found = _locked(
        PkBattle.objects.filter(
            status=PkStatus.INVITED, invite_expires_at__gt=timezone.now(), **{side: room}
        )
    )
    if not found:
        raise PkError(
            _("There is no PK invitation to answer (it may have lapsed)."), "pk_not_found"
        )
    return found[0]


def pk_accept(*, room: LiveRoom, actor: User) -> PkBattle:
    """Staff of the invited room accept: the battle runs from now for its duration.

    Refuses (PkError): ``pk_not_found``, ``room_not_live`` / ``pk_target_not_live`` if either
    show ended meanwhile. Locks both rooms, then the battle. Publishes pk.started and each
    room's rtc.publishers (now with the other room's publishers) in both rooms."""
    access_room_moderation(actor, room)
    _expire_due(room)
    with transaction.atomic():
        pending = pk_battle_open(room)
        if pending is None or pending.status != PkStatus.INVITED:
            raise PkError(
                _("There is no PK invitation to answer (it may have lapsed)."), "pk_not_found"
            )
        list(
            LiveRoom.objects.select_for_update()
            .filter(pk__in=[pending.inviter_room_id, pending.invitee_room_id])
            .order_by("pk")
        )
        battle = _invitation(room, side="invitee_room")
        if battle.invitee_room.status != RoomStatus.LIVE:
            raise PkError(_("The room is not live."), "room_not_live")
        if battle.inviter_room.status != RoomStatus.LIVE:
            raise PkError(_("That room is not live."), "pk_target_not_live")
        now = timezone.now()
        battle.status, battle.answered_by = PkStatus.ACTIVE, actor
        battle.started_at = now
        battle.ends_at = now + dt.timedelta(seconds=battle.duration_seconds)
        battle.likes_at_start = pk_likes_baseline(battle)  # likes count from here on
        battle.save(
            update_fields=["status", "answered_by", "started_at", "ends_at", "likes_at_start"]
        )
        _publish_both(battle, "pk.started")
        publishers_announce(list(battle.rooms()))
        _schedule_expiry(battle, battle.ends_at)
        return battle


@transaction.atomic
def pk_decline(*, room: LiveRoom, actor: User) -> PkBattle:
    """Staff of the invited room say no. Publishes pk.ended (status declined) in both rooms."""
    access_room_moderation(actor, room)
    return _close(_invitation(room, side="invitee_room"), PkStatus.DECLINED, actor=actor)


@transaction.atomic
def pk_cancel(*, room: LiveRoom, actor: User) -> PkBattle:
    """Staff of the inviting room withdraw an unanswered invitation (pk.ended, cancelled)."""
    access_room_moderation(actor, room)
    return _close(_invitation(room, side="inviter_room"), PkStatus.CANCELLED, actor=actor)


@transaction.atomic
def pk_end(*, room: LiveRoom, actor: User) -> PkBattle:
    """Staff of either room end the running battle now. Publishes pk.ended and both rooms'
    publishers (each back to its own). PkError(pk_not_found) when none is running."""
    access_room_moderation(actor, room)
    running = _locked(
        PkBattle.objects.filter(Q(inviter_room=room) | Q(invitee_room=room), status=PkStatus.ACTIVE)
    )
    if not running:
        raise PkError(_("This room is not in a PK battle."), "pk_not_found")
    return _close(running[0], PkStatus.ENDED, actor=actor, reason=PkEndReason.HOST)


def pk_end_for_room(*, room: LiveRoom) -> None:
    """The show ended: its invitation lapses (cancelled) and its battle ends, in the caller's
    transaction (room_end). Publishes as the closes above."""
    with transaction.atomic():
        for battle in _locked(
            PkBattle.objects.filter(Q(inviter_room=room) | Q(invitee_room=room), status__in=PK_OPEN)
        ):
            status = PkStatus.ENDED if battle.status == PkStatus.ACTIVE else PkStatus.CANCELLED
            _close(battle, status, reason=PkEndReason.ROOM_ENDED)


@transaction.atomic
def pk_expire(*, battle_id: int) -> bool:
    """Timed close (Celery at the invitation's expiry or the battle's end, and a periodic
    sweep): an invitation past its expiry lapses, a battle past ``ends_at`` ends (time_up).
    Does nothing (False) when it is not due yet or already closed, so repeats are harmless."""
    found = _locked(PkBattle.objects.filter(pk=battle_id))
    if not found:
        return False
    battle = found[0]
    due = timezone.now() + EARLY_TOLERANCE
    if battle.status == PkStatus.INVITED and battle.invite_expires_at <= due:
        _close(battle, PkStatus.EXPIRED)
        return True
    if battle.status == PkStatus.ACTIVE and battle.ends_at and battle.ends_at <= due:
        _close(battle, PkStatus.ENDED, reason=PkEndReason.TIME_UP)
        return True
    return False


def pk_expire_due() -> int:
    """Close every invitation and battle past its time (the periodic safety net for timed
    jobs that were lost or delayed). Returns how many were closed."""
    now = timezone.now()
    due = PkBattle.objects.filter(
        Q(status=PkStatus.INVITED, invite_expires_at__lte=now)
        | Q(status=PkStatus.ACTIVE, ends_at__lte=now)
    ).values_list("pk", flat=True)
    return sum(pk_expire(battle_id=battle_id) for battle_id in list(due))


def pk_candidates(room: LiveRoom, limit: int = 50) -> list[dict[str, Any]]:
    """Other live rooms, newest first, for the console's PK picker; ``busy`` ones already
    have an invitation or battle (inviting them would be refused with pk_target_busy)."""
    from liverooms.rooms.selectors import rooms_live

    live = list(rooms_live().exclude(pk=room.pk)[:limit])
    now = timezone.now()
    busy: set[int] = set()
    for pair in PkBattle.objects.filter(
        Q(inviter_room__in=live) | Q(invitee_room__in=live),
        Q(status=PkStatus.INVITED, invite_expires_at__gt=now)
        | Q(status=PkStatus.ACTIVE, ends_at__gt=now),
    ).values_list("inviter_room_id", "invitee_room_id"):
        busy.update(pair)
    return [
        {"slug": each.slug, "title": each.title, "shop": each.shop.name, "busy": each.pk in busy}
        for each in live
    ]


def pk_subscribe_room(*, room: LiveRoom, slug: str) -> LiveRoom:
    """The room whose publisher a viewer of ``room`` may watch under ``slug``: the room
    itself, or the room it is linked with while their battle runs.
    PkError(pk_not_linked) otherwise."""
    if slug == room.slug:
        return room
    linked = pk_linked_room(room)
    if linked is None or linked.slug != slug:
        raise PkError(
            _("That room is not linked with this one (the PK may have ended)."), "pk_not_linked"
        )
    return linked
