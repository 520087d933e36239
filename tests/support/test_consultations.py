"""Consultation availability, booking and policies: time zones and DST, limits, holds, races."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from shop.accounts.models import User
from shop.shops.models import Role, Shop
from support.consultations.models import (
    AvailabilityException,
    Booking,
    BookingStatus,
    Consultant,
    ConsultationService,
    WeeklyAvailability,
)
from support.consultations.selectors import Slot, local_to_utc, open_slots
from support.consultations.services import (
    BookingError,
    booking_cancel,
    booking_confirm,
    booking_hold,
    booking_reschedule,
    holds_release_expired,
)
from support.consultations.tasks import release_expired_holds
from tests.factories import make_shop, make_staff, make_user

UTC = dt.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def make_service(shop: Shop, **fields: Any) -> ConsultationService:
    defaults: dict[str, Any] = {
        "names": {"en": "Private viewing", "es": "Visita privada"},
        "duration_minutes": 60,
        "buffer_minutes": 0,
        "min_notice_minutes": 60,
        "cancel_cutoff_hours": 24,
        "reschedule_cutoff_hours": 24,
    }
    defaults.update(fields)
    return ConsultationService.objects.create(shop=shop, **defaults)


def make_consultant(
    shop: Shop,
    services: list[ConsultationService],
    *,
    time_zone: str = "Europe/Paris",
    hours: tuple[dt.time, dt.time] | None = (dt.time(10), dt.time(11)),
    weekdays: range = range(7),
    max_calls_per_day: int = 8,
) -> Consultant:
    user = make_staff(shop, Role.CONSULTANT)
    consultant = Consultant(
        shop=shop, user=user, time_zone=time_zone, max_calls_per_day=max_calls_per_day
    )
    consultant.full_clean()
    consultant.save()
    consultant.services.set(services)
    if hours:
        for weekday in weekdays:
            WeeklyAvailability.objects.create(
                consultant=consultant, weekday=weekday, start_time=hours[0], end_time=hours[1]
            )
    return consultant


def hold(
    service: ConsultationService,
    consultant: Consultant,
    starts_at: dt.datetime,
    *,
    buyer: User | None = None,
    now: dt.datetime = NOW,
) -> Booking:
    return booking_hold(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer or make_user(),
        starts_at=starts_at,
        buyer_time_zone="Australia/Sydney",
        language="en",
        now=now,
    )


def starts(slots: list[Slot]) -> list[dt.datetime]:
    return [slot.starts_at for slot in slots]


@pytest.fixture
def shop(db: Any) -> Shop:
    return make_shop("atelier")


# Time zones and DST ----------------------------------------------------------------------


def test_a_slot_inside_paris_spring_forward_gap_does_not_exist(shop: Shop) -> None:
    # Given a Paris consultant working 01:00-04:00 on Sunday 29 March 2026 (clocks 02:00 -> 03:00)
    service = make_service(shop, duration_minutes=30)
    consultant = make_consultant(
        shop, [service], hours=(dt.time(1), dt.time(4)), weekdays=range(6, 7)
    )

    # When the buyer looks at that Paris day
    slots = open_slots(
        service=service, start_date=dt.date(2026, 3, 29), days=1, buyer_tz="Europe/Paris", now=NOW
    )

    # Then 02:00 and 02:30 are not offered; the rest are back-to-back in real time
    assert [slot.local_starts_at.strftime("%H:%M") for slot in slots] == [
        "01:00",
        "01:30",
        "03:00",
        "03:30",
    ]
    assert starts(slots) == [
        utc(2026, 3, 29, 0, 0),
        utc(2026, 3, 29, 0, 30),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 1, 30),
    ]
    # And an instant that is not on the consultant's grid cannot be held
    with pytest.raises(BookingError) as refused:
        hold(service, consultant, utc(2026, 3, 29, 0, 45))
    assert refused.value.code == "not_offered"


def test_sydney_buyer_sees_paris_slots_at_the_right_instants_across_both_dst_changes(
    shop: Shop,
) -> None:
    # Given a Paris consultant available 10:00-11:00 every day
    service = make_service(shop)
    make_consultant(shop, [service])

    # When a buyer in Sydney looks at 27 March - 6 April (their dates)
    slots = open_slots(
        service=service,
        start_date=dt.date(2026, 3, 27),
        days=11,
        buyer_tz="Australia/Sydney",
        now=NOW,
    )

    # Then every Paris day has its 10:00 slot, at the UTC instant of Paris 10:00 that day ...
    assert len(slots) == 11
    assert all(slot.starts_at.astimezone(PARIS).time() == dt.time(10) for slot in slots)
    by_day = {slot.starts_at.astimezone(PARIS).date(): slot for slot in slots}
    before_paris_change = by_day[dt.date(2026, 3, 28)]  # CET (+1), AEDT (+11)
    between_changes = by_day[dt.date(2026, 3, 30)]  # CEST (+2), AEDT (+11)
    after_sydney_change = by_day[dt.date(2026, 4, 6)]  # CEST (+2), AEST (+10)
    assert before_paris_change.starts_at == utc(2026, 3, 28, 9, 0)
    assert between_changes.starts_at == utc(2026, 3, 30, 8, 0)
    assert after_sydney_change.starts_at == utc(2026, 4, 6, 8, 0)
    # ... rendered in Sydney's own offset of that day
    assert before_paris_change.local_starts_at.isoformat() == "2026-03-28T20:00:00+11:00"
    assert between_changes.local_starts_at.isoformat() == "2026-03-30T19:00:00+11:00"
    assert after_sydney_change.local_starts_at.isoformat() == "2026-04-06T18:00:00+10:00"
    assert after_sydney_change.local_ends_at.isoformat() == "2026-04-06T19:00:00+10:00"


def test_sydney_repeated_hour_is_rendered_with_its_own_offset(shop: Shop) -> None:
    # Given special hours in Paris on Saturday 4 April, 17:00-19:00 CEST = 15:00-17:00 UTC,
    # which is 02:00-03:00 twice in Sydney (clocks go back from 03:00 AEDT to 02:00 AEST)
    service = make_service(shop, duration_minutes=30)
    consultant = make_consultant(shop, [service], hours=None)
    AvailabilityException.objects.create(
        consultant=consultant,
        date=dt.date(2026, 4, 5 - 1),
        is_closed=False,
        start_time=dt.time(17),
        end_time=dt.time(19),
    )

    slots = open_slots(
        service=service,
        start_date=dt.date(2026, 4, 5),
        days=1,
        buyer_tz="Australia/Sydney",
        now=NOW,
    )

    assert [slot.local_starts_at.isoformat() for slot in slots] == [
        "2026-04-05T02:00:00+11:00",
        "2026-04-05T02:30:00+11:00",
        "2026-04-05T02:00:00+10:00",
        "2026-04-05T02:30:00+10:00",
    ]
    assert starts(slots) == [
        utc(2026, 4, 4, 15, 0),
        utc(2026, 4, 4, 15, 30),
        utc(2026, 4, 4, 16, 0),
        utc(2026, 4, 4, 16, 30),
    ]


def test_an_ambiguous_consultant_time_is_its_first_occurrence() -> None:
    # Paris falls back on 25 October 2026: 02:30 happens at 00:30 UTC (CEST) and 01:30 UTC (CET)
    assert local_to_utc(dt.date(2026, 10, 25), dt.time(2, 30), PARIS) == utc(2026, 10, 25, 0, 30)
    assert local_to_utc(dt.date(2026, 3, 29), dt.time(2, 30), PARIS) is None


def test_an_unknown_buyer_time_zone_is_refused(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    with pytest.raises(ValueError):
        open_slots(
            service=service, start_date=dt.date(2026, 3, 10), days=1, buyer_tz="Mars/Olympus"
        )
    with pytest.raises(BookingError) as refused:
        booking_hold(
            service_id=service.pk,
            consultant_id=consultant.pk,
            buyer=make_user(),
            starts_at=utc(2026, 3, 10, 9),
            buyer_time_zone="Mars/Olympus",
            language="en",
            now=NOW,
        )
    assert refused.value.code == "invalid_time_zone"


# Limits, exceptions, buffers -------------------------------------------------------------


def test_max_calls_per_day_closes_the_consultants_local_day(shop: Shop) -> None:
    # Given a consultant who takes at most 2 calls a day, with 4 hours on Tuesday 10 March
    service = make_service(shop)
    consultant = make_consultant(
        shop, [service], hours=(dt.time(9), dt.time(13)), max_calls_per_day=2
    )
    day = dt.date(2026, 3, 10)
    assert (
        len(open_slots(service=service, start_date=day, days=1, buyer_tz="Europe/Paris", now=NOW))
        == 4
    )

    # When two calls are held that day
    hold(service, consultant, utc(2026, 3, 10, 8))  # 09:00 Paris
    hold(service, consultant, utc(2026, 3, 10, 10))  # 11:00 Paris

    # Then the day shows no more slots and a third hold is refused; the next day is untouched
    slots = open_slots(service=service, start_date=day, days=2, buyer_tz="Europe/Paris", now=NOW)
    assert {slot.starts_at.astimezone(PARIS).date() for slot in slots} == {dt.date(2026, 3, 11)}
    with pytest.raises(BookingError) as refused:
        hold(service, consultant, utc(2026, 3, 10, 11))
    assert refused.value.code == "day_full"


def test_exceptions_close_a_day_or_replace_its_hours(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service], hours=(dt.time(9), dt.time(11)))
    AvailabilityException.objects.create(
        consultant=consultant, date=dt.date(2026, 3, 10), note="Holiday"
    )
    AvailabilityException.objects.create(
        consultant=consultant,
        date=dt.date(2026, 3, 11),
        is_closed=False,
        start_time=dt.time(15),
        end_time=dt.time(16),
    )

    slots = open_slots(
        service=service, start_date=dt.date(2026, 3, 10), days=3, buyer_tz="Europe/Paris", now=NOW
    )

    assert [slot.local_starts_at.strftime("%d %H:%M") for slot in slots] == [
        "11 15:00",
        "12 09:00",
        "12 10:00",
    ]
    with pytest.raises(BookingError) as refused:
        hold(service, consultant, utc(2026, 3, 10, 8))
    assert refused.value.code == "not_offered"


def test_buffer_after_a_call_keeps_the_next_slots_free(shop: Shop) -> None:
    # Given a 30-minute service with a 15-minute buffer and a 30-minute one without
    buffered = make_service(shop, duration_minutes=30, buffer_minutes=15)
    plain = make_service(shop, duration_minutes=30)
    consultant = make_consultant(shop, [buffered, plain], hours=(dt.time(9), dt.time(11)))
    day = dt.date(2026, 3, 10)
    assert [
        slot.local_starts_at.strftime("%H:%M")
        for slot in open_slots(
            service=buffered, start_date=day, days=1, buyer_tz="Europe/Paris", now=NOW
        )
    ] == ["09:00", "09:45", "10:30"]

    # When 09:45-10:15 is booked (calendar blocked until 10:30)
    hold(buffered, consultant, utc(2026, 3, 10, 8, 45))

    # Then the plain service cannot start at 09:30 or 10:00, only before or after the buffer
    plain_slots = open_slots(
        service=plain, start_date=day, days=1, buyer_tz="Europe/Paris", now=NOW
    )
    assert [slot.local_starts_at.strftime("%H:%M") for slot in plain_slots] == ["09:00", "10:30"]
    with pytest.raises(BookingError) as refused:
        hold(plain, consultant, utc(2026, 3, 10, 9, 0))  # 10:00 Paris, inside the buffer
    assert refused.value.code == "slot_taken"


def test_minimum_notice_hides_slots_too_soon(shop: Shop) -> None:
    service = make_service(shop, min_notice_minutes=24 * 60)
    consultant = make_consultant(shop, [service])
    now = utc(2026, 3, 10, 12)
    slots = open_slots(
        service=service, start_date=dt.date(2026, 3, 10), days=3, buyer_tz="UTC", now=now
    )
    assert starts(slots) == [utc(2026, 3, 12, 9)]
    with pytest.raises(BookingError) as refused:
        hold(service, consultant, utc(2026, 3, 11, 9), now=now)
    assert refused.value.code == "too_soon"


# Holds -----------------------------------------------------------------------------------


def test_a_held_slot_disappears_for_others_and_comes_back_when_the_hold_expires(
    shop: Shop, settings: Any
) -> None:
    settings.CONSULTATION_HOLD_MINUTES = 5
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    slot_start = utc(2026, 3, 10, 9)
    day = dt.date(2026, 3, 10)

    # Given buyer A holds 10:00 Paris
    first = hold(service, consultant, slot_start)
    assert first.hold_expires_at == NOW + dt.timedelta(minutes=5)

    # Then nobody else sees or gets it while the hold lives
    assert open_slots(service=service, start_date=day, days=1, buyer_tz="UTC", now=NOW) == []
    with pytest.raises(BookingError) as refused:
        hold(service, consultant, slot_start, now=NOW + dt.timedelta(minutes=4))
    assert refused.value.code == "slot_taken"

    # When the hold runs out unconfirmed, the beat task releases it
    later = NOW + dt.timedelta(minutes=6)
    assert starts(
        open_slots(service=service, start_date=day, days=1, buyer_tz="UTC", now=later)
    ) == [slot_start]
    assert holds_release_expired(now=later) == 1
    first.refresh_from_db()
    assert first.status == BookingStatus.EXPIRED
    with pytest.raises(BookingError) as expired:
        booking_confirm(booking_id=first.pk, buyer=first.buyer, now=later)
    assert expired.value.code == "hold_expired"

    # And buyer B can hold and confirm it
    second = hold(service, consultant, slot_start, now=later)
    confirmed = booking_confirm(booking_id=second.pk, buyer=second.buyer, now=later)
    assert confirmed.status == BookingStatus.CONFIRMED
    assert release_expired_holds.delay().get() == 0


def test_a_new_hold_replaces_an_expired_one_even_before_the_task_runs(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    first = hold(service, consultant, utc(2026, 3, 10, 9))
    second = hold(service, consultant, utc(2026, 3, 10, 9), now=NOW + dt.timedelta(minutes=10))
    first.refresh_from_db()
    assert (first.status, second.status) == (BookingStatus.EXPIRED, BookingStatus.HELD)


# Cancellation and rescheduling policy ----------------------------------------------------


def _confirmed(
    service: ConsultationService, consultant: Consultant, starts_at: dt.datetime
) -> Booking:
    booking = hold(service, consultant, starts_at)
    return booking_confirm(booking_id=booking.pk, buyer=booking.buyer, now=NOW)


def test_the_buyer_cannot_cancel_after_the_cut_off_but_the_shop_can(shop: Shop) -> None:
    service = make_service(shop, cancel_cutoff_hours=24)
    consultant = make_consultant(shop, [service])
    booking = _confirmed(service, consultant, utc(2026, 3, 10, 9))

    with pytest.raises(BookingError) as refused:
        booking_cancel(booking_id=booking.pk, actor=booking.buyer, now=utc(2026, 3, 9, 9, 1))
    assert refused.value.code == "too_late_to_cancel"
    stranger = make_user()
    with pytest.raises(BookingError) as not_yours:
        booking_cancel(booking_id=booking.pk, actor=stranger, now=NOW)
    assert not_yours.value.code == "not_yours"

    booking_cancel(booking_id=booking.pk, actor=consultant.user, now=utc(2026, 3, 10, 8))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_the_buyer_can_cancel_before_the_cut_off_and_the_slot_reopens(shop: Shop) -> None:
    service = make_service(shop, cancel_cutoff_hours=24)
    consultant = make_consultant(shop, [service])
    booking = _confirmed(service, consultant, utc(2026, 3, 10, 9))
    when = utc(2026, 3, 9, 8, 59)

    booking_cancel(booking_id=booking.pk, actor=booking.buyer, now=when)

    slots = open_slots(
        service=service, start_date=dt.date(2026, 3, 10), days=1, buyer_tz="UTC", now=when
    )
    assert starts(slots) == [utc(2026, 3, 10, 9)]


def test_reschedule_moves_the_booking_within_the_cut_off(shop: Shop) -> None:
    service = make_service(shop, reschedule_cutoff_hours=48)
    consultant = make_consultant(shop, [service])
    booking = _confirmed(service, consultant, utc(2026, 3, 10, 9))
    taken = _confirmed(service, consultant, utc(2026, 3, 11, 9))

    with pytest.raises(BookingError) as clash:
        booking_reschedule(
            booking_id=booking.pk, actor=booking.buyer, new_starts_at=taken.starts_at, now=NOW
        )
    assert clash.value.code == "slot_taken"

    moved = booking_reschedule(
        booking_id=booking.pk, actor=booking.buyer, new_starts_at=utc(2026, 3, 12, 9), now=NOW
    )
    assert (moved.starts_at, moved.ends_at, moved.status) == (
        utc(2026, 3, 12, 9),
        utc(2026, 3, 12, 10),
        BookingStatus.CONFIRMED,
    )
    with pytest.raises(BookingError) as late:
        booking_reschedule(
            booking_id=booking.pk,
            actor=booking.buyer,
            new_starts_at=utc(2026, 3, 13, 9),
            now=utc(2026, 3, 10, 10),
        )
    assert late.value.code == "too_late_to_reschedule"


def test_a_consultant_must_hold_the_consultant_role(shop: Shop) -> None:
    from django.core.exceptions import ValidationError

    host = make_staff(shop, Role.HOST)
    with pytest.raises(ValidationError):
        Consultant(shop=shop, user=host, time_zone="Europe/Paris").full_clean()
    with pytest.raises(ValidationError):
        Consultant(
            shop=shop, user=make_staff(shop, Role.CONSULTANT), time_zone="Paris"
        ).full_clean()


# Concurrency (PostgreSQL) ----------------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the race and the exclusion constraint are verified on PostgreSQL",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_racing_for_one_slot_get_exactly_one_hold() -> None:
    shop = make_shop("race-atelier")
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    buyers = [make_user() for _ in range(20)]
    barrier = threading.Barrier(20)

    def attempt(index: int) -> str:
        try:
            barrier.wait(timeout=30)
            hold(service, consultant, utc(2026, 3, 10, 9), buyer=buyers[index])
            return "held"
        except BookingError as refused:
            return refused.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = Counter(pool.map(attempt, range(20)))

    assert outcomes == Counter({"held": 1, "slot_taken": 19})
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_rejects_an_overlapping_insert_that_bypasses_the_services() -> None:
    shop = make_shop("constraint-atelier")
    service = make_service(shop, buffer_minutes=15)
    consultant = make_consultant(shop, [service])
    booking = hold(service, consultant, utc(2026, 3, 10, 9))

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            service=service,
            consultant=consultant,
            buyer=make_user(),
            starts_at=utc(2026, 3, 10, 10, 10),  # inside the first booking's buffer
            ends_at=utc(2026, 3, 10, 11, 10),
            blocked_until=utc(2026, 3, 10, 11, 10),
            status=BookingStatus.CONFIRMED,
            buyer_time_zone="UTC",
            language="en",
        )

    # A cancelled row does not block, so the same time can be inserted once the first is gone
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    Booking.objects.create(
        service=service,
        consultant=consultant,
        buyer=make_user(),
        starts_at=utc(2026, 3, 10, 9),
        ends_at=utc(2026, 3, 10, 10),
        blocked_until=utc(2026, 3, 10, 10),
        status=BookingStatus.CONFIRMED,
        buyer_time_zone="UTC",
        language="en",
    )


# Merchant admin --------------------------------------------------------------------------


def test_admin_shows_a_shops_consultation_data_only_to_its_staff(shop: Shop) -> None:
    from django.test import Client
    from django.urls import reverse

    # Given two shops, each with a service, a consultant and a booking
    other = make_shop("meridian")
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    other_service = make_service(other)
    other_consultant = make_consultant(other, [other_service])
    own_booking = hold(service, consultant, utc(2026, 3, 10, 9))
    other_booking = hold(other_service, other_consultant, utc(2026, 3, 10, 9))
    client = Client()
    client.force_login(consultant.user)

    # Then lists hold only the consultant's own shop's rows, and other rows are unreachable
    for name, own, foreign in [
        ("consultationservice", service, other_service),
        ("consultant", consultant, other_consultant),
        ("booking", own_booking, other_booking),
    ]:
        listing = client.get(reverse(f"admin:consultations_{name}_changelist"))
        assert listing.status_code == 200
        assert {row.pk for row in listing.context["cl"].result_list} == {own.pk}
        foreign_page = client.get(reverse(f"admin:consultations_{name}_change", args=[foreign.pk]))
        assert foreign_page.status_code == 302  # "does not exist" -> back to the index

    # And the consultant form offers only this shop's consultants as users
    add_form = client.get(reverse("admin:consultations_consultant_add"))
    offered = set(add_form.context["adminform"].form.fields["user"].queryset)
    assert offered == {consultant.user}


def test_access_booking_lets_the_buyer_and_shop_staff_in_only(shop: Shop) -> None:
    from support.consultations.selectors import access_booking

    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    booking = hold(service, consultant, utc(2026, 3, 10, 9))
    assert access_booking(booking.buyer, booking.pk) == booking
    assert access_booking(consultant.user, booking.pk) == booking
    with pytest.raises(Booking.DoesNotExist):
        access_booking(make_user(), booking.pk)
    with pytest.raises(Booking.DoesNotExist):
        access_booking(make_staff(make_shop("elsewhere")), booking.pk)
