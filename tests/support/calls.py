"""A consultation call to test with: shop A's consultant, a buyer, and a booking made through
the booking services (held, then confirmed) at a time relative to the real clock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from shop.accounts.models import User
from shop.shops.models import Role
from support.consultations.models import (
    Booking,
    Consultant,
    ConsultationService,
    WeeklyAvailability,
)
from support.consultations.selectors.slots import availability_starts
from support.consultations.services import booking_confirm, booking_hold
from tests.factories import CatalogWorld, build_world, make_staff, make_user

SLOT_MINUTES = 15


@dataclass
class CallWorld:
    world: CatalogWorld
    service: ConsultationService
    consultant: Consultant
    consultant_user: User
    other_consultant_user: User  # a consultant of the same shop, not assigned
    buyer: User
    stranger: User


def build_call_world() -> CallWorld:
    world = build_world()
    service = ConsultationService.objects.create(
        shop=world.shop_a,
        names={"en": "Private viewing", "es": "Visita privada"},
        duration_minutes=SLOT_MINUTES,
        min_notice_minutes=0,
    )
    consultants = []
    for email in ("consultant@example.test", "other-consultant@example.test"):
        user = make_staff(world.shop_a, Role.CONSULTANT, email)
        user.first_name = "Claire" if not consultants else "Otto"
        user.save(update_fields=["first_name"])
        consultant = Consultant.objects.create(
            shop=world.shop_a, user=user, time_zone="UTC", display_name=user.first_name
        )
        consultant.services.set([service])
        for weekday in range(7):
            WeeklyAvailability.objects.create(
                consultant=consultant,
                weekday=weekday,
                start_time=dt.time(0, 0),
                end_time=dt.time(23, 59),
            )
        consultants.append(consultant)
    buyer = make_user("buyer@example.test")
    buyer.first_name, buyer.last_name = "Bea", "Buyer"
    buyer.save(update_fields=["first_name", "last_name"])
    return CallWorld(
        world=world,
        service=service,
        consultant=consultants[0],
        consultant_user=consultants[0].user,
        other_consultant_user=consultants[1].user,
        buyer=buyer,
        stranger=make_user("stranger@example.test"),
    )


def slot_near(call: CallWorld, instant: dt.datetime) -> dt.datetime:
    """The latest slot start at or before ``instant`` (the grid has a slot every 15 minutes
    of every UTC day, the last at 23:30)."""
    for day in (instant.date(), instant.date() - dt.timedelta(days=1)):
        starts = [
            start
            for start in availability_starts(
                service=call.service, consultant=call.consultant, day=day
            )
            if start <= instant
        ]
        if starts:
            return max(starts)
    raise AssertionError("no slot")


def book_call(
    call: CallWorld,
    *,
    starts_in: dt.timedelta = dt.timedelta(0),
    currency: str = "EUR",
    language: str = "en",
) -> Booking:
    """A confirmed booking of the slot around ``now + starts_in``: booked a day before it
    (services called with that ``now``), so any slot can be booked."""
    starts_at = slot_near(call, timezone.now() + starts_in)
    earlier = starts_at - dt.timedelta(days=1)
    booking = booking_hold(
        service_id=call.service.pk,
        consultant_id=call.consultant.pk,
        buyer=call.buyer,
        starts_at=starts_at,
        buyer_time_zone="Europe/Madrid",
        language=language,
        now=earlier,
    )
    booking = booking_confirm(booking_id=booking.pk, buyer=call.buyer, now=earlier)
    Booking.objects.filter(pk=booking.pk).update(currency=currency)
    booking.refresh_from_db()
    return booking


def open_call(call: CallWorld, **options: object) -> Booking:
    """A booking whose call is open now: its slot started at most 15 minutes ago, or starts
    within the next 10 minutes."""
    return book_call(call, starts_in=dt.timedelta(minutes=5), **options)  # type: ignore[arg-type]
