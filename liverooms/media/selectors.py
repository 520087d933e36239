"""Reads for live media: who may publish, who publishes now, and where a room's relay is."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from liverooms.media.models import CohostRequest, CohostStatus, RoomPublisher
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom
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
    """Who viewers should watch: this room's publishers, then those of a linked (PK) room."""
    return [
        {"identity": p.identity, "name": p.name, "role": p.role, "room": room.slug}
        for p in RoomPublisher.objects.filter(room=room).order_by("role", "updated_at")
    ]


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
