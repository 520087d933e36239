"""The one place that publishes consultation call events to the call's two sockets.

Only this module knows the call group names and calls the channel layer. One group per
booking (``consultation-call-<booking id>``); one ``group_send`` per event. Events are
published after the surrounding transaction commits, so a rolled-back write never shows up.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

GROUP_PREFIX = "consultation-call"


def group_name(booking_id: int) -> str:
    return f"{GROUP_PREFIX}-{booking_id}"


def publish_now(booking_id: int, event_type: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"type": event_type, **payload}
    try:
        async_to_sync(layer.group_send)(
            group_name(booking_id), {"type": "call.event", "event": event}
        )
    except Exception:  # a party resyncs from the snapshot on reconnect; never fail a write
        logger.exception("publishing %s to call %s failed", event_type, booking_id)


def publish_on_commit(booking_id: int, event_type: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish_now(booking_id, event_type, payload))


async def publish_async(booking_id: int, event_type: str, payload: dict[str, Any]) -> None:
    """From a consumer (no transaction to wait for): e.g. who publishes media now."""
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(
        group_name(booking_id), {"type": "call.event", "event": {"type": event_type, **payload}}
    )
