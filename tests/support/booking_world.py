"""Builders for the booking page, socket and e-mail tests (real rows, no mocks)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shop.accounts.models import User
from shop.shops.models import Role, Shop
from support.consultations.models import (
    Consultant,
    ConsultationService,
    ServiceDeposit,
    WeeklyAvailability,
)
from support.consultations.selectors.slots import Slot, open_slots
from tests.factories import make_staff


def make_service(
    shop: Shop, *, deposits: dict[str, str] | None = None, **fields: Any
) -> ConsultationService:
    defaults: dict[str, Any] = {
        "names": {"en": "Private viewing", "es": "Visita privada"},
        "descriptions": {"en": "See the collection live", "es": "La colección en directo"},
        "duration_minutes": 60,
        "buffer_minutes": 0,
        "min_notice_minutes": 60,
        "cancel_cutoff_hours": 24,
        "reschedule_cutoff_hours": 24,
    }
    defaults.update(fields)
    service = ConsultationService.objects.create(shop=shop, **defaults)
    for currency, amount in (deposits or {}).items():
        ServiceDeposit.objects.create(service=service, currency=currency, amount=Decimal(amount))
    return service


def make_consultant(
    shop: Shop,
    services: list[ConsultationService],
    *,
    time_zone: str = "Europe/Paris",
    hours: tuple[dt.time, dt.time] = (dt.time(9), dt.time(18)),
    max_calls_per_day: int = 20,
    name: str = "Camille",
) -> Consultant:
    user: User = make_staff(shop, Role.CONSULTANT)
    consultant = Consultant.objects.create(
        shop=shop,
        user=user,
        display_name=name,
        time_zone=time_zone,
        max_calls_per_day=max_calls_per_day,
    )
    consultant.services.set(services)
    for weekday in range(7):
        WeeklyAvailability.objects.create(
            consultant=consultant, weekday=weekday, start_time=hours[0], end_time=hours[1]
        )
    return consultant


def upcoming_slots(
    service: ConsultationService, *, tz: str = "UTC", after: dt.timedelta = dt.timedelta(0)
) -> list[Slot]:
    """Open slots of the next days (real clock), starting at least ``after`` from now."""
    now = timezone.now()
    slots = open_slots(service=service, start_date=now.date(), days=10, buyer_tz=tz, now=now)
    return [slot for slot in slots if slot.starts_at >= now + after]
