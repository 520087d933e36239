"""Buying without leaving the page: a quote and a one-step checkout that answer JSON, used by
the drawer on the room page and the consultation call (and the replay page later). The order
records where it came from (the room, the consultation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liverooms.rooms.deals import deal_active, deal_claimer, deal_price_in
from liverooms.rooms.models import FlashDeal, LiveRoom
from shop.catalog.models import Variant
from shop.orders.forms import CheckoutForm
from shop.orders.models import Order, OrderStatus, SourceType
from shop.orders.selectors import Quote, checkout_quote, order_access_token
from shop.orders.services import CheckoutError, order_place
from shop.payments.models import PaymentStatus
from shop.payments.services import (
    PaymentError,
    payment_refresh,
    payment_start,
    payment_stripe_confirm,
    payment_test_charge,
)
from shop.payments.views import TestCardForm
from shop.pricing.money import format_money
from shop.shops.models import Shop


class LineForm(forms.Form):
    variant = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=1, max_value=99)


def _room(slug: str) -> LiveRoom:
    return get_object_or_404(
        LiveRoom.objects.select_related("shop"), slug=slug, shop__is_active=True
    )


def _deal_terms(
    room: LiveRoom, variant_id: int, currency: str
) -> tuple[FlashDeal | None, dict[int, Any] | None]:
    """The running flash deal on this variant's product, and its price as an override."""
    deal = deal_active(room)
    if (
        deal is None
        or not Variant.objects.filter(pk=variant_id, product_id=deal.product_id).exists()
    ):
        return None, None
    return deal, {variant_id: deal_price_in(deal, currency)}


def _quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "currency": quote.currency,
        "lines": [
            {
                "name": line.product_name,
                "variant": line.variant_label,
                "quantity": line.quantity,
                "total": format_money(line.line_total),
                "problem": line.problem,
            }
            for line in quote.lines
        ],
        "shipping_options": [
            {
                "id": o.rate_id,
                "name": o.name,
                "price": format_money(o.price),
                "days": o.delivery_days,
            }
            for o in quote.shipping_options
        ],
        "shipping": quote.shipping.rate_id if quote.shipping else None,
        "subtotal": format_money(quote.subtotal),
        "discount": format_money(quote.discount) if quote.voucher else "",
        "voucher_error": quote.voucher_error,
        "total": format_money(quote.total),
        "expected_total": str(quote.total.amount),
        "problems": [message for _code, message in quote.problems],
    }


# The drawer's three requests, for any page that sells from a drawer (a live room, a
# consultation call): the caller resolves the shop, currency, special prices and the order's
# source, and the URL that finishes a 3-D Secure check.
UnitTerms = Callable[[int, int], tuple[dict[int, Any] | None, Any]]


def _no_terms(_variant_id: int, _quantity: int) -> tuple[dict[int, Any] | None, Any]:
    return None, None


def drawer_quote(
    request: HttpRequest,
    *,
    shop: Shop,
    currency: str,
    unit_prices: Callable[[int], dict[int, Any] | None] = lambda _variant: None,
) -> JsonResponse:
    """The drawer's quote (GET ``variant``, ``quantity``, ``country``, ``shipping_rate``)."""
    line = LineForm(request.GET)
    if not line.is_valid():
        return JsonResponse({"ok": False, "errors": line.errors}, status=400)
    rate = request.GET.get("shipping_rate", "")
    quote = checkout_quote(
        unit_prices=unit_prices(line.cleaned_data["variant"]),
        shop=shop,
        items=[(line.cleaned_data["variant"], line.cleaned_data["quantity"])],
        currency=currency,
        language=get_language() or "en",  # type: ignore[attr-defined]
        country=request.GET.get("country", "")[:2].upper(),
        rate_id=int(rate) if rate.isdigit() else None,
        voucher_code=request.GET.get("voucher_code", "")[:40],
        email=getattr(request.user, "email", ""),
        user=request.user,
    )
    if quote.shipping is None and quote.shipping_options:
        quote.shipping = quote.shipping_options[0]
    return JsonResponse({"ok": True, **_quote_json(quote)})


def drawer_buy(
    request: HttpRequest,
    *,
    shop: Shop,
    currency: str,
    source_type: str,
    source_id: str,
    check_url: Callable[[Order], str],
    terms: UnitTerms = _no_terms,
) -> JsonResponse:
    """Place the order (recording ``source_type``/``source_id``) and pay in one request;
    ``terms(variant, quantity)`` gives special unit prices and an extra reservation."""
    line = LineForm(request.POST)
    data = request.POST.copy()
    data["email"] = request.user.email  # type: ignore[union-attr]
    language = get_language() or "en"
    rate = request.POST.get("shipping_rate", "")
    checkout = CheckoutForm(data, language=language, rate_ids=[int(rate)] if rate.isdigit() else [])
    card = TestCardForm(request.POST)
    valid = [form.is_valid() for form in (line, checkout)]
    errors = {**line.errors, **checkout.errors}
    if not all(valid) or checkout.address is None:
        return JsonResponse({"ok": False, "code": "invalid", "errors": errors}, status=400)
    unit_prices, claim = terms(line.cleaned_data["variant"], line.cleaned_data["quantity"])
    try:
        order = order_place(
            unit_prices=unit_prices,
            reserve_extra=claim,
            shop=shop,
            items=[(line.cleaned_data["variant"], line.cleaned_data["quantity"])],
            currency=currency,
            language=language,
            email=request.user.email,  # type: ignore[attr-defined, union-attr]
            user=request.user,
            address=checkout.address,
            rate_id=checkout.cleaned_data["shipping_rate"] or 0,  # type: ignore[arg-type]
            voucher_code=checkout.cleaned_data["voucher_code"],
            expected_total=checkout.cleaned_data["expected_total"],
            source_type=source_type,
            source_id=source_id,
        )
    except CheckoutError as refused:
        return JsonResponse(
            {"ok": False, "code": refused.code, "message": str(refused)}, status=409
        )
    payment = payment_start(order=order)
    if payment.gateway != "test":
        method = request.POST.get("payment_method", "")
        if payment.gateway == "stripe" and method:
            return _stripe_outcome(order, method, check_url)
        # No card collected in the drawer: finish on the order's payment page, in a new tab.
        return JsonResponse(
            {
                "ok": True,
                "status": "pay",
                "order": order.number,
                "pay_url": _pay_url(order),
            }
        )
    if not card.is_valid():
        return JsonResponse(
            {
                "ok": False,
                "code": "invalid_card",
                "errors": card.errors,
                "order": order.number,
                "pay_url": _pay_url(order),
            },
            status=400,
        )
    try:
        payment = payment_test_charge(payment=payment, card_number=card.cleaned_data["card_number"])
    except PaymentError as refused:
        return JsonResponse(
            {"ok": False, "code": refused.code, "message": str(refused), "order": order.number},
            status=402,
        )
    if payment.status == PaymentStatus.SUCCEEDED:
        return _paid(order)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        return JsonResponse(
            {
                "ok": True,
                "status": "requires_action",
                "order": order.number,
                "confirm_url": reverse("payments:test-confirm", args=[payment.pk]),
            }
        )
    return JsonResponse(
        {
            "ok": False,
            "code": "card_declined",
            "message": payment.error,
            "order": order.number,
            "pay_url": _pay_url(order),
        },
        status=402,
    )


