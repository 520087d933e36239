"""The consultation call page (``/consultations/<id>/call/``), the checkout drawer behind its
product cards, and the consultant's notes after the call.

Only the booking's buyer and its assigned consultant get in (``access_call``). The page opens
10 minutes before the start; before that it shows a countdown, after the end (plus a grace
period) or a cancellation it says the call is closed. A join link from an e-mail may carry a
signed, short-lived token (``?t=``): a buyer who is signed out is signed in by it; a wrong or
expired token is refused with a page that says so.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liverooms.rooms.buy import drawer_buy, drawer_check, drawer_quote
from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.orders.address import country_choices
from shop.orders.models import Order, SourceType
from shop.payments.gateways import get_gateway
from shop.shops.selectors import shop_ids_for_user
from support.consultations.models import Booking, CallProduct
from support.consultations.selectors.calls import (
    CallRole,
    CallState,
    NotACallParty,
    access_call,
    call_connect_times,
    call_opens_at,
    call_role,
    call_shop_products,
    call_state,
)
from support.consultations.services.calls import (
    CallError,
    JoinLinkError,
    call_join_token_user,
    call_note_add,
)
from support.consultations.services.notes import NoteError


def _booking_for(request: HttpRequest, booking_id: int) -> Booking:
    """``access_call`` as a view needs it: 404 for an unknown booking, 403 for a non-party."""
    try:
        return access_call(request.user, booking_id)
    except Booking.DoesNotExist as missing:
        raise Http404("No such consultation") from missing


def _refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    return render(request, "consultations/call_refused.html", {"reason": reason}, status=status)


def _use_join_link(request: HttpRequest, booking_id: int, token: str) -> HttpResponse | None:
    """Check ``?t=``: None to carry on, or the page that refuses the link. A valid link for
    a signed-out buyer signs them in; staff accounts (the consultant) always sign in
    themselves, so a forwarded link never opens a shop's back office."""
    try:
        user_id = call_join_token_user(token=token, booking_id=booking_id)
    except JoinLinkError as refused:
        return _refused(request, refused.code)
    if request.user.is_authenticated:
        return None if request.user.pk == user_id else _refused(request, "other_account")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    booking = Booking.objects.filter(pk=booking_id).first()
    if user is None or booking is None or booking.buyer_id != user.pk:
        return redirect_to_login(request.get_full_path())
    if user.is_staff or user.is_superuser or shop_ids_for_user(user):
        return redirect_to_login(request.get_full_path())
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return None


def call_page(request: HttpRequest, booking_id: int) -> HttpResponse:
    token = request.GET.get("t", "")
    if token:
        refusal = _use_join_link(request, booking_id, token)
        if refusal is not None:
            return refusal
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        booking = _booking_for(request, booking_id)
    except NotACallParty:
        return _refused(request, "not_a_party")
    role = call_role(request.user, booking)
    state = call_state(booking)
    language = get_language() or settings.LANGUAGE_CODE
    context: dict[str, Any] = {
        "booking": booking,
        "role": str(role),
        "is_consultant": role == CallRole.CONSULTANT,
        "state": str(state),
        "opens_at": call_opens_at(booking),
        "service_name": booking.service.name_in(language),
        "consultant_name": str(booking.consultant),
    }
    if state == CallState.WAITING:
        return render(request, "consultations/call_waiting.html", context)
    if state != CallState.OPEN:
        if role == CallRole.CONSULTANT:
            context["notes"] = booking.notes.order_by("-created_at")[:20]
            context["connect_times"] = call_connect_times(booking)
        return render(request, "consultations/call_closed.html", context)
    shop = booking.service.shop
    context.update(
        {
            "products": call_shop_products(booking, language)
            if role == CallRole.CONSULTANT
            else [],
            "countries": country_choices(language),
            "stripe": get_gateway(
                shop.payment_gateway or settings.PAYMENT_GATEWAY
            ).confirms_in_browser,
            "stripe_js": settings.STRIPE_JS_URL,
            "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
            "ice_servers_json": json.dumps(settings.RTC_ICE_SERVERS),
        }
    )
    return render(request, "consultations/call.html", context)


# The checkout drawer: the same requests as a live room's, for products shown in this call;
# the order's currency is the booking's and its source is the consultation.


def _buyer_booking(request: HttpRequest, booking_id: int) -> Booking:
    try:
        booking = _booking_for(request, booking_id)
    except NotACallParty as refused:
        raise Http404("No such consultation") from refused
    if call_role(request.user, booking) != CallRole.BUYER:
        raise Http404("Only the buyer buys in a consultation")
    return booking


def _shown_in_call(booking: Booking, variant: object) -> bool:
    if not isinstance(variant, str) or not variant.isdigit():
        return True  # the form answers malformed input itself
    product_id = Variant.objects.filter(pk=int(variant)).values_list("product_id", flat=True)
    return CallProduct.objects.filter(booking=booking, product_id__in=product_id).exists()


def _not_shown() -> JsonResponse:
    return JsonResponse(
        {
            "ok": False,
            "code": "not_shown",
            "message": _("This product was not shown in your consultation."),
        },
        status=400,
    )


@login_required
@require_GET
def call_buy_quote(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _buyer_booking(request, booking_id)
    if not _shown_in_call(booking, request.GET.get("variant")):
        return _not_shown()
    return drawer_quote(request, shop=booking.service.shop, currency=booking.currency)


@login_required
@require_POST
def call_buy(request: HttpRequest, booking_id: int) -> HttpResponse:
    booking = _buyer_booking(request, booking_id)
    if not _shown_in_call(booking, request.POST.get("variant")):
        return _not_shown()
    return drawer_buy(
        request,
        shop=booking.service.shop,
        currency=booking.currency,
        source_type=SourceType.CONSULTATION,
        source_id=str(booking.pk),
        check_url=lambda order: reverse(
            "consultations:call-buy-check", args=[booking.pk, order.number]
        ),
    )


@login_required
@require_POST
def call_buy_check(request: HttpRequest, booking_id: int, number: str) -> HttpResponse:
    booking = _buyer_booking(request, booking_id)
    order = get_object_or_404(
        Order,
        number=number,
        user=request.user,
        source_type=SourceType.CONSULTATION,
        source_id=str(booking.pk),
    )
    return drawer_check(request, order=order)


@login_required
@require_POST
def call_notes(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The consultant's note about the buyer from this call (from the call or closed page)."""
    try:
        booking = _booking_for(request, booking_id)
    except NotACallParty:
        return _refused(request, "not_a_party")
    try:
        call_note_add(booking=booking, author=request.user, text=request.POST.get("text", ""))  # type: ignore[arg-type]
    except (CallError, NoteError) as refused:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse(
                {"ok": False, "code": refused.code, "message": str(refused)}, status=400
            )
        messages.error(request, str(refused))
    else:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"ok": True})
        messages.success(request, _("Note saved."))
    return redirect("consultations:call", booking.pk)


urlpatterns: list[URLPattern] = [
    path("<int:booking_id>/call/", call_page, name="call"),
    path("<int:booking_id>/call/notes/", call_notes, name="call-notes"),
    path("<int:booking_id>/call/buy/quote/", call_buy_quote, name="call-buy-quote"),
    path("<int:booking_id>/call/buy/", call_buy, name="call-buy"),
    path("<int:booking_id>/call/buy/<str:number>/check/", call_buy_check, name="call-buy-check"),
]
