"""Booking e-mails and reminders: the .ics invite read back with the icalendar package, the
buyer's language and zone, reminders due once (never twice, none for short notice), the
October DST weekend, and a deposit refund on cancellation."""

from __future__ import annotations

import datetime as dt
import re
import threading
import zoneinfo
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import icalendar
import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from shop.orders.models import Order, OrderStatus
from shop.payments.services import payment_start, payment_test_charge
from shop.shops.models import Shop
from support.consultations.booking_emails import booking_email_send, booking_invite
from support.consultations.ics import fold
from support.consultations.models import Booking, BookingStatus
from support.consultations.selectors.slots import open_slots
from support.consultations.services.bookings import (
    BookingError,
    booking_cancel,
    booking_confirm,
    booking_hold,
    booking_reschedule,
)
from support.consultations.services.calls import call_join_token_user
from support.consultations.services.deposits import booking_checkout, booking_deposit_paid
from support.consultations.services.reminders import reminders_send_due
from support.consultations.tasks import send_due_reminders
from tests.factories import make_shop, make_user
from tests.support.booking_world import make_consultant, make_service, upcoming_slots

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
Capture = Callable[..., Any]


@pytest.fixture
def shop(db: Any) -> Shop:
    return make_shop("maison", default_currency="EUR")


def book(
    service: Any,
    consultant: Any,
    starts_at: dt.datetime,
    *,
    now: dt.datetime = NOW,
    language: str = "en",
    tz: str = "Australia/Sydney",
    confirm: bool = True,
) -> Booking:
    buyer = make_user()
    booking = booking_hold(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer,
        starts_at=starts_at,
        buyer_time_zone=tz,
        language=language,
        now=now,
    )
    if confirm:
        booking = booking_confirm(booking_id=booking.pk, buyer=buyer, now=now)
    return booking


