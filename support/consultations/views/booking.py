"""The buyer's booking pages: services and live slots, hold -> confirm (or pay the deposit),
and "My consultations" with reschedule and cancel. Adapters only: parse, call, render."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.orders.views import remember_order
from support.consultations.models import Booking, BookingStatus
from support.consultations.selectors.bookings import (
    BOOKING_WINDOW_DAYS,
    booking_for_buyer,
    booking_window,
    bookings_for_buyer,
    local_time,
    service_deposit,
    services_on_offer,
    slots_by_day,
    slots_in_window,
)
from support.consultations.selectors.slots import InvalidTimeZone, open_slots, zone_for
from support.consultations.services.bookings import (
    BookingError,
    booking_cancel,
    booking_hold,
    booking_reschedule,
)
from support.consultations.services.deposits import booking_checkout

TZ_COOKIE = "showroom_tz"
TZ_COOKIE_AGE = 365 * 24 * 3600


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


@functools.cache
def _zone_names() -> list[str]:
    # Scans the tzdata directory tree: once per process, not on every page view.
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


def buyer_time_zone(request: HttpRequest) -> tuple[str, str, bool]:
    """(zone to use, zone asked for, whether the ask came from the query) -- ``?tz=`` first,
    then the cookie the page's script sets from the browser, else UTC."""
    asked = request.GET.get("tz", "")
    from_query = bool(asked)
    if not asked:
        asked = request.COOKIES.get(TZ_COOKIE, "")
    if not asked:
        return "UTC", "", False
    try:
        zone_for(asked)
    except InvalidTimeZone:
        return "UTC", asked, from_query
    return asked, asked, from_query


def index(request: HttpRequest) -> HttpResponse:
    """``?service=<id>`` picks the service, ``?tz=<IANA name>`` the buyer's zone (remembered
    in a cookie), ``?shop=<slug>`` narrows to one shop."""
    tz, asked, from_query = buyer_time_zone(request)
    invalid_tz = asked if asked and asked != tz else ""
    currency = getattr(request, "currency", settings.DEFAULT_CURRENCY)
    offers = services_on_offer(
        language=_language(), currency=currency, shop_slug=request.GET.get("shop", "")[:80]
    )
    chosen = None
    wanted = request.GET.get("service", "")
    for offer in offers:
        if str(offer.service.pk) == wanted or (chosen is None and not wanted.isdigit()):
            chosen = offer
            if str(offer.service.pk) == wanted:
                break
    days = []
    window_start = window_end = None
    if chosen is not None:
        _first, window_start, window_end = booking_window(tz)
        days = slots_by_day(slots_in_window(chosen.service, tz))
    response = render(
        request,
        "consultations/index.html",
        {
            "offers": offers,
            "chosen": chosen,
            "days": days,
            "tz": tz,
            "invalid_tz": invalid_tz,
            "zone_names": _zone_names(),
            "window_days": BOOKING_WINDOW_DAYS,
            "window_start": window_start,
            "window_end": window_end,
            "hold_minutes": settings.CONSULTATION_HOLD_MINUTES,
        },
    )
    if from_query and not invalid_tz:
        response.set_cookie(TZ_COOKIE, tz, max_age=TZ_COOKIE_AGE, samesite="Lax")
    return response


def _index_url(service_id: int | str, tz: str) -> str:
    return f"{reverse('consultations:index')}?{urlencode({'service': service_id, 'tz': tz})}"


def _parse_instant(value: str) -> dt.datetime | None:
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


@require_POST
def hold(request: HttpRequest) -> HttpResponse:
    """Hold the chosen slot and go to its confirm page (signed-in buyers only)."""
    service_id = request.POST.get("service", "")
    tz = request.POST.get("tz", "") or "UTC"
    back = _index_url(service_id, tz)
    if not request.user.is_authenticated:
        return redirect_to_login(back)
    starts_at = _parse_instant(request.POST.get("starts_at", ""))
    consultant_id = request.POST.get("consultant", "")
    if starts_at is None or not service_id.isdigit() or not consultant_id.isdigit():
        messages.error(request, _("Choose a time from the list."))
        return redirect(back)
    try:
        booking = booking_hold(
            service_id=int(service_id),
            consultant_id=int(consultant_id),
            buyer=request.user,  # type: ignore[arg-type]
            starts_at=starts_at,
            buyer_time_zone=tz,
            language=_language(),
            currency=getattr(request, "currency", settings.DEFAULT_CURRENCY),
        )
    except BookingError as refused:
        if refused.code == "slot_taken":
            messages.error(
                request, _("Sorry, someone else just took that time. Please choose another one.")
            )
        else:
            messages.error(request, str(refused))
        return redirect(back)
    except ObjectDoesNotExist:  # a consultant or service id that does not exist
        messages.error(request, _("Choose a time from the list."))
        return redirect(back)
    return redirect("consultations:booking", booking_id=booking.pk)


def _own_booking(request: HttpRequest, booking_id: int) -> Booking:
    try:
        return booking_for_buyer(request.user, booking_id)  # type: ignore[arg-type]
    except Booking.DoesNotExist as missing:
        raise Http404(_("No such booking.")) from missing


