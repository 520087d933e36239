"""Reminders 24 hours and 15 minutes before a confirmed consultation (Celery beat).

Each reminder is claimed with a conditional UPDATE (``reminder_*_sent_at IS NULL``) before it
is sent, so two beat runs at once, or a retried run, never send it twice; a failed send gives
the claim back for the next run. A time agreed less than the lead ahead (booked or moved
within the last 24 h / 15 min before the start) gets no reminder of that lead.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from support.consultations.booking_emails import booking_reminder_send
from support.consultations.models import Booking, BookingStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reminder:
    kind: str
    field: str
    lead: dt.timedelta


REMINDERS = (
    Reminder("reminder_24h", "reminder_24h_sent_at", dt.timedelta(hours=24)),
    Reminder("reminder_15m", "reminder_15m_sent_at", dt.timedelta(minutes=15)),
)
SHORTEST_LEAD = dt.timedelta(minutes=15)


def reminders_due(reminder: Reminder, *, now: dt.datetime) -> QuerySet[Booking]:
    """Confirmed bookings whose ``reminder`` is due now and not sent yet.

    Due: the start is within the lead and still ahead. The 24 h reminder is not sent once
    the 15 min one is due (a beat outage would otherwise send both at once).
    """
    due = Booking.objects.filter(
        Q(**{f"{reminder.field}__isnull": True}),
        status=BookingStatus.CONFIRMED,
        starts_at__gt=now,
        starts_at__lte=now + reminder.lead,
    ).annotate(agreed_at=Coalesce("scheduled_at", "created_at"))
    due = due.filter(agreed_at__lte=F("starts_at") - reminder.lead)
    if reminder.lead > SHORTEST_LEAD:
        due = due.filter(starts_at__gt=now + SHORTEST_LEAD)
    return due


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every due reminder once. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for reminder in REMINDERS:
        for booking_id in list(reminders_due(reminder, now=now).values_list("pk", flat=True)):
            claimed = Booking.objects.filter(
                Q(**{f"{reminder.field}__isnull": True}),
                pk=booking_id,
                status=BookingStatus.CONFIRMED,
            ).update(**{reminder.field: now})
            if not claimed:
                continue  # another run got it first
            booking = Booking.objects.select_related(
                "service", "service__shop", "consultant", "buyer"
            ).get(pk=booking_id)
            try:
                booking_reminder_send(booking, reminder.kind)
            except Exception:
                Booking.objects.filter(pk=booking_id).update(**{reminder.field: None})
                logger.exception("sending %s for booking %s failed", reminder.kind, booking_id)
                continue
            sent += 1
    return sent
