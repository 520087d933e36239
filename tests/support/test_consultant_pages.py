"""The consultant side: the week calendar (consultant's zone, DST), the buyer profile and notes,
strict shop scoping, and the demo consultation data."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from shop.accounts.models import User
from shop.orders.models import Order
from shop.shops.models import Role, Shop
from support.consultations.models import (
    AvailabilityException,
    Booking,
    BookingStatus,
    BuyerNote,
    CallProduct,
    Consultant,
    ConsultationService,
    ServiceDeposit,
    WeeklyAvailability,
)
from support.consultations.selectors import open_slots
from support.consultations.services import NoteError, buyer_note_add
from tests.factories import make_product, make_shop, make_staff, make_user

UTC = dt.UTC


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def make_consultant(shop: Shop, *, time_zone: str = "Europe/Paris") -> Consultant:
    service = ConsultationService.objects.create(
        shop=shop, names={"en": f"Viewing at {shop.name}"}, duration_minutes=30
    )
    consultant = Consultant.objects.create(
        shop=shop, user=make_staff(shop, Role.CONSULTANT), time_zone=time_zone
    )
    consultant.services.set([service])
    for weekday in range(5):
        WeeklyAvailability.objects.create(
            consultant=consultant, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17)
        )
    return consultant


def book(
    consultant: Consultant,
    starts_at: dt.datetime,
    *,
    buyer: User | None = None,
    status: str = BookingStatus.CONFIRMED,
) -> Booking:
    service = consultant.services.get()
    return Booking.objects.create(
        service=service,
        consultant=consultant,
        buyer=buyer or make_user(),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        blocked_until=starts_at + dt.timedelta(minutes=30),
        status=status,
        buyer_time_zone="Australia/Sydney",
        language="en",
    )


def make_order(shop: Shop, buyer: User, number: str, total: str = "250.00") -> Order:
    return Order.objects.create(
        shop=shop,
        number=number,
        user=buyer,
        email=buyer.email,
        currency="EUR",
        subtotal=Decimal(total),
        total=Decimal(total),
        ship_name="Buyer",
        ship_line1="1 Rue de Rivoli",
        ship_city="Paris",
        ship_country="FR",
    )


@dataclass
class Shops:
    shop_a: Shop
    shop_b: Shop
    consultant_a: Consultant
    consultant_a2: Consultant
    consultant_b: Consultant
    owner_a: User


@pytest.fixture
def shops(db: Any) -> Shops:
    shop_a = make_shop("atelier", name="Atelier", time_zone="Europe/Paris")
    shop_b = make_shop("meridian", name="Meridian", time_zone="Europe/Zurich")
    return Shops(
        shop_a=shop_a,
        shop_b=shop_b,
        consultant_a=make_consultant(shop_a),
        consultant_a2=make_consultant(shop_a, time_zone="America/New_York"),
        consultant_b=make_consultant(shop_b, time_zone="Asia/Tokyo"),
        owner_a=make_staff(shop_a, Role.OWNER),
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def calendar_url(**query: Any) -> str:
    url = reverse("consultations:calendar")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def grid_positions(html: str) -> dict[int, tuple[str, str]]:
    """Booking id -> (local start shown, CSS top) from the week grid."""
    found = re.findall(
        r'class="booking status-\w+" style="top: ([\d.]+)%; height: [\d.]+%" href="[^"]*" '
        r'data-booking="(\d+)" data-local-start="([\d:]+)"',
        html,
    )
    return {int(booking): (start, top) for top, booking, start in found}


# Calendar -----------------------------------------------------------------------------------


def test_calendar_places_bookings_at_the_consultants_local_time_across_dst(shops: Shops) -> None:
    # Given a Paris consultant with calls at 10:00 local before and after the 29 March 2026 change
    before = book(shops.consultant_a, utc(2026, 3, 27, 9))  # Fri 10:00 CET (UTC+1)
    after = book(shops.consultant_a, utc(2026, 3, 30, 8))  # Mon 10:00 CEST (UTC+2)
    on_the_day = book(shops.consultant_a, utc(2026, 3, 29, 8))  # Sun 10:00 CEST
    client = client_for(shops.consultant_a.user)

    # When they open the DST week and the week after
    dst_week = client.get(calendar_url(week="2026-03-25"))
    next_week = client.get(calendar_url(week="2026-03-30"))

    # Then every call sits at 10:00 at the same height of the grid, and the zone is named
    assert dst_week.status_code == 200
    html = dst_week.content.decode()
    positions = grid_positions(html)
    assert positions[before.pk][0] == positions[on_the_day.pk][0] == "10:00"
    assert positions[before.pk][1] == positions[on_the_day.pk][1]
    assert after.pk not in positions
    assert "Europe/Paris" in html and "UTC+01:00 → UTC+02:00" in html
    after_positions = grid_positions(next_week.content.decode())
    assert after_positions == {after.pk: positions[before.pk]}


def test_calendar_shades_hours_and_exceptions_and_hides_cancelled_unless_asked(
    shops: Shops,
) -> None:
    consultant = shops.consultant_a
    AvailabilityException.objects.create(
        consultant=consultant, date=dt.date(2026, 6, 3), is_closed=True, note="Trade fair"
    )
    cancelled = book(consultant, utc(2026, 6, 2, 12), status=BookingStatus.CANCELLED)
    client = client_for(consultant.user)

    page = client.get(calendar_url(week="2026-06-01")).content.decode()
    assert page.count('class="open-band"') == 4  # Mon, Tue, Thu, Fri 09-17; Wed closed
    assert 'data-date="2026-06-03"' in page and "Trade fair" in page
    assert cancelled.pk not in grid_positions(page)

    with_cancelled = client.get(calendar_url(week="2026-06-01", cancelled=1)).content.decode()
    assert grid_positions(with_cancelled)[cancelled.pk][0] == "14:00"  # 12:00 UTC = 14:00 CEST


def test_week_navigation_links_move_by_one_week(shops: Shops) -> None:
    response = client_for(shops.consultant_a.user).get(calendar_url(week="2026-03-25"))
    html = response.content.decode()
    assert f"consultant={shops.consultant_a.pk}&amp;week=2026-03-16" in html
    assert f"consultant={shops.consultant_a.pk}&amp;week=2026-03-30" in html
    assert 'data-date="2026-03-23"' in html and 'data-date="2026-03-29"' in html


def test_todays_calls_have_a_join_link(shops: Shops) -> None:
    from django.utils import timezone

    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=5)
    consultant = shops.consultant_a
    local = start.astimezone(consultant.zone)
    if local.date() != (local + dt.timedelta(minutes=30)).date():
        pytest.skip("too close to local midnight for a same-day call")
    booking = book(consultant, start)
    html = client_for(consultant.user).get(calendar_url()).content.decode()
    assert f"/consultations/{booking.pk}/call/" in html


def test_consultant_cannot_open_a_colleagues_or_another_shops_calendar(shops: Shops) -> None:
    book(shops.consultant_b, utc(2026, 3, 27, 9))
    client = client_for(shops.consultant_a.user)
    assert client.get(calendar_url(consultant=shops.consultant_b.pk)).status_code == 404
    assert client.get(calendar_url(consultant=shops.consultant_a2.pk)).status_code == 404
    own = client.get(calendar_url()).content.decode()
    assert str(shops.consultant_b) not in own and "Meridian" not in own


def test_owner_picks_any_consultant_of_their_shop_but_not_another_shops(shops: Shops) -> None:
    client = client_for(shops.owner_a)
    page = client.get(calendar_url(consultant=shops.consultant_a2.pk))
    assert page.status_code == 200
    assert "America/New_York" in page.content.decode()
    picker = page.content.decode()
    assert f'value="{shops.consultant_a.pk}"' in picker
    assert f'value="{shops.consultant_b.pk}"' not in picker
    assert client.get(calendar_url(consultant=shops.consultant_b.pk)).status_code == 404


def test_calendar_refuses_shoppers_and_sends_anonymous_visitors_to_log_in(shops: Shops) -> None:
    assert client_for(make_user()).get(calendar_url()).status_code == 403
    assert client_for(make_staff(shops.shop_a, Role.HOST)).get(calendar_url()).status_code == 403
    anonymous = Client().get(calendar_url())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# Buyer profile ------------------------------------------------------------------------------


@dataclass
class BuyerWorld:
    buyer: User
    booking_a: Booking
    booking_b: Booking
    order_a: Order
    order_b: Order


@pytest.fixture
def buyer_world(shops: Shops) -> BuyerWorld:
    buyer = make_user(
        "luxury@example.test",
        first_name="Mei",
        last_name="Lin",
        country="AU",
        preferred_language="zh-hans",
        preferred_currency="AUD",
    )
    booking_a = book(shops.consultant_a, utc(2026, 3, 27, 9), buyer=buyer)
    booking_b = book(shops.consultant_b, utc(2026, 3, 27, 1), buyer=buyer)
    CallProduct.objects.create(booking=booking_a, product=make_product(shops.shop_a, "silk-coat"))
    CallProduct.objects.create(booking=booking_b, product=make_product(shops.shop_b, "tourbillon"))
    BuyerNote.objects.create(shop=shops.shop_b, buyer=buyer, text="B-only: prefers steel")
    return BuyerWorld(
        buyer=buyer,
        booking_a=booking_a,
        booking_b=booking_b,
        order_a=make_order(shops.shop_a, buyer, "A-1001"),
        order_b=make_order(shops.shop_b, buyer, "B-2002"),
    )


def profile_url(buyer: User) -> str:
    return reverse("consultations:buyer_profile", args=[buyer.pk])


def test_buyer_profile_shows_only_this_shops_bookings_orders_products_and_notes(
    shops: Shops, buyer_world: BuyerWorld
) -> None:
    response = client_for(shops.consultant_a.user).get(profile_url(buyer_world.buyer))
    assert response.status_code == 200
    html = response.content.decode()
    assert "luxury@example.test" in html and "Mei Lin" in html and "AUD" in html
    assert 'data-order="A-1001"' in html and "B-2002" not in html
    assert reverse("admin:orders_order_change", args=[buyer_world.order_a.pk]) in html
    assert f'data-booking="{buyer_world.booking_a.pk}"' in html
    assert f'data-booking="{buyer_world.booking_b.pk}"' not in html
    assert "Silk Coat" in html and "Tourbillon" not in html
    assert "prefers steel" not in html
    assert "Meridian" not in html


def test_adding_a_note_saves_it_with_the_author_and_booking(
    shops: Shops, buyer_world: BuyerWorld
) -> None:
    client = client_for(shops.consultant_a.user)
    response = client.post(
        profile_url(buyer_world.buyer),
        {"text": "  Wants the coat in navy, size 38.  ", "booking": buyer_world.booking_a.pk},
        follow=True,
    )
    assert response.status_code == 200
    note = BuyerNote.objects.get(shop=shops.shop_a)
    assert note.text == "Wants the coat in navy, size 38."
    assert note.author == shops.consultant_a.user and note.booking == buyer_world.booking_a
    assert "Wants the coat in navy" in response.content.decode()
    # Shop B's staff never see it.
    other = client_for(shops.consultant_b.user).get(profile_url(buyer_world.buyer))
    assert "Wants the coat" not in other.content.decode()


def test_note_validation_errors_are_clear(shops: Shops, buyer_world: BuyerWorld) -> None:
    client = client_for(shops.consultant_a.user)
    empty = client.post(profile_url(buyer_world.buyer), {"text": "   "})
    assert empty.status_code == 400 and "Write something in the note." in empty.content.decode()
    too_long = client.post(profile_url(buyer_world.buyer), {"text": "x" * 5001})
    assert too_long.status_code == 400
    assert "at most 5000 characters" in too_long.content.decode()
    other_shops_booking = client.post(
        profile_url(buyer_world.buyer), {"text": "ok", "booking": buyer_world.booking_b.pk}
    )
    assert other_shops_booking.status_code == 400
    assert not BuyerNote.objects.filter(shop=shops.shop_a).exists()


def test_note_service_refuses_another_shops_booking_and_outsiders(
    shops: Shops, buyer_world: BuyerWorld
) -> None:
    with pytest.raises(NoteError) as wrong_booking:
        buyer_note_add(
            shop=shops.shop_a,
            buyer=buyer_world.buyer,
            author=shops.consultant_a.user,
            text="hi",
            booking=buyer_world.booking_b,
        )
    assert wrong_booking.value.code == "wrong_booking"
    with pytest.raises(NoteError) as outsider:
        buyer_note_add(
            shop=shops.shop_a, buyer=buyer_world.buyer, author=shops.consultant_b.user, text="hi"
        )
    assert outsider.value.code == "not_staff"
    with pytest.raises(NoteError) as stranger:
        buyer_note_add(
            shop=shops.shop_a, buyer=make_user(), author=shops.consultant_a.user, text="hi"
        )
    assert stranger.value.code == "not_a_buyer"


def test_buyer_profile_refuses_other_shops_and_shoppers(
    shops: Shops, buyer_world: BuyerWorld
) -> None:
    # A buyer of shop B only: shop A's staff cannot tell the account exists.
    b_only = make_user()
    make_order(shops.shop_b, b_only, "B-3003")
    client_a = client_for(shops.owner_a)
    assert client_a.get(profile_url(b_only)).status_code == 404
    assert client_a.post(profile_url(b_only), {"text": "sneaky"}).status_code == 404
    assert (
        client_a.get(profile_url(buyer_world.buyer) + f"?shop={shops.shop_b.pk}").status_code == 404
    )
    assert not BuyerNote.objects.filter(buyer=b_only).exists()
    # A shopper, even the buyer themself, is refused; anonymous visitors go to the login page.
    assert client_for(buyer_world.buyer).get(profile_url(buyer_world.buyer)).status_code == 403
    anonymous = Client().get(profile_url(buyer_world.buyer))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


# Demo data ----------------------------------------------------------------------------------


def test_demo_loader_creates_a_bookable_consultation_service_idempotently(db: Any) -> None:
    def counts() -> tuple[int, ...]:
        return (
            ConsultationService.objects.count(),
            ServiceDeposit.objects.count(),
            Consultant.objects.count(),
            WeeklyAvailability.objects.count(),
        )

    with open("/dev/null", "w") as quiet:
        call_command("load_demo", stdout=quiet)
        first = counts()
        call_command("load_demo", stdout=quiet)
    assert counts() == first

    service = ConsultationService.objects.get(shop__slug="atelier-lumiere")
    assert set(service.names) >= {"en", "zh-hans", "es"}
    assert (service.duration_minutes, service.buffer_minutes) == (30, 10)
    assert set(service.deposits.values_list("currency", flat=True)) >= {"USD", "EUR"}
    consultant = Consultant.objects.get(user__email="consultant@atelier.demo")
    assert consultant.time_zone == "Europe/Paris"
    assert sorted(consultant.weekly_availability.values_list("weekday", flat=True)) == [
        0,
        1,
        2,
        3,
        4,
    ]
    today = dt.date.today()
    slots = open_slots(service=service, start_date=today, days=8, buyer_tz="Australia/Sydney")
    assert slots


# Admin --------------------------------------------------------------------------------------


def test_admin_bookings_link_to_the_buyer_profile_and_calendar_and_filter_my_calls(
    shops: Shops, buyer_world: BuyerWorld
) -> None:
    colleague_booking = book(shops.consultant_a2, utc(2026, 4, 1, 15))
    client = client_for(shops.consultant_a.user)
    url = reverse("admin:consultations_booking_changelist")

    listing = client.get(url).content.decode()
    profile = reverse("consultations:buyer_profile", args=[buyer_world.buyer.pk])
    assert f"{profile}?shop={shops.shop_a.pk}" in listing
    assert f"consultant={shops.consultant_a.pk}&amp;week=2026-03-23" in listing
    assert str(shops.consultant_b) not in listing  # neither rows nor filter choices of shop B

    mine = client.get(url, {"mine": "1"}).content.decode()
    assert f"/{buyer_world.booking_a.pk}/change/" in mine
    assert f"/{colleague_booking.pk}/change/" not in mine


def test_admin_buyer_notes_are_scoped_to_the_shop(shops: Shops, buyer_world: BuyerWorld) -> None:
    buyer_note_add(
        shop=shops.shop_a, buyer=buyer_world.buyer, author=shops.owner_a, text="A: loves silk"
    )
    url = reverse("admin:consultations_buyernote_changelist")
    shop_a_view = client_for(shops.consultant_a.user).get(url).content.decode()
    assert "A: loves silk" in shop_a_view and "prefers steel" not in shop_a_view
    shop_b_view = client_for(shops.consultant_b.user).get(url).content.decode()
    assert "prefers steel" in shop_b_view and "A: loves silk" not in shop_b_view
    note_a = BuyerNote.objects.get(shop=shops.shop_a)
    change_url = reverse("admin:consultations_buyernote_change", args=[note_a.pk])
    assert client_for(shops.consultant_b.user).get(change_url).status_code == 302  # "not found"


def test_calendar_in_spanish_keeps_css_positions_with_a_decimal_point(shops: Shops) -> None:
    booking = book(shops.consultant_a, utc(2026, 3, 27, 9, 20))  # 10:20 Paris: a fractional top
    client = client_for(shops.consultant_a.user)
    html = client.get(calendar_url(week="2026-03-27").replace("/en/", "/es/", 1)).content.decode()
    assert "Llamadas de hoy" in html
    assert grid_positions(html)[booking.pk][0] == "10:20"
    assert not re.search(r"top: \d+,\d", html)


@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_a_week_at_the_edge_of_the_calendar_is_not_a_500(shops: Shops, week: str) -> None:
    response = client_for(shops.consultant_a.user).get(calendar_url(week=week))
    assert response.status_code == 200  # an unusable week falls back to this week