def booking_page(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The held slot with its countdown and the confirm (or pay deposit) button."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    booking = _own_booking(request, booking_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            checkout = booking_checkout(
                booking_id=booking.pk,
                buyer=request.user,  # type: ignore[arg-type]
            )
        except BookingError as refused:
            messages.error(request, str(refused))
            return redirect("consultations:booking", booking_id=booking.pk)
        if checkout.order is not None:
            remember_order(request, checkout.order)
            return redirect("orders:pay", number=checkout.order.number)
        messages.success(request, _("Your consultation is booked. We sent you an e-mail."))
        return redirect("consultations:mine")
    hold_live = booking.status == BookingStatus.HELD and (
        booking.hold_expires_at is None or booking.hold_expires_at > now
    )
    return render(
        request,
        "consultations/booking.html",
        {
            "booking": booking,
            "service_name": booking.service.name_in(_language()),
            "starts": local_time(booking.starts_at, booking.buyer_time_zone),
            "ends": local_time(booking.ends_at, booking.buyer_time_zone),
            "hold_live": hold_live,
            "seconds_left": int((booking.hold_expires_at - now).total_seconds())
            if hold_live and booking.hold_expires_at
            else 0,
            "deposit": service_deposit(booking.service, booking.currency),
            "back_url": _index_url(booking.service_id, booking.buyer_time_zone),
        },
    )


def _join_path(booking: Booking) -> str:
    try:
        return reverse("consultations:call", args=[booking.pk])
    except NoReverseMatch:  # the call page is another module's; link to its documented path
        return f"/{_language()}/consultations/{booking.pk}/call/"


def mine(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    upcoming, past = bookings_for_buyer(request.user)  # type: ignore[arg-type]
    now = timezone.now()
    language = _language()

    def row(booking: Booking) -> dict[str, object]:
        service = booking.service
        return {
            "booking": booking,
            "service_name": service.name_in(language),
            "starts": local_time(booking.starts_at, booking.buyer_time_zone),
            "ends": local_time(booking.ends_at, booking.buyer_time_zone),
            "can_cancel": booking.status == BookingStatus.HELD
            or now <= booking.starts_at - dt.timedelta(hours=service.cancel_cutoff_hours),
            "join_path": _join_path(booking),
            "can_reschedule": now
            <= booking.starts_at - dt.timedelta(hours=service.reschedule_cutoff_hours),
        }

    return render(
        request,
        "consultations/mine.html",
        {"upcoming": [row(b) for b in upcoming], "past": [row(b) for b in past[:50]]},
    )


@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("consultations:mine"))
    booking = _own_booking(request, booking_id)
    try:
        booking_cancel(booking_id=booking.pk, actor=request.user)  # type: ignore[arg-type]
    except BookingError as refused:
        if refused.code == "too_late_to_cancel":
            messages.error(
                request,
                _(
                    "This consultation can no longer be cancelled online: the shop allows "
                    "cancelling up to %(hours)d hours before the start."
                )
                % {"hours": booking.service.cancel_cutoff_hours},
            )
        else:
            messages.error(request, str(refused))
        return redirect("consultations:mine")
    messages.success(request, _("Your consultation is cancelled."))
    return redirect("consultations:mine")


def reschedule(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Pick another open time of the same consultant (GET lists them, POST moves)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    booking = _own_booking(request, booking_id)
    service = booking.service
    cutoff_message = _(
        "This consultation can no longer be moved online: the shop allows rescheduling up to "
        "%(hours)d hours before the start."
    ) % {"hours": service.reschedule_cutoff_hours}
    if request.method == "POST":
        new_start = _parse_instant(request.POST.get("starts_at", ""))
        if new_start is None:
            messages.error(request, _("Choose a time from the list."))
            return redirect("consultations:reschedule", booking_id=booking.pk)
        try:
            booking_reschedule(
                booking_id=booking.pk,
                actor=request.user,  # type: ignore[arg-type]
                new_starts_at=new_start,
            )
        except BookingError as refused:
            if refused.code == "too_late_to_reschedule":
                messages.error(request, cutoff_message)
                return redirect("consultations:mine")
            if refused.code == "slot_taken":
                messages.error(
                    request, _("Sorry, someone else just took that time. Please choose another.")
                )
            else:
                messages.error(request, str(refused))
            return redirect("consultations:reschedule", booking_id=booking.pk)
        messages.success(request, _("Your consultation has a new time. We sent you an e-mail."))
        return redirect("consultations:mine")
    too_late = timezone.now() > booking.starts_at - dt.timedelta(
        hours=service.reschedule_cutoff_hours
    )
    if too_late or booking.status not in (BookingStatus.HELD, BookingStatus.CONFIRMED):
        messages.error(
            request, cutoff_message if too_late else _("This booking is no longer active.")
        )
        return redirect("consultations:mine")
    first, _start, _end = booking_window(booking.buyer_time_zone)
    slots = open_slots(
        service=service,
        start_date=first,
        days=BOOKING_WINDOW_DAYS,
        buyer_tz=booking.buyer_time_zone,
        consultant=booking.consultant,
    )
    return render(
        request,
        "consultations/reschedule.html",
        {
            "booking": booking,
            "service_name": service.name_in(_language()),
            "starts": local_time(booking.starts_at, booking.buyer_time_zone),
            "days": slots_by_day(slots),
            "tz": booking.buyer_time_zone,
        },
    )


urlpatterns: list[URLPattern] = [
    path("", index, name="index"),
    path("mine/", mine, name="mine"),
    path("hold/", hold, name="hold"),
    path("bookings/<int:booking_id>/", booking_page, name="booking"),
    path("bookings/<int:booking_id>/cancel/", cancel, name="cancel"),
    path("bookings/<int:booking_id>/reschedule/", reschedule, name="reschedule"),
]