@require_GET
def room_buy_quote(request: HttpRequest, slug: str) -> HttpResponse:
    room = _room(slug)

    def unit_prices(variant_id: int) -> dict[int, Any] | None:
        return _deal_terms(room, variant_id, request.currency)[1]  # type: ignore[attr-defined]

    return drawer_quote(
        request,
        shop=room.shop,
        currency=request.currency,  # type: ignore[attr-defined]
        unit_prices=unit_prices,
    )


@login_required
@require_POST
def room_buy(request: HttpRequest, slug: str) -> HttpResponse:
    """Place the order and pay with the test card in one request; never navigates away."""
    room = _room(slug)

    def terms(variant_id: int, quantity: int) -> tuple[dict[int, Any] | None, Any]:
        deal, unit_prices = _deal_terms(room, variant_id, request.currency)  # type: ignore[attr-defined]
        claim = deal_claimer(deal, user=request.user, quantity=quantity) if deal else None  # type: ignore[arg-type]
        return unit_prices, claim

    return drawer_buy(
        request,
        shop=room.shop,
        currency=request.currency,  # type: ignore[attr-defined]
        source_type=SourceType.LIVE_ROOM,
        source_id=str(room.pk),
        check_url=lambda order: reverse("rooms:buy-check", args=[room.slug, order.number]),
        terms=terms,
    )


def _pay_url(order: Order) -> str:
    """The order's own payment page (signed link), where a payment the drawer could not
    finish can be completed."""
    return reverse("orders:pay", args=[order.number]) + f"?token={order_access_token(order)}"


def _paid(order: Order) -> JsonResponse:
    return JsonResponse(
        {
            "ok": True,
            "status": "paid",
            "order": order.number,
            "order_url": reverse("orders:detail", args=[order.number])
            + f"?token={order_access_token(order)}",
            "message": _("Paid! Your order %(number)s is confirmed.") % {"number": order.number},
        }
    )


def _stripe_outcome(order: Order, method: str, check_url: Callable[[Order], str]) -> JsonResponse:
    """Confirm the order's PaymentIntent with the card Stripe.js collected in the drawer. When
    the bank wants 3-D Secure, the drawer runs it with Stripe.js and then asks ``check_url``.
    """
    try:
        payment = payment_stripe_confirm(order=order, payment_method=method)
    except PaymentError as refused:
        return JsonResponse(
            {"ok": False, "code": refused.code, "message": str(refused), "order": order.number},
            status=402,
        )
    if payment.status == PaymentStatus.SUCCEEDED:
        return _paid(order)
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        return JsonResponse(
            {
                "ok": True,
                "status": "requires_action",
                "order": order.number,
                "client_secret": payment.client_secret,
                "check_url": check_url(order),
            }
        )
    return JsonResponse(
        {
            "ok": False,
            "code": "card_declined",
            "message": payment.error or _("The card was declined."),
            "order": order.number,
            "pay_url": _pay_url(order),
        },
        status=402,
    )


def drawer_check(request: HttpRequest, *, order: Order) -> JsonResponse:
    """After Stripe.js finished 3-D Secure in the drawer: ask the gateway, answer the outcome."""
    payment = order.payments.order_by("-created_at").first()
    if payment is not None and order.status == OrderStatus.PENDING_PAYMENT:
        try:
            payment = payment_refresh(payment=payment)
        except PaymentError as refused:
            return JsonResponse(
                {"ok": False, "code": refused.code, "message": str(refused)}, status=402
            )
        payment.refresh_from_db()
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
        return _paid(order)
    return JsonResponse(
        {
            "ok": False,
            "code": "not_paid",
            "message": _("The payment was not completed."),
            "order": order.number,
            "pay_url": _pay_url(order),
        },
        status=402,
    )


@login_required
@require_POST
def room_buy_check(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    order = get_object_or_404(
        Order, number=number, user=request.user, source_type=SourceType.LIVE_ROOM
    )
    return drawer_check(request, order=order)


__all__ = [
    "drawer_buy",
    "drawer_check",
    "drawer_quote",
    "room_buy",
    "room_buy_check",
    "room_buy_quote",
]