def parse(ics: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


# The invite ------------------------------------------------------------------------------


def test_the_invite_reads_back_as_one_utc_event_with_the_join_link(shop: Shop) -> None:
    service = make_service(shop, names={"en": "Private viewing; rings, watches"})
    consultant = make_consultant(shop, [service])
    booking = book(service, consultant, dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC))

    calendar = parse(booking_invite(booking, cancel=False, now=NOW))

    assert str(calendar["METHOD"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"consultation-{booking.pk}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == dt.datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Private viewing; rings, watches with Maison"
    assert f"/en/consultations/{booking.pk}/call/" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:no-reply@showroom.local"
    assert event["ORGANIZER"].params["CN"] == "Maison"
    assert str(event["ATTENDEE"]) == f"mailto:{booking.buyer.email}"


def test_reschedule_and_cancel_keep_the_uid_and_bump_the_sequence(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    booking = book(service, consultant, dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    first = parse(booking_invite(booking, cancel=False)).walk("VEVENT")[0]

    moved = booking_reschedule(
        booking_id=booking.pk,
        actor=booking.buyer,
        new_starts_at=dt.datetime(2026, 3, 12, 10, 0, tzinfo=UTC),
        now=NOW,
    )
    update = parse(booking_invite(moved, cancel=False)).walk("VEVENT")[0]
    cancelled = booking_cancel(booking_id=booking.pk, actor=booking.buyer, now=NOW)
    cancel_calendar = parse(booking_invite(cancelled, cancel=True))
    cancel = cancel_calendar.walk("VEVENT")[0]

    assert first["UID"] == update["UID"] == cancel["UID"]
    assert (first["SEQUENCE"], update["SEQUENCE"], cancel["SEQUENCE"]) == (0, 1, 2)
    assert update.decoded("DTSTART") == dt.datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    assert str(cancel_calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    line = "DESCRIPTION:" + "Visite privée — 私人预约 " * 10
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part[1:] if i else part for i, part in enumerate(parts)) == line


def test_the_confirmation_is_in_the_buyers_language_and_zone_with_the_invite_attached(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(
            service,
            consultant,
            dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
            language="es",
            tz="America/Mexico_City",
        )

    (message,) = mail.outbox
    assert "Visita privada" in message.subject
    assert "marzo" in message.body  # the date in Spanish
    assert "03:00" in message.body and "America/Mexico_City" in message.body  # 09:00 UTC
    assert f"/es/consultations/{booking.pk}/call/" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "invite.ics" and "method=REQUEST" in mimetype
    assert parse(content).walk("VEVENT")[0]["SEQUENCE"] == 0
    # A retried task sends nothing more
    assert booking_email_send(booking_id=booking.pk, kind="confirmed", sequence=0) is False
    assert len(mail.outbox) == 1


# Reminders -------------------------------------------------------------------------------


def test_reminders_go_out_once_each_24_hours_and_15_minutes_before(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    booking = book(service, consultant, starts)

    assert reminders_send_due(now=starts - dt.timedelta(hours=25)) == 0  # not yet
    assert reminders_send_due(now=starts - dt.timedelta(hours=23, minutes=59)) == 1
    assert reminders_send_due(now=starts - dt.timedelta(hours=20)) == 0  # not twice
    assert reminders_send_due(now=starts - dt.timedelta(minutes=16)) == 0
    assert reminders_send_due(now=starts - dt.timedelta(minutes=14)) == 1
    assert reminders_send_due(now=starts - dt.timedelta(minutes=5)) == 0
    assert reminders_send_due(now=starts + dt.timedelta(minutes=1)) == 0

    subjects = [message.subject for message in mail.outbox]
    assert subjects == [
        "Reminder: your Private viewing is tomorrow",
        "Your Private viewing starts in 15 minutes",
    ]
    booking.refresh_from_db()
    assert booking.reminder_24h_sent_at and booking.reminder_15m_sent_at
    # The last reminder's link lets the buyer straight in: a join token made for them.
    link = re.search(r"https?://\S+/call/\?t=(\S+)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    assert call_join_token_user(token=link.group(1), booking_id=booking.pk) == booking.buyer_id
    assert "?t=" not in mail.outbox[0].body


def test_a_booking_made_less_than_24_hours_ahead_gets_only_the_15_minute_reminder(
    shop: Shop,
) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    book(service, consultant, starts, now=starts - dt.timedelta(hours=20))

    sent = [
        reminders_send_due(now=starts - lead)
        for lead in (dt.timedelta(hours=19), dt.timedelta(hours=2), dt.timedelta(minutes=10))
    ]

    assert sent == [0, 0, 1]
    assert [m.subject for m in mail.outbox] == ["Your Private viewing starts in 15 minutes"]


def test_cancelled_and_unconfirmed_bookings_get_no_reminders(shop: Shop) -> None:
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    cancelled = book(service, consultant, starts)
    booking_cancel(booking_id=cancelled.pk, actor=cancelled.buyer, now=NOW)
    book(service, consultant, starts + dt.timedelta(hours=2), confirm=False)

    assert reminders_send_due(now=starts - dt.timedelta(hours=23)) == 0
    assert mail.outbox == []


def test_a_rescheduled_booking_is_reminded_again_for_its_new_time(shop: Shop) -> None:
    service = make_service(shop, reschedule_cutoff_hours=1)
    consultant = make_consultant(shop, [service])
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    booking = book(service, consultant, starts)
    assert reminders_send_due(now=starts - dt.timedelta(hours=23)) == 1
    new_start = dt.datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    booking_reschedule(
        booking_id=booking.pk,
        actor=booking.buyer,
        new_starts_at=new_start,
        now=starts - dt.timedelta(hours=23),
    )

    assert reminders_send_due(now=new_start - dt.timedelta(hours=23)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_send_each_reminder_once() -> None:
    shop = make_shop("maison-race")
    service = make_service(shop)
    consultant = make_consultant(shop, [service])
    starts = dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    for hour in (9, 10, 11, 12, 13):
        book(service, consultant, starts.replace(hour=hour))
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(reminders_send_due(now=starts - dt.timedelta(hours=12)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(results) == 5
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 5
    assert len({m.to[0] for m in reminders}) == 5
    assert Booking.objects.filter(reminder_24h_sent_at__isnull=True).count() == 0


def test_the_beat_task_is_scheduled(settings: Any) -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "support.consultations.tasks.send_due_reminders" in entries
    assert send_due_reminders.name == "support.consultations.tasks.send_due_reminders"


# The October DST weekend (the existing tests cover March/April) ----------------------------


def test_sydney_buyer_sees_paris_slots_right_across_the_october_changes(shop: Shop) -> None:
    # Sydney springs forward on 4 October 2026 (AEST +10 -> AEDT +11); Paris falls back on
    # 25 October 2026 (CEST +2 -> CET +1)
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))
    sydney = zoneinfo.ZoneInfo("Australia/Sydney")

    slots = open_slots(
        service=service,
        start_date=dt.date(2026, 10, 1),
        days=30,
        buyer_tz="Australia/Sydney",
        now=dt.datetime(2026, 9, 1, tzinfo=UTC),
    )

    local = {slot.local_starts_at.date(): slot.local_starts_at for slot in slots}
    assert len(slots) == 30
    assert local[dt.date(2026, 10, 3)].isoformat() == "2026-10-03T18:00:00+10:00"
    assert local[dt.date(2026, 10, 4)].isoformat() == "2026-10-04T19:00:00+11:00"
    assert local[dt.date(2026, 10, 24)].isoformat() == "2026-10-24T19:00:00+11:00"
    assert local[dt.date(2026, 10, 25)].isoformat() == "2026-10-25T20:00:00+11:00"
    assert all(slot.local_starts_at.tzinfo == sydney for slot in slots)


# Deposits ------------------------------------------------------------------------------


def held_with_deposit(shop: Shop, now: dt.datetime | None = None) -> tuple[Booking, Order]:
    """A hold on a real upcoming slot (the payment services run on the real clock)."""
    now = now or timezone.now()
    service = make_service(shop, deposits={"EUR": "40"})
    consultant = make_consultant(shop, [service])
    buyer = make_user()
    booking = booking_hold(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer,
        starts_at=upcoming_slots(service, after=dt.timedelta(days=3))[0].starts_at,
        buyer_time_zone="Europe/Paris",
        language="en",
        currency="EUR",
        now=now,
    )
    checkout = booking_checkout(booking_id=booking.pk, buyer=buyer, now=now)
    assert checkout.order is not None
    return checkout.booking, checkout.order


def test_a_deposit_service_cannot_be_confirmed_without_paying(shop: Shop) -> None:
    booking, _order = held_with_deposit(shop)

    with pytest.raises(BookingError) as refused:
        booking_confirm(booking_id=booking.pk, buyer=booking.buyer)
    assert refused.value.code == "deposit_required"


def test_a_late_payment_still_confirms_when_the_time_is_free(shop: Shop) -> None:
    booking, order = held_with_deposit(shop)
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.EXPIRED)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.PAID)

    confirmed = booking_deposit_paid(order_id=order.pk)

    assert confirmed is not None and confirmed.status == BookingStatus.CONFIRMED


def test_a_late_payment_for_a_time_someone_else_took_is_refunded(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    # Given a buyer whose hold lapsed while paying, and another buyer who took the time
    booking, order = held_with_deposit(shop)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    booking_hold(
        service_id=booking.service_id,
        consultant_id=booking.consultant_id,
        buyer=make_user(),
        starts_at=booking.starts_at,
        buyer_time_zone="UTC",
        language="en",
    )

    # When the first buyer's money arrives
    with django_capture_on_commit_callbacks(execute=True):
        payment_test_charge(payment=payment_start(order=order), card_number="4242424242424242")

    # Then their booking stays expired and the deposit goes back
    booking.refresh_from_db()
    order.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert order.status == OrderStatus.REFUNDED


def test_cancelling_a_paid_booking_refunds_its_deposit(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    booking, order = held_with_deposit(shop)
    with django_capture_on_commit_callbacks(execute=True):
        payment_test_charge(payment=payment_start(order=order), card_number="4242424242424242")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking_id=booking.pk, actor=booking.buyer)

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_total == Decimal("40")
