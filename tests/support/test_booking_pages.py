"""The buyer's booking pages: services and slots in the buyer's zone (DST included), hold ->
confirm, the deposit paid through the test gateway, My consultations, cancel and reschedule."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from shop.orders.models import Order, OrderStatus, SourceType
from shop.pricing.money import Money, format_money
from shop.shops.models import Shop
from support.consultations.models import Booking, BookingStatus
from support.consultations.services.bookings import booking_hold
from tests.factories import make_shop, make_user
from tests.support.booking_world import make_consultant, make_service, upcoming_slots

UTC = dt.UTC
Capture = Callable[..., Any]


@pytest.fixture
def shop(db: Any) -> Shop:
    return make_shop("maison", default_currency="EUR")


def signed_in(user: Any = None) -> tuple[Client, Any]:
    user = user or make_user()
    client = Client()
    client.force_login(user)
    return client, user


def hold_form(service: Any, slot: Any, tz: str = "UTC") -> dict[str, str]:
    return {
        "service": str(service.pk),
        "consultant": str(slot.consultant_id),
        "starts_at": slot.starts_at.isoformat(),
        "tz": tz,
    }


# Services and slots ------------------------------------------------------------------------


def test_the_page_lists_localized_services_with_the_deposit_in_the_shoppers_currency(
    shop: Shop,
) -> None:
    # Given a service with deposits in EUR and USD, and one without a consultant
    service = make_service(shop, deposits={"EUR": "50", "USD": "55"})
    make_consultant(shop, [service])
    make_service(shop, names={"en": "Nobody offers this"})

    # When a Spanish-speaking shopper browsing in USD opens the page
    client = Client()
    client.cookies["showroom_currency"] = "USD"
    page = client.get("/es/consultations/").content.decode()

    # Then the service is listed in Spanish with its USD deposit; the unstaffed one is not
    assert "Visita privada" in page and "La colección en directo" in page
    assert format_money(Money.of("55", "USD"), "es") in page
    assert "Nobody offers this" not in page
    # and the header links to the consultations
    assert 'id="consultations-link"' in page


def test_slots_are_rendered_in_the_buyers_zone_and_the_zone_is_remembered(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))
    tokyo = upcoming_slots(service, tz="Asia/Tokyo")[0]

    response = Client().get(f"/en/consultations/?service={service.pk}&tz=Asia/Tokyo")

    page = response.content.decode()
    # Paris 10:00 is 18:00 in Tokyo in winter (CET +1, JST +9)
    assert tokyo.local_starts_at.strftime("%H:%M") == "18:00"
    assert ">18:00</time>" in page
    assert 'data-tz="Asia/Tokyo"' in page
    assert response.cookies["showroom_tz"].value == "Asia/Tokyo"
    # The next visit without ?tz= uses the remembered zone
    client = Client()
    client.cookies["showroom_tz"] = "America/New_York"
    again = client.get(f"/en/consultations/?service={service.pk}").content.decode()
    assert 'data-tz="America/New_York"' in again and ">04:00</time>" in again


def test_an_unknown_time_zone_gets_a_clear_message_and_utc(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))

    response = Client().get(f"/en/consultations/?service={service.pk}&tz=Mars/Olympus")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="tz-error"' in page and "Mars/Olympus" in page
    assert 'data-tz="UTC"' in page and ">09:00</time>" in page  # Paris 10:00 CET in UTC
    assert "showroom_tz" not in response.cookies


def test_sydney_buyer_sees_paris_times_right_on_the_page_across_both_dst_changes(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a Paris consultant at 10:00 every day, and "today" is Thursday 25 March 2027 in
    # Sydney: Paris springs forward on Sunday 28 March, Sydney falls back on Sunday 4 April
    service = make_service(shop, min_notice_minutes=0)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))
    fixed_now = dt.datetime(2027, 3, 24, 14, 0, tzinfo=UTC)  # 25 March 01:00 in Sydney
    monkeypatch.setattr(timezone, "now", lambda: fixed_now)

    # When the Sydney buyer opens the page
    page = Client().get(f"/en/consultations/?service={service.pk}&tz=Australia/Sydney")
    html = page.content.decode()

    # Then each Sydney day shows the one Paris 10:00 slot at that day's local time
    by_day = dict(
        re.findall(
            r'data-date="(\d{4}-\d\d-\d\d)">.*?<time datetime="[^"]+">(\d\d:\d\d)</time>',
            html,
            re.S,
        )
    )
    assert by_day["2027-03-25"] == "20:00"  # CET +1, AEDT +11
    assert by_day["2027-03-27"] == "20:00"  # Paris Saturday 27 March, still CET
    assert by_day["2027-03-28"] == "19:00"  # Paris sprang forward at 02:00: CEST +2, AEDT +11
    assert by_day["2027-04-03"] == "19:00"
    assert by_day["2027-04-04"] == "18:00"  # Sydney fell back at 03:00 that morning: AEST +10
    assert by_day["2027-04-07"] == "18:00"
    assert len(by_day) == 14  # one slot a day, none lost or doubled by either change


# Hold and confirm ------------------------------------------------------------------------


def test_anonymous_buyers_are_sent_to_sign_in_and_back(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service])
    slot = upcoming_slots(service)[0]

    refused = Client().post("/en/consultations/hold/", hold_form(service, slot, "Europe/Paris"))

    assert refused.status_code == 302
    assert refused["Location"].startswith("/en/accounts/login/?next=")
    assert unquote(unquote(refused["Location"])).endswith(
        f"next=/en/consultations/?service={service.pk}&tz=Europe/Paris"
    )
    assert not Booking.objects.exists()
    assert Client().get("/en/consultations/mine/").status_code == 302


def test_a_hold_shows_a_countdown_and_the_slot_is_gone_for_the_next_buyer(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(12)))
    slot = upcoming_slots(service, tz="Europe/Paris")[0]
    first, buyer = signed_in()

    held = first.post("/en/consultations/hold/", hold_form(service, slot, "Europe/Paris"))

    booking = Booking.objects.get(buyer=buyer)
    assert held["Location"] == f"/en/consultations/bookings/{booking.pk}/"
    page = first.get(held["Location"]).content.decode()
    seconds = int(re.search(r'data-seconds="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert 5 * 60 - 5 <= seconds <= 5 * 60
    assert "Confirm booking" in page
    # A second buyer who still had the old page loaded asks for the same time
    second, _ = signed_in()
    taken = second.post(
        "/en/consultations/hold/", hold_form(service, slot, "Europe/Paris"), follow=True
    )
    assert "someone else just took that time" in taken.content.decode()
    key = f'data-slot="{slot.consultant_id}|{int(slot.starts_at.timestamp())}"'
    assert key not in taken.content.decode()
    assert Booking.objects.count() == 1
    # and nobody else can open the first buyer's booking
    assert second.get(held["Location"]).status_code == 404


def test_confirming_without_deposit_books_and_mails_the_invite(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    service = make_service(shop)
    make_consultant(shop, [service])
    slot = upcoming_slots(service)[0]
    client, buyer = signed_in()
    client.post("/en/consultations/hold/", hold_form(service, slot))
    booking = Booking.objects.get(buyer=buyer)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/en/consultations/bookings/{booking.pk}/")

    assert confirmed["Location"] == "/en/consultations/mine/"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [buyer.email]
    assert any(name == "invite.ics" for name, _c, _t in mail.outbox[0].attachments)


def test_an_expired_hold_cannot_be_confirmed_and_says_so(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service])
    slot = upcoming_slots(service)[0]
    client, buyer = signed_in()
    client.post("/en/consultations/hold/", hold_form(service, slot))
    booking = Booking.objects.get(buyer=buyer)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    page = client.get(f"/en/consultations/bookings/{booking.pk}/").content.decode()
    refused = client.post(f"/en/consultations/bookings/{booking.pk}/", follow=True)

    assert "run out" in page and "confirm-button" not in page
    assert "run out" in refused.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


# Deposit -------------------------------------------------------------------------------


def test_the_deposit_is_paid_through_the_test_gateway_and_confirms_the_booking(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    # Given a service asking a 50 EUR deposit and a buyer browsing in EUR
    service = make_service(shop, deposits={"EUR": "50.00"})
    make_consultant(shop, [service])
    slot = upcoming_slots(service)[0]
    client, buyer = signed_in()
    client.cookies["showroom_currency"] = "EUR"
    client.post("/en/consultations/hold/", hold_form(service, slot))
    booking = Booking.objects.get(buyer=buyer)
    assert booking.currency == "EUR"
    page = client.get(f"/en/consultations/bookings/{booking.pk}/").content.decode()
    assert "Pay the" in page and "50" in page

    # When they confirm: a deposit order is created and they go to the payment page
    to_pay = client.post(f"/en/consultations/bookings/{booking.pk}/")
    order = Order.objects.get(source_type=SourceType.CONSULTATION_DEPOSIT)
    assert to_pay["Location"] == f"/en/orders/{order.number}/pay/"
    assert (order.source_id, order.total, order.currency) == (str(booking.pk), 50, "EUR")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD  # not confirmed before the money arrives
    assert booking.deposit_order_id == order.pk
    assert booking.hold_expires_at == order.reserved_until  # held while the payment is pending
    # Confirming again reuses the same order
    client.post(f"/en/consultations/bookings/{booking.pk}/")
    assert Order.objects.filter(source_type=SourceType.CONSULTATION_DEPOSIT).count() == 1

    # And once paid with a test card, the paid hook confirms the booking
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(
            to_pay["Location"],
            {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"},
        )
    assert paid.status_code == 302
    order.refresh_from_db()
    booking.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert booking.status == BookingStatus.CONFIRMED
    assert any("invite.ics" in [a[0] for a in m.attachments] for m in mail.outbox)


def test_a_declined_deposit_leaves_the_booking_held(shop: Shop) -> None:
    service = make_service(shop, deposits={"USD": "20"})
    make_consultant(shop, [service])
    slot = upcoming_slots(service)[0]
    client, buyer = signed_in()
    client.cookies["showroom_currency"] = "USD"
    client.post("/en/consultations/hold/", hold_form(service, slot))
    booking = Booking.objects.get(buyer=buyer)
    to_pay = client.post(f"/en/consultations/bookings/{booking.pk}/")

    client.post(
        to_pay["Location"],
        {"card_number": "4000 0000 0000 0002", "expiry": "12/30", "cvc": "123"},
    )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


# My consultations, cancel, reschedule ----------------------------------------------------


def confirmed_booking(
    service: Any, buyer: Any, *, after: dt.timedelta, tz: str = "Asia/Tokyo"
) -> Booking:
    slot = upcoming_slots(service, after=after)[0]
    booking = booking_hold(
        service_id=service.pk,
        consultant_id=slot.consultant_id,
        buyer=buyer,
        starts_at=slot.starts_at,
        buyer_time_zone=tz,
        language="en",
    )
    Booking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CONFIRMED, hold_expires_at=None
    )
    booking.refresh_from_db()
    return booking


def test_my_consultations_lists_upcoming_bookings_in_the_buyers_zone(shop: Shop) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))
    client, buyer = signed_in()
    booking = confirmed_booking(service, buyer, after=dt.timedelta(days=2))
    other_buyers = confirmed_booking(service, make_user(), after=dt.timedelta(days=4))

    page = client.get("/en/consultations/mine/").content.decode()

    assert f'data-booking="{booking.pk}"' in page
    assert f'data-booking="{other_buyers.pk}"' not in page
    assert "18:00" in page and "Asia/Tokyo" in page  # Paris 10:00 CET in Tokyo
    assert f"/consultations/{booking.pk}/call/" in page


def test_cancel_outside_the_cut_off_frees_the_slot_and_mails_a_cancel_invite(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    service = make_service(shop, cancel_cutoff_hours=24)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))
    client, buyer = signed_in()
    booking = confirmed_booking(service, buyer, after=dt.timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/consultations/bookings/{booking.pk}/cancel/", follow=True)

    assert "is cancelled" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.starts_at in [slot.starts_at for slot in upcoming_slots(service)]
    ics = mail.outbox[-1].attachments[0][1]
    assert "METHOD:CANCEL" in ics and "SEQUENCE:1" in ics


def test_cancel_inside_the_cut_off_is_refused_with_the_policy(shop: Shop) -> None:
    service = make_service(shop, cancel_cutoff_hours=72, min_notice_minutes=0)
    make_consultant(shop, [service])
    client, buyer = signed_in()
    booking = confirmed_booking(service, buyer, after=dt.timedelta(hours=30))

    page = client.get("/en/consultations/mine/").content.decode()
    response = client.post(f"/en/consultations/bookings/{booking.pk}/cancel/", follow=True)

    assert f"/consultations/bookings/{booking.pk}/cancel/" not in page  # no cancel button
    assert "up to 72 hours before the start" in response.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_reschedule_moves_the_booking_and_mails_an_updated_invite(
    shop: Shop, django_capture_on_commit_callbacks: Capture
) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(12)))
    client, buyer = signed_in()
    booking = confirmed_booking(service, buyer, after=dt.timedelta(days=2))
    page = client.get(f"/en/consultations/bookings/{booking.pk}/reschedule/").content.decode()
    new_start = next(
        slot.starts_at
        for slot in upcoming_slots(service, after=dt.timedelta(days=3))
        if slot.starts_at.isoformat() in page
    )

    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(
            f"/en/consultations/bookings/{booking.pk}/reschedule/",
            {"starts_at": new_start.isoformat()},
        )

    assert moved["Location"] == "/en/consultations/mine/"
    booking.refresh_from_db()
    assert booking.starts_at == new_start and booking.ics_sequence == 1
    ics = mail.outbox[-1].attachments[0][1]
    assert "METHOD:REQUEST" in ics and "SEQUENCE:1" in ics
    assert new_start.strftime("DTSTART:%Y%m%dT%H%M%SZ") in ics


def test_reschedule_inside_the_cut_off_is_refused(shop: Shop) -> None:
    service = make_service(shop, reschedule_cutoff_hours=48, min_notice_minutes=0)
    make_consultant(shop, [service])
    client, buyer = signed_in()
    booking = confirmed_booking(service, buyer, after=dt.timedelta(hours=30))
    start = booking.starts_at

    response = client.get(f"/en/consultations/bookings/{booking.pk}/reschedule/", follow=True)

    assert "up to 48 hours before the start" in response.content.decode()
    booking.refresh_from_db()
    assert booking.starts_at == start


@pytest.mark.parametrize("zone", ["Europe", "a" * 300])
def test_a_time_zone_that_is_a_directory_or_too_long_is_refused_not_a_500(
    shop: Shop, zone: str
) -> None:
    service = make_service(shop)
    make_consultant(shop, [service], hours=(dt.time(10), dt.time(11)))

    response = Client().get(f"/en/consultations/?service={service.pk}&tz={zone}")

    assert response.status_code == 200
    assert 'id="tz-error"' in response.content.decode()
    assert 'data-tz="UTC"' in response.content.decode()
    assert "showroom_tz" not in response.cookies
