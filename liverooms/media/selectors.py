"""Reads for live media: who may publish, who publishes now, where a room's relay is, and
which room a room is linked with (PK)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from liverooms.media.models import (
    CohostRequest,
    CohostStatus,
    PkBattle,
    PkStatus,
    PublisherRole,
    RoomPublisher,
)
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import can_moderate
from shop.accounts.models import User


def relay_room_key(room: LiveRoom) -> str:
    return f"room-{room.pk}"


def user_identity(user: User) -> str:
    return f"user-{user.pk}"


def can_publish(user: User | AnonymousUser, room: LiveRoom) -> bool:
    """The room's hosts and the shop's staff who may run it, or an accepted co-host."""
    if not user.is_authenticated:
        return False
    if can_moderate(user, room):
        return True
    return CohostRequest.objects.filter(room=room, user=user, status=CohostStatus.ACCEPTED).exists()


def room_publishers(room: LiveRoom) -> list[dict[str, Any]]:
    """Who viewers should watch: this room's publishers, then those of a linked (PK) room.
    Each entry names its room (viewers subscribe to a linked room's publisher with it)."""
    rooms = [room]
    linked = pk_linked_room(room)
    if linked is not None:
        rooms.append(linked)
    return [
        {"identity": p.identity, "name": p.name, "role": p.role, "room": each.slug}
        for each in rooms
        for p in RoomPublisher.objects.filter(room=each).order_by("role", "updated_at")
    ]


# PK links -----------------------------------------------------------------------------------


def _involving(room: LiveRoom) -> Q:
    return Q(inviter_room=room) | Q(invitee_room=room)


def pk_battle_open(room: LiveRoom) -> PkBattle | None:
    """The room's invited or running PK battle, if any. An invite past its expiry or a battle
    past its end time counts as closed here even before the job that closes it has run."""
    now = timezone.now()
    return (
        PkBattle.objects.filter(_involving(room))
        .filter(
            Q(status=PkStatus.INVITED, invite_expires_at__gt=now)
            | Q(status=PkStatus.ACTIVE, ends_at__gt=now)
        )
        .select_related("inviter_room__shop", "invitee_room__shop")
        .first()
    )


def pk_linked_room(room: LiveRoom) -> LiveRoom | None:
    """The room this one is linked with by a running PK battle (both rooms live), else None."""
    battle = pk_battle_open(room)
    if battle is None or battle.status != PkStatus.ACTIVE:
        return None
    if {battle.inviter_room.status, battle.invitee_room.status} != {RoomStatus.LIVE}:
        return None
    return battle.other_room(room)


def _pk_room_card(room: LiveRoom) -> dict[str, Any]:
    from liverooms.rooms.selectors import display_name

    hosts = [display_name(user) for user in room.hosts.all()]
    on_air = RoomPublisher.objects.filter(room=room, role=PublisherRole.HOST)
    hosts += [p.name for p in on_air if p.name and p.name not in hosts]
    return {"slug": room.slug, "title": room.title, "shop": room.shop.slug, "hosts": hosts}


def pk_payload(battle: PkBattle) -> dict[str, Any]:
    """What both rooms hear about a battle (in pk.* events and the snapshot's ``pk``)."""

    from liverooms.gifts.pk_score import pk_score_payload

    def at(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": battle.pk,
        "status": battle.status,
        "inviter": _pk_room_card(battle.inviter_room),
        "invitee": _pk_room_card(battle.invitee_room),
        "duration_seconds": battle.duration_seconds,
        "invite_expires_at": at(battle.invite_expires_at),
        "started_at": at(battle.started_at),
        "ends_at": at(battle.ends_at),
        "ended_at": at(battle.ended_at),
        "end_reason": battle.end_reason,
        "scores": pk_score_payload(battle),
    }


def relay_nodes() -> list[dict[str, Any]]:
    """Relay nodes alive now (registered in Redis with a TTL), least loaded first; then the
    fixed RELAY_URLS, if any."""
    client = events.sync_client()
    nodes: list[dict[str, Any]] = []
    keys = list(client.scan_iter(f"{settings.RELAY_REDIS_PREFIX}:relay:node:*", count=100))
    for raw in client.mget(keys) if keys else []:
        if not raw:
            continue
        try:
            node = json.loads(raw)
        except ValueError:
            continue
        if isinstance(node, dict) and node.get("url") and node.get("id"):
            nodes.append(node)
    nodes.sort(key=lambda node: (node.get("load") or 0, node["id"]))
    nodes += [{"id": url, "url": url, "load": 0} for url in settings.RELAY_URLS]
    return nodes
