"""Reads for the buyer's booking pages: services on offer, deposits, slots by day, my bookings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from shop.accounts.models import User
from shop.pricing.money import Money
from support.consultations.models import (
    Booking,
    BookingStatus,
    ConsultationService,
    ServiceDeposit,
)
from support.consultations.selectors.slots import Slot, open_slots, zone_for

BOOKING_WINDOW_DAYS = 14  # how far ahead /consultations/ offers slots, in the buyer's dates


def service_deposit(service: ConsultationService, currency: str) -> Money | None:
    """The deposit a buyer paying in ``currency`` owes, or None if the service asks none.

    The deposit in ``currency`` when the shop set one; otherwise the one in the shop's default
    currency, otherwise the first one: a service with a deposit is never free because the
    buyer browses in another currency. A zero amount means no deposit.
    """
    deposits = {row.currency: row.amount for row in ServiceDeposit.objects.filter(service=service)}
    if not deposits:
        return None
    for code in (currency, service.shop.default_currency, *sorted(deposits)):
        if code in deposits:
            amount = deposits[code]
            return Money.of(amount, code) if amount > 0 else None
    return None  # pragma: no cover - the loop always finds one


@dataclass(frozen=True)
class ServiceOffer:
    service: ConsultationService
    name: str
    description: str
    deposit: Money | None


def services_on_offer(*, language: str, currency: str, shop_slug: str = "") -> list[ServiceOffer]:
    """Active services of active shops that have at least one active consultant."""
    services = (
        ConsultationService.objects.filter(
            is_active=True, shop__is_active=True, consultants__is_active=True
        )
        .select_related("shop")
        .distinct()
        .order_by("shop__name", "pk")
    )
    if shop_slug:
        services = services.filter(shop__slug=shop_slug)
    return [
        ServiceOffer(
            service=service,
            name=service.name_in(language),
            description=service.description_in(language),
            deposit=service_deposit(service, currency),
        )
        for service in services
    ]


def bookable_service(service_id: int) -> ConsultationService | None:
    return (
        ConsultationService.objects.filter(pk=service_id, is_active=True, shop__is_active=True)
        .select_related("shop")
        .first()
    )


@dataclass
class SlotDay:
    date: dt.date  # in the buyer's zone
    slots: list[Slot] = field(default_factory=list)


def booking_window(
    buyer_tz: str, *, now: dt.datetime | None = None
) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """(first buyer date, window start, window end) of the slots offered, UTC instants."""
    zone = zone_for(buyer_tz)
    first = (now or timezone.now()).astimezone(zone).date()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(
        first + dt.timedelta(days=BOOKING_WINDOW_DAYS), dt.time(0), tzinfo=zone
    ).astimezone(dt.UTC)
    return first, start, end


def slots_in_window(
    service: ConsultationService, buyer_tz: str, *, now: dt.datetime | None = None
) -> list[Slot]:
    first, _start, _end = booking_window(buyer_tz, now=now)
    return open_slots(
        service=service,
        start_date=first,
        days=BOOKING_WINDOW_DAYS,
        buyer_tz=buyer_tz,
        now=now,
    )


def slots_by_day(slots: list[Slot]) -> list[SlotDay]:
    """Group slots by their date in the buyer's zone (each slot's own offset, so DST days
    group correctly)."""
    days: dict[dt.date, SlotDay] = {}
    for slot in slots:
        day = slot.local_starts_at.date()
        days.setdefault(day, SlotDay(date=day)).slots.append(slot)
    return list(days.values())


def booking_for_buyer(user: User, booking_id: int) -> Booking:
    """The buyer's own booking, else ``Booking.DoesNotExist``."""
    return Booking.objects.select_related("service", "service__shop", "consultant").get(
        pk=booking_id, buyer=user
    )


def bookings_for_buyer(
    user: User, *, now: dt.datetime | None = None
) -> tuple[QuerySet[Booking], QuerySet[Booking]]:
    """(upcoming, past) bookings of the buyer. Upcoming: confirmed or live holds not yet
    ended; past: everything else except holds that never became bookings."""
    now = now or timezone.now()
    mine = Booking.objects.filter(buyer=user).select_related(
        "service", "service__shop", "consultant", "deposit_order"
    )
    live = Q(status=BookingStatus.CONFIRMED) | Q(status=BookingStatus.HELD, hold_expires_at__gt=now)
    upcoming = mine.filter(live, ends_at__gt=now).order_by("starts_at")
    past = (
        mine.exclude(pk__in=upcoming.values("pk"))
        .exclude(status__in=[BookingStatus.HELD, BookingStatus.EXPIRED])
        .order_by("-starts_at")
    )
    return upcoming, past


def local_time(instant: dt.datetime, zone_name: str) -> dt.datetime:
    try:
        return instant.astimezone(zoneinfo.ZoneInfo(zone_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return instant.astimezone(dt.UTC)
