"""Reads for the consultant side: the week calendar, today's calls and the buyer profile.

Every entry point is an ``access_*`` / ``*_for_user`` function that raises (``PermissionDenied``
for people who are not staff at all, ``Http404`` for rows outside their shops), so a view cannot
forget the check. Scoping rules:

- A consultant sees their own calendar; a shop owner (or a platform superuser) may open the
  calendar of any consultant of their shops. Other staff roles have no calendar.
- Any staff member of a shop may open the profile of a buyer who booked with, or ordered from,
  that shop; the profile shows that shop's bookings, orders, products shown and notes only.

The calendar is laid out in the consultant's wall-clock time: a booking at 10:00 in Paris sits
at 10:00 whether that day is UTC+1 or UTC+2, and the week's days are local dates.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shop.accounts.models import User
from shop.orders.models import Order
from shop.shops.models import Role, Shop
from shop.shops.selectors import shop_ids_for_user
from support.consultations.models import (
    AvailabilityException,
    Booking,
    BookingStatus,
    BuyerNote,
    CallProduct,
    Consultant,
    WeeklyAvailability,
)

UTC = dt.UTC
MINUTES_PER_DAY = 24 * 60
# Roles that may open every consultant's calendar of their shop.
CALENDAR_MANAGER_ROLES = {Role.OWNER}
# Statuses placed on the calendar; cancelled ones only on request, expired holds never.
CALENDAR_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED, BookingStatus.COMPLETED)
DEFAULT_DAY_START_MINUTE = 8 * 60
DEFAULT_DAY_END_MINUTE = 19 * 60


def _require_staff(user: User | AnonymousUser) -> None:
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if not user.is_superuser and not shop_ids_for_user(user):
        raise PermissionDenied("Only shop staff can open this page.")


# Calendar ---------------------------------------------------------------------------------


def consultants_for_user(user: User | AnonymousUser) -> QuerySet[Consultant]:
    """Consultants whose calendar ``user`` may open: their own, plus all of the shops they own."""
    if not user.is_authenticated:
        return Consultant.objects.none()
    consultants = Consultant.objects.select_related("shop", "user").order_by(
        "shop__name", "display_name", "user__email", "pk"
    )
    if user.is_superuser:
        return consultants
    managed = shop_ids_for_user(user, roles=CALENDAR_MANAGER_ROLES)
    own = shop_ids_for_user(user, roles={Role.CONSULTANT})
    return consultants.filter(Q(shop_id__in=managed) | Q(shop_id__in=own, user=user))


def access_calendar(user: User | AnonymousUser, consultant_id: int | None) -> Consultant:
    """The consultant whose calendar ``user`` opens (their own when ``consultant_id`` is None).

    ``PermissionDenied`` for anyone with no calendar to see; ``Http404`` for a consultant
    outside what they may see (another shop's, or a colleague's for a non-owner).
    """
    _require_staff(user)
    consultants = consultants_for_user(user)
    if consultant_id is not None:
        consultant = consultants.filter(pk=consultant_id).first()
        if consultant is None:
            raise Http404("No such consultant.")
        return consultant
    consultant = consultants.filter(user=user).first() or consultants.first()
    if consultant is None:
        raise PermissionDenied("You are not a consultant, and no shop of yours has consultants.")
    return consultant


@dataclass(frozen=True)
class Band:
    """A shaded stretch of a day column, in minutes after local midnight."""

    start_minute: int
    end_minute: int
    label: str = ""

    @property
    def hours(self) -> str:
        return f"{_clock(self.start_minute)}–{_clock(self.end_minute)}"


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True)
class CalendarEntry:
    booking: Booking
    local_start: dt.datetime
    local_end: dt.datetime
    start_minute: int
    end_minute: int  # clipped to the end of the day


@dataclass
class CalendarDay:
    date: dt.date
    is_today: bool
    utc_offset: str  # e.g. "+01:00", the offset at local noon
    open_bands: list[Band] = field(default_factory=list)
    exception_note: str = ""
    is_closed: bool = False  # closed all day by an exception
    has_exception: bool = False
    entries: list[CalendarEntry] = field(default_factory=list)


@dataclass
class CalendarWeek:
    consultant: Consultant
    zone: zoneinfo.ZoneInfo
    start: dt.date  # Monday
    days: list[CalendarDay]
    first_minute: int  # the grid's first and last minute, whole hours
    last_minute: int
    offsets: list[str]  # distinct UTC offsets over the week (two in a DST week)

    @property
    def previous_start(self) -> dt.date:
        return self.start - dt.timedelta(days=7)

    @property
    def next_start(self) -> dt.date:
        return self.start + dt.timedelta(days=7)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_minute // 60, self.last_minute // 60))

    @property
    def entries(self) -> list[CalendarEntry]:
        return [entry for day in self.days for entry in day.entries]


def week_start_for(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_today(consultant: Consultant, now: dt.datetime | None = None) -> dt.date:
    return (now or timezone.now()).astimezone(consultant.zone).date()


def _minute_of_day(moment: dt.datetime) -> int:
    return moment.hour * 60 + moment.minute


def _offset_label(day: dt.date, zone: zoneinfo.ZoneInfo) -> str:
    offset = dt.datetime.combine(day, dt.time(12), tzinfo=zone).utcoffset() or dt.timedelta()
    sign = "-" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _local_midnight_utc(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(UTC)


def _availability(consultant: Consultant, days: list[dt.date], calendar: list[CalendarDay]) -> None:
    weekly: dict[int, list[Band]] = defaultdict(list)
    for row in WeeklyAvailability.objects.filter(consultant=consultant):
        weekly[row.weekday].append(
            Band(_minute_of_day_time(row.start_time), _minute_of_day_time(row.end_time))
        )
    exceptions: dict[dt.date, list[AvailabilityException]] = defaultdict(list)
    for exception in AvailabilityException.objects.filter(consultant=consultant, date__in=days):
        exceptions[exception.date].append(exception)
    for day in calendar:
        rows = exceptions.get(day.date)
        if not rows:
            day.open_bands = sorted(weekly.get(day.date.weekday(), []), key=_band_key)
            continue
        # Same rule as the slot finder: a date's exceptions replace its weekly hours.
        day.has_exception = True
        day.exception_note = "; ".join(row.note for row in rows if row.note)
        if any(row.is_closed for row in rows):
            day.is_closed = True
            continue
        day.open_bands = sorted(
            (
                Band(
                    _minute_of_day_time(row.start_time),
                    _minute_of_day_time(row.end_time),
                    row.note,
                )
                for row in rows
                if row.start_time is not None and row.end_time is not None
            ),
            key=_band_key,
        )


def _band_key(band: Band) -> int:
    return band.start_minute


def _minute_of_day_time(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def consultant_week(
    *,
    consultant: Consultant,
    week_of: dt.date,
    include_cancelled: bool = False,
    now: dt.datetime | None = None,
) -> CalendarWeek:
    """The consultant's local week (Monday..Sunday) containing local date ``week_of``.

    Bookings are placed by their local wall-clock start; one that runs past local midnight is
    drawn to the end of its first day. Caller must have passed ``access_calendar``.
    """
    zone = consultant.zone
    start = week_start_for(week_of)
    dates = [start + dt.timedelta(days=n) for n in range(7)]
    today = local_today(consultant, now)
    days = [
        CalendarDay(date=day, is_today=day == today, utc_offset=_offset_label(day, zone))
        for day in dates
    ]
    _availability(consultant, dates, days)
    by_date = {day.date: day for day in days}
    statuses = [*CALENDAR_STATUSES, *([BookingStatus.CANCELLED] if include_cancelled else [])]
    bookings = (
        Booking.objects.filter(
            consultant=consultant,
            status__in=statuses,
            starts_at__gte=_local_midnight_utc(start, zone),
            starts_at__lt=_local_midnight_utc(start + dt.timedelta(days=7), zone),
        )
        .select_related("service", "buyer")
        .order_by("starts_at", "pk")
    )
    for booking in bookings:
        local_start = booking.starts_at.astimezone(zone)
        local_end = booking.ends_at.astimezone(zone)
        start_minute = _minute_of_day(local_start)
        end_minute = (
            _minute_of_day(local_end) if local_end.date() == local_start.date() else MINUTES_PER_DAY
        )
        day = by_date.get(local_start.date())
        if day is not None:
            day.entries.append(
                CalendarEntry(
                    booking=booking,
                    local_start=local_start,
                    local_end=local_end,
                    start_minute=start_minute,
                    end_minute=max(end_minute, start_minute + 15),
                )
            )
    first, last = _grid_bounds(days)
    offsets = list(dict.fromkeys(day.utc_offset for day in days))
    return CalendarWeek(
        consultant=consultant,
        zone=zone,
        start=start,
        days=days,
        first_minute=first,
        last_minute=last,
        offsets=offsets,
    )


def _grid_bounds(days: list[CalendarDay]) -> tuple[int, int]:
    """Whole hours that cover every window and booking of the week (08:00-19:00 at least)."""
    first, last = DEFAULT_DAY_START_MINUTE, DEFAULT_DAY_END_MINUTE
    for day in days:
        for band in day.open_bands:
            first, last = min(first, band.start_minute), max(last, band.end_minute)
        for entry in day.entries:
            first, last = min(first, entry.start_minute), max(last, entry.end_minute)
    first = first // 60 * 60
    last = min(MINUTES_PER_DAY, -(-last // 60) * 60)
    return first, last


def todays_calls(*, consultant: Consultant, now: dt.datetime | None = None) -> list[Booking]:
    """Held or confirmed calls (and completed ones) starting on the consultant's local today."""
    zone = consultant.zone
    today = local_today(consultant, now)
    return list(
        Booking.objects.filter(
            consultant=consultant,
            status__in=CALENDAR_STATUSES,
            starts_at__gte=_local_midnight_utc(today, zone),
            starts_at__lt=_local_midnight_utc(today + dt.timedelta(days=1), zone),
        )
        .select_related("service", "buyer")
        .order_by("starts_at", "pk")
    )


