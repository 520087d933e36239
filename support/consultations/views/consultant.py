"""The consultant's pages: the week calendar (with today's calls) and the buyer profile.

Thin adapters: parse the query string or form, call one ``access_*`` / ``*_for_user`` selector
(which raises for people who may not see the page) or the note service, render.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from support.consultations.models import Booking
from support.consultations.selectors.consultant import (
    BuyerProfile,
    access_calendar,
    buyer_profile_for_user,
    consultant_week,
    consultants_for_user,
    local_today,
    todays_calls,
)
from support.consultations.services.notes import NOTE_MAX_LENGTH, NoteError, buyer_note_add

View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Send signed-out visitors to the login page; the selectors decide everything else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _date_or_none(value: str | None) -> dt.date | None:
    """An ISO date, or None if malformed or so near year 1 or 9999 that a week around it
    (and its local midnights in UTC) would overflow ``datetime``."""
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and 2 <= day.year <= 9998 else None


def call_url(booking_id: int) -> str:
    """The call page (built in views/call.py); the literal path if it is not routed yet."""
    try:
        return reverse("consultations:call", args=[booking_id])
    except NoReverseMatch:
        return f"/consultations/{booking_id}/call/"


def booking_admin_url(booking_id: int) -> str:
    return reverse("admin:consultations_booking_change", args=[booking_id])


@staff_page
def calendar(request: HttpRequest) -> HttpResponse:
    consultant = access_calendar(request.user, _int_or_none(request.GET.get("consultant")))
    week_of = _date_or_none(request.GET.get("week")) or local_today(consultant)
    show_cancelled = request.GET.get("cancelled") == "1"
    week = consultant_week(consultant=consultant, week_of=week_of, include_cancelled=show_cancelled)
    calls = todays_calls(consultant=consultant)

    def page(week_start: dt.date | None, cancelled: bool = show_cancelled) -> str:
        query = {"consultant": consultant.pk}
        if week_start is not None:
            query["week"] = week_start.isoformat()  # type: ignore[assignment]
        if cancelled:
            query["cancelled"] = 1
        return f"{request.path}?{urlencode(query)}"

    span = max(week.last_minute - week.first_minute, 60)
    context = {
        "consultant": consultant,
        "consultants": list(consultants_for_user(request.user)),
        "week": week,
        "show_cancelled": show_cancelled,
        "previous_url": page(week.previous_start),
        "next_url": page(week.next_start),
        "today_url": page(None),
        "toggle_cancelled_url": page(week.start, not show_cancelled),
        "today": local_today(consultant),
        "grid_start": week.first_minute,
        "grid_span": span,
        "hour_rows": [
            {"hour": hour, "top": f"{(hour * 60 - week.first_minute) * 100 / span:.3f}"}
            for hour in week.hours
        ],
        "layout": [
            {
                "day": day,
                "bands": [
                    _placed(band.start_minute, band.end_minute, week.first_minute, span)
                    | {"band": band}
                    for band in day.open_bands
                ],
                "entries": [
                    _placed(entry.start_minute, entry.end_minute, week.first_minute, span)
                    | {
                        "entry": entry,
                        "detail_url": booking_admin_url(entry.booking.pk),
                        "buyer_url": reverse(
                            "consultations:buyer_profile", args=[entry.booking.buyer_id]
                        ),
                    }
                    for entry in day.entries
                ],
            }
            for day in week.days
        ],
        "todays_calls": [
            {
                "booking": booking,
                "local_start": booking.starts_at.astimezone(consultant.zone),
                "local_end": booking.ends_at.astimezone(consultant.zone),
                "call_url": call_url(booking.pk),
                "buyer_url": reverse("consultations:buyer_profile", args=[booking.buyer_id]),
            }
            for booking in calls
        ],
    }
    return render(request, "consultations/calendar.html", context)


def _placed(start: int, end: int, grid_start: int, span: int) -> dict[str, str]:
    """CSS percentages for a stretch of minutes in a day column.

    Formatted here, not in the template, so a locale's decimal comma never reaches the CSS.
    """
    top = max(0, start - grid_start) * 100 / span
    bottom = min(span, max(0, end - grid_start)) * 100 / span
    return {"top": f"{top:.3f}", "height": f"{max(bottom - top, 0.5):.3f}"}


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        required=True,
        error_messages={"required": gettext_lazy("Write something in the note.")},
    )
    booking = forms.TypedChoiceField(
        label=gettext_lazy("About the call"),
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args: Any, bookings: list[Booking], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bookings = {booking.pk: booking for booking in bookings}
        self.fields["booking"].choices = [("", _("No particular call"))] + [
            (booking.pk, f"{booking.starts_at:%Y-%m-%d %H:%M} UTC · {booking.service}")
            for booking in bookings
        ]


@staff_page
def buyer_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    shop_id = _int_or_none(request.GET.get("shop") or request.POST.get("shop"))
    profile = buyer_profile_for_user(request.user, buyer_id=user_id, shop_id=shop_id)
    form = NoteForm(request.POST or None, bookings=profile.bookings)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                buyer_note_add(
                    shop=profile.shop,
                    buyer=profile.buyer,
                    author=request.user,  # type: ignore[arg-type]
                    text=form.cleaned_data["text"],
                    booking=form.bookings.get(form.cleaned_data["booking"] or 0),
                )
            except NoteError as refused:
                form.add_error(
                    "text" if refused.code in ("empty", "too_long") else None, str(refused)
                )
            else:
                messages.success(request, _("Note saved."))
                return redirect(
                    f"{reverse('consultations:buyer_profile', args=[user_id])}"
                    f"?shop={profile.shop.pk}#notes"
                )
        status = 400
    elif request.method != "GET":
        raise PermissionDenied
    return render(
        request, "consultations/buyer_profile.html", _profile_context(profile, form), status=status
    )


def _profile_context(profile: BuyerProfile, form: NoteForm) -> dict[str, Any]:
    return {
        "profile": profile,
        "buyer": profile.buyer,
        "shop": profile.shop,
        "form": form,
        "bookings": [
            {
                "booking": booking,
                "detail_url": booking_admin_url(booking.pk),
                "consultant_local": booking.starts_at.astimezone(booking.consultant.zone),
                "buyer_local": _in_zone(booking.starts_at, booking.buyer_time_zone),
            }
            for booking in profile.bookings
        ],
        "orders": [
            {
                "order": order,
                "admin_url": reverse("admin:orders_order_change", args=[order.pk]),
            }
            for order in profile.orders
        ],
    }


def _in_zone(moment: dt.datetime, zone_name: str) -> dt.datetime:
    try:
        return moment.astimezone(zoneinfo.ZoneInfo(zone_name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return moment


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar, name="calendar"),
    path("buyers/<int:user_id>/", buyer_profile, name="buyer_profile"),
]
