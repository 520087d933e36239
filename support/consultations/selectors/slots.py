"""Reads for consultations: open slots (time-zone and DST aware) and permission-checked fetches.

Slots are generated in the consultant's local wall-clock time from the weekly availability (or a
date's exceptions), stepping by duration + buffer from each window's start. A local start time
that does not exist (inside a spring-forward gap) is skipped; an ambiguous one (the repeated
hour of a fall-back) is read as its first occurrence (``fold=0``). Instants are UTC.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.accounts.models import User
from shop.shops.selectors import shop_ids_for_user
from support.consultations.models import (
    AvailabilityException,
    Booking,
    BookingStatus,
    Consultant,
    ConsultationService,
    WeeklyAvailability,
)

UTC = dt.UTC


class InvalidTimeZone(ValueError):
    code = "invalid_time_zone"


def zone_for(name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name``, or ``InvalidTimeZone``."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as invalid:
        # OSError: a name that is a tzdata directory ("Europe") or too long for a file name.
        raise InvalidTimeZone(f"Unknown time zone: {name!r}") from invalid


def local_to_utc(day: dt.date, time_of_day: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a local wall-clock time, None if that time does not exist that day.

    Ambiguous times (fall-back) resolve to their first occurrence (fold=0).
    """
    local = dt.datetime.combine(day, time_of_day.replace(fold=0), tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in a spring-forward gap
    return instant


def _window_end_utc(day: dt.date, time_of_day: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """Like ``local_to_utc`` but a non-existent end is read with the pre-transition offset."""
    return dt.datetime.combine(day, time_of_day.replace(fold=0), tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    consultant_id: int
    starts_at: dt.datetime  # UTC
    ends_at: dt.datetime  # UTC
    local_starts_at: dt.datetime  # in the buyer's zone
    local_ends_at: dt.datetime


def _windows_by_day(
    consultant: Consultant, days: Iterable[dt.date]
) -> dict[dt.date, list[tuple[dt.time, dt.time]]]:
    days = list(days)
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for row in WeeklyAvailability.objects.filter(consultant=consultant):
        weekly[row.weekday].append((row.start_time, row.end_time))
    exceptions: dict[dt.date, list[AvailabilityException]] = defaultdict(list)
    for exception in AvailabilityException.objects.filter(consultant=consultant, date__in=days):
        exceptions[exception.date].append(exception)
    windows: dict[dt.date, list[tuple[dt.time, dt.time]]] = {}
    for day in days:
        if day in exceptions:
            rows = exceptions[day]
            if any(row.is_closed for row in rows):
                windows[day] = []
            else:
                windows[day] = sorted(
                    (row.start_time, row.end_time)
                    for row in rows
                    if row.start_time is not None and row.end_time is not None
                )
        else:
            windows[day] = sorted(weekly.get(day.weekday(), []))
    return windows


def availability_starts(
    *, service: ConsultationService, consultant: Consultant, day: dt.date
) -> list[dt.datetime]:
    """UTC start instants the consultant's hours offer for ``service`` on local date ``day``.

    Ignores bookings, daily limits and notice: those are applied by ``open_slots`` and by the
    booking services under a lock.
    """
    return _starts_for_days(service, consultant, [day])[day]


def _starts_for_days(
    service: ConsultationService, consultant: Consultant, days: list[dt.date]
) -> dict[dt.date, list[dt.datetime]]:
    zone = consultant.zone
    duration = dt.timedelta(minutes=service.duration_minutes)
    step = duration + dt.timedelta(minutes=service.buffer_minutes)
    result: dict[dt.date, list[dt.datetime]] = {}
    for day, windows in _windows_by_day(consultant, days).items():
        starts: list[dt.datetime] = []
        for window_start, window_end in windows:
            end_utc = _window_end_utc(day, window_end, zone)
            wall = dt.datetime.combine(day, window_start)
            wall_end = dt.datetime.combine(day, window_end)
            while wall < wall_end:
                start_utc = local_to_utc(day, wall.time(), zone)
                if start_utc is not None:
                    if start_utc + duration > end_utc:
                        break
                    starts.append(start_utc)
                wall += step
        result[day] = sorted(set(starts))
    return result


def blocking_bookings(
    *, consultant_ids: Iterable[int], start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> QuerySet[Booking]:
    """Bookings that occupy consultants' calendars over part of ``[start, end)``."""
    return Booking.objects.filter(
        Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.HELD, hold_expires_at__gt=now),
        consultant_id__in=list(consultant_ids),
        starts_at__lt=end,
        blocked_until__gt=start,
    )


def _local_day_bounds(day: dt.date, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def calls_on_local_day(
    *, consultant: Consultant, day: dt.date, now: dt.datetime, exclude_booking_id: int | None = None
) -> int:
    """How many held/confirmed calls start on the consultant's local date ``day``."""
    start, end = _local_day_bounds(day, consultant.zone)
    bookings = Booking.objects.filter(
        Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.HELD, hold_expires_at__gt=now),
        consultant=consultant,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    if exclude_booking_id is not None:
        bookings = bookings.exclude(pk=exclude_booking_id)
    return bookings.count()


def consultants_for_service(service: ConsultationService) -> QuerySet[Consultant]:
    return Consultant.objects.filter(shop_id=service.shop_id, is_active=True, services=service)


def open_slots(
    *,
    service: ConsultationService,
    start_date: dt.date,
    days: int,
    buyer_tz: str,
    consultant: Consultant | None = None,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Bookable slots whose start falls on ``start_date`` .. ``start_date + days - 1`` as dates in
    the buyer's zone, sorted by start. Excludes slots before the service's minimum notice,
    overlapping (with buffers) held or confirmed bookings, and days at the consultant's limit.
    """
    buyer_zone = zone_for(buyer_tz)
    now = now or timezone.now()
    if not service.is_active:
        return []
    range_start = dt.datetime.combine(start_date, dt.time(0), tzinfo=buyer_zone).astimezone(UTC)
    range_end = dt.datetime.combine(
        start_date + dt.timedelta(days=days), dt.time(0), tzinfo=buyer_zone
    ).astimezone(UTC)
    earliest = max(range_start, now + dt.timedelta(minutes=service.min_notice_minutes))
    consultants = list(consultants_for_service(service))
    if consultant is not None:
        consultants = [c for c in consultants if c.pk == consultant.pk]
    duration = dt.timedelta(minutes=service.duration_minutes)
    buffer = dt.timedelta(minutes=service.buffer_minutes)
    taken: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for booking in blocking_bookings(
        consultant_ids=[c.pk for c in consultants],
        start=range_start - dt.timedelta(days=2),
        end=range_end + dt.timedelta(days=2),
        now=now,
    ):
        taken[booking.consultant_id].append((booking.starts_at, booking.blocked_until))
    slots: list[Slot] = []
    for person in consultants:
        zone = person.zone
        first = range_start.astimezone(zone).date()
        last = range_end.astimezone(zone).date()
        local_days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        calls_per_day: dict[dt.date, int] = defaultdict(int)
        for booked_start, _blocked in taken[person.pk]:
            calls_per_day[booked_start.astimezone(zone).date()] += 1
        for day, starts in _starts_for_days(service, person, local_days).items():
            if calls_per_day[day] >= person.max_calls_per_day:
                continue
            for start in starts:
                if start < earliest or start >= range_end:
                    continue
                blocked_until = start + duration + buffer
                if any(
                    b_start < blocked_until and start < b_end for b_start, b_end in taken[person.pk]
                ):
                    continue
                slots.append(
                    Slot(
                        consultant_id=person.pk,
                        starts_at=start,
                        ends_at=start + duration,
                        local_starts_at=start.astimezone(buyer_zone),
                        local_ends_at=(start + duration).astimezone(buyer_zone),
                    )
                )
    return sorted(slots, key=lambda slot: (slot.starts_at, slot.consultant_id))


def access_booking(user: User | AnonymousUser, booking_id: int) -> Booking:
    """The booking if ``user`` is its buyer or staff of its shop, else ``Booking.DoesNotExist``."""
    booking = Booking.objects.select_related("service", "consultant").get(pk=booking_id)
    if user.is_superuser or booking.buyer_id == user.pk:
        return booking
    if booking.service.shop_id in shop_ids_for_user(user):
        return booking
    raise Booking.DoesNotExist