# Buyer profile ------------------------------------------------------------------------------


def _bookings_of(shop_ids: set[int] | None, buyer_id: int) -> QuerySet[Booking]:
    bookings = Booking.objects.filter(buyer_id=buyer_id)
    return bookings if shop_ids is None else bookings.filter(service__shop_id__in=shop_ids)


def _orders_of(shop_ids: set[int] | None, buyer_id: int) -> QuerySet[Order]:
    orders = Order.objects.filter(user_id=buyer_id)
    return orders if shop_ids is None else orders.filter(shop_id__in=shop_ids)


def buyer_shops_for_user(user: User | AnonymousUser, buyer_id: int) -> list[Shop]:
    """Shops of ``user`` (any staff role) where ``buyer_id`` booked or ordered, by name."""
    _require_staff(user)
    staff_shops = None if user.is_superuser else shop_ids_for_user(user)
    shop_ids = set(
        _bookings_of(staff_shops, buyer_id).values_list("service__shop_id", flat=True)
    ) | set(_orders_of(staff_shops, buyer_id).values_list("shop_id", flat=True))
    return list(Shop.objects.filter(pk__in=shop_ids).order_by("name", "pk"))


@dataclass
class BuyerProfile:
    shop: Shop
    buyer: User
    bookings: list[Booking]
    orders: list[Order]
    products_shown: list[CallProduct]
    notes: list[BuyerNote]
    other_shops: list[Shop]


