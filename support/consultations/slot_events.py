"""The one place that publishes live slot events to ``/consultations/`` viewers.

Only this module knows the slot group names and calls the channel layer. One group per
service (``consultations-slots-<service_id>``); one ``group_send`` per event (a single Redis
publish on the pub/sub layer, whatever the number of viewers). Everything is published after
the surrounding transaction commits, so a rolled-back hold never shows up anywhere.

A consultant may offer several services, so one booking can open or close slots of all of
them. Booking services take ``open_starts`` before and after their change (inside their
transaction, under the consultant lock) and hand both to ``publish_changes_on_commit``; the
difference, per service, is the ``slot.taken`` / ``slot.released`` events. Daily limits and
buffers are therefore reflected as well. Expired holds are published with
``publish_open_on_commit``: ``slot.released`` for every slot of the affected days that is open
once the expiry committed (idempotent for clients: "show this slot").
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from support.consultations.models import Consultant
from support.consultations.selectors.slots import open_slots
from support.consultations.slot_protocol import iso_utc

logger = logging.getLogger(__name__)

GROUP_PREFIX = "consultations-slots"

# service id -> {(starts_at, ends_at)} of one consultant's open slots on some local days
OpenStarts = dict[int, set[tuple[dt.datetime, dt.datetime]]]


def group_name(service_id: int) -> str:
    return f"{GROUP_PREFIX}-{service_id}"


def open_starts(*, consultant: Consultant, days: Iterable[dt.date], now: dt.datetime) -> OpenStarts:
    """The consultant's open slots on their local ``days``, per service they offer."""
    result: OpenStarts = {}
    days = sorted(set(days))
    for service in consultant.services.filter(is_active=True):
        found: set[tuple[dt.datetime, dt.datetime]] = set()
        for day in days:
            for slot in open_slots(
                service=service,
                start_date=day,
                days=1,
                buyer_tz=consultant.time_zone,
                consultant=consultant,
                now=now,
            ):
                found.add((slot.starts_at, slot.ends_at))
        result[service.pk] = found
    return result


def local_days(consultant: Consultant, *instants: dt.datetime) -> set[dt.date]:
    return {instant.astimezone(consultant.zone).date() for instant in instants}


def _event(
    kind: str, service_id: int, consultant_id: int, span: tuple[dt.datetime, dt.datetime]
) -> tuple[int, dict[str, Any]]:
    return service_id, {
        "type": kind,
        "service_id": service_id,
        "consultant_id": consultant_id,
        "starts_at": iso_utc(span[0]),
        "ends_at": iso_utc(span[1]),
    }


def _send(events: list[tuple[int, dict[str, Any]]]) -> None:
    if not events:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    send = async_to_sync(layer.group_send)
    for service_id, event in events:
        try:
            send(group_name(service_id), {"type": "slot.event", "event": event})
        except Exception:  # viewers resync on reconnect; never break a booking over it
            logger.exception("publishing %s for service %s failed", event["type"], service_id)


def publish_changes_on_commit(*, consultant_id: int, before: OpenStarts, after: OpenStarts) -> None:
    """``slot.taken`` for slots open before and not after, ``slot.released`` the other way."""
    events: list[tuple[int, dict[str, Any]]] = []
    for service_id in sorted(set(before) | set(after)):
        was, now_open = before.get(service_id, set()), after.get(service_id, set())
        events += [
            _event("slot.taken", service_id, consultant_id, span) for span in sorted(was - now_open)
        ]
        events += [
            _event("slot.released", service_id, consultant_id, span)
            for span in sorted(now_open - was)
        ]
    if events:
        transaction.on_commit(lambda: _send(events))


def publish_open_on_commit(
    *, consultant_days: dict[int, set[dt.date]], now: dt.datetime | None = None
) -> None:
    """After commit: ``slot.released`` for every open slot of each consultant's given days."""
    if not consultant_days:
        return

    def run() -> None:
        at = now or timezone.now()
        events: list[tuple[int, dict[str, Any]]] = []
        for consultant in Consultant.objects.filter(pk__in=list(consultant_days)):
            for service_id, spans in open_starts(
                consultant=consultant, days=consultant_days[consultant.pk], now=at
            ).items():
                events += [
                    _event("slot.released", service_id, consultant.pk, span)
                    for span in sorted(spans)
                ]
        _send(events)

    transaction.on_commit(run)
