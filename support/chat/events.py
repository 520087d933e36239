"""The one place that publishes support chat events and knows their group names.

Two kinds of group: one per conversation (``support-conversation-<id>``: the shopper's widget
sockets) and one per shop inbox (``support-inbox-<shop id>``: that shop's support staff).
One ``group_send`` per event; published after the surrounding transaction commits, so a
rolled-back write never shows up. Consumers relay ``{"type": "support.event", "event": ...}``
as is (conversation) or after translating it for their reader (inbox).
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def conversation_group(conversation_id: int) -> str:
    return f"support-conversation-{conversation_id}"


def inbox_group(shop_id: int) -> str:
    return f"support-inbox-{shop_id}"


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "support.event", "event": event})
    except Exception:  # sockets resync from the snapshot on reconnect; never fail a write
        logger.exception("publishing %s to %s failed", event.get("type"), group)


def to_conversation(conversation_id: int, event: dict[str, Any]) -> None:
    """Publish to the shopper's widget(s) once the current transaction commits."""
    transaction.on_commit(lambda: _send(conversation_group(conversation_id), event))


def to_inbox(shop_id: int, event: dict[str, Any]) -> None:
    """Publish to the shop's support inbox once the current transaction commits."""
    transaction.on_commit(lambda: _send(inbox_group(shop_id), event))