def access_buyer(user: User | AnonymousUser, *, buyer_id: int, shop_id: int | None = None) -> Shop:
    """The shop through which ``user`` sees buyer ``buyer_id``, or raise.

    ``shop_id`` picks one of several; without it the first (by name) is used. ``Http404`` when
    the buyer has no booking or order with any shop of ``user`` (or with ``shop_id``), so a
    staff member cannot even learn that an account exists.
    """
    shops = buyer_shops_for_user(user, buyer_id)
    if shop_id is not None:
        shops = [shop for shop in shops if shop.pk == shop_id]
    if not shops:
        raise Http404("No such buyer for your shop.")
    return shops[0]


def buyer_profile_for_user(
    user: User | AnonymousUser, *, buyer_id: int, shop_id: int | None = None
) -> BuyerProfile:
    """Everything one shop knows about a buyer: its bookings, orders, products shown and notes."""
    shop = access_buyer(user, buyer_id=buyer_id, shop_id=shop_id)
    buyer = User.objects.get(pk=buyer_id)
    shop_ids = {shop.pk}
    return BuyerProfile(
        shop=shop,
        buyer=buyer,
        bookings=list(
            _bookings_of(shop_ids, buyer_id)
            .select_related("service", "consultant__user")
            .order_by("-starts_at", "-pk")
        ),
        orders=list(_orders_of(shop_ids, buyer_id).order_by("-created_at", "-pk")[:50]),
        products_shown=list(
            CallProduct.objects.filter(booking__service__shop=shop, booking__buyer_id=buyer_id)
            .select_related("product__shop", "booking")
            .prefetch_related("product__translations")
            .order_by("-shown_at", "-pk")
        ),
        notes=list(
            BuyerNote.objects.filter(shop=shop, buyer_id=buyer_id)
            .select_related("author", "booking")
            .order_by("-created_at", "-pk")
        ),
        other_shops=[other for other in buyer_shops_for_user(user, buyer_id) if other != shop],
    )


def buyer_has_dealt_with_shop(*, shop: Shop, buyer: User) -> bool:
    """Whether ``buyer`` ever booked with or ordered from ``shop``."""
    return _bookings_of({shop.pk}, buyer.pk).exists() or _orders_of({shop.pk}, buyer.pk).exists()
