"""Payment pages (test gateway card form and confirmation step, Stripe.js page) and webhooks."""

from __future__ import annotations

import contextlib
import json
import logging

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shop.orders.models import OrderStatus
from shop.orders.selectors import order_access_token
from shop.orders.views import viewer_order
from shop.payments.gateways import GatewayError, get_gateway
from shop.payments.gateways.test_gateway import normalise_card
from shop.payments.models import PaymentStatus
from shop.payments.services import (
    PaymentError,
    payment_start,
    payment_stripe_confirm,
    payment_test_charge,
    payment_test_confirm,
    stripe_webhook_handle,
)

logger = logging.getLogger(__name__)


class TestCardForm(forms.Form):
    card_number = forms.CharField(label=_("Card number"), max_length=23)
    expiry = forms.RegexField(
        label=_("Expiry (MM/YY)"),
        regex=r"^(0[1-9]|1[0-2])\s*/\s*\d{2}$",
        error_messages={"invalid": _("Use the format MM/YY.")},
    )
    cvc = forms.RegexField(
        label=_("CVC"), regex=r"^\d{3,4}$", error_messages={"invalid": _("3 or 4 digits.")}
    )

    def clean_card_number(self) -> str:
        try:
            return normalise_card(self.cleaned_data["card_number"])
        except GatewayError as invalid:
            raise forms.ValidationError(str(invalid)) from invalid


def _order_url(order, payment_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    url = reverse("orders:detail", args=[order.number]) + f"?token={order_access_token(order)}"
    return url + (f"&payment={payment_id}" if payment_id else "")


def pay(request: HttpRequest, number: str) -> HttpResponse:
    order = viewer_order(request, number)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return redirect(_order_url(order))
    try:
        payment = payment_start(order=order)
    except (PaymentError, GatewayError) as failed:
        return render(
            request, "payments/pay.html", {"order": order, "error": str(failed)}, status=503
        )
    gateway = get_gateway(payment.gateway)
    form = TestCardForm(request.POST or None)
    error = payment.error if payment.status == PaymentStatus.FAILED else ""
    if request.method == "POST" and not gateway.confirms_in_browser and form.is_valid():
        try:
            payment = payment_test_charge(
                payment=payment, card_number=form.cleaned_data["card_number"]
            )
        except PaymentError as refused:
            form.add_error("card_number", str(refused))
        else:
            if payment.status == PaymentStatus.SUCCEEDED:
                return redirect(_order_url(order))
            if payment.status == PaymentStatus.REQUIRES_ACTION:
                return redirect("payments:test-confirm", payment_id=payment.pk)
            error = payment.error
    return render(
        request,
        "payments/pay.html",
        {
            "order": order,
            "payment": payment,
            "form": form,
            "error": error,
            "stripe": gateway.confirms_in_browser,
            "stripe_js": settings.STRIPE_JS_URL,
            "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
            "confirm_url": reverse("orders:stripe-confirm", args=[order.number])
            + (f"?token={request.GET['token']}" if request.GET.get("token") else ""),
        },
    )


@require_POST
def stripe_confirm(request: HttpRequest, number: str) -> HttpResponse:
    """JSON endpoint the Stripe payment page posts the PaymentMethod id to."""
    order = viewer_order(request, number)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return JsonResponse({"status": "done", "redirect": _order_url(order)})
    try:
        payment = payment_stripe_confirm(
            order=order, payment_method=request.POST.get("payment_method", "")
        )
    except PaymentError as refused:
        return JsonResponse(
            {"status": "error", "code": refused.code, "error": str(refused)}, status=400
        )
    body: dict[str, str] = {"status": payment.status, "redirect": _order_url(order, payment.pk)}
    if payment.status == PaymentStatus.REQUIRES_ACTION:
        body["client_secret"] = payment.client_secret
    if payment.error and payment.status != PaymentStatus.SUCCEEDED:
        body.update(status="error", code="card_declined", error=payment.error)
    return JsonResponse(body, status=400 if body["status"] == "error" else 200)


def test_confirm(request: HttpRequest, payment_id: int) -> HttpResponse:
    """The test gateway's stand-in for a bank's 3-D Secure page."""
    from shop.payments.models import Payment

    payment = Payment.objects.select_related("order").filter(pk=payment_id, gateway="test").first()
    if payment is None:
        return HttpResponse(status=404)
    order = viewer_order(request, payment.order.number)  # the same access rule as the order
    if request.method == "POST":
        with contextlib.suppress(PaymentError):
            payment = payment_test_confirm(
                payment=payment, approve=request.POST.get("decision") == "approve"
            )
        if payment.status == PaymentStatus.SUCCEEDED:
            return redirect(_order_url(order))
        return redirect("orders:pay", number=order.number)
    return render(request, "payments/test_confirm.html", {"order": order, "payment": payment})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Signed Stripe events. Bad signature: 400 and nothing changes."""
    from shop.payments.gateways.stripe_gateway import construct_event

    signature = request.headers.get("Stripe-Signature", "")
    if not signature or not settings.STRIPE_WEBHOOK_SECRET:
        return HttpResponseBadRequest("missing signature")
    try:
        construct_event(request.body, signature)  # verifies the signature and the timestamp
        event = json.loads(request.body)
        if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
            raise ValueError("not a Stripe event")
    except Exception as invalid:
        logger.warning("stripe webhook rejected: %s", invalid)
        return HttpResponseBadRequest("invalid signature or payload")
    try:
        outcome = stripe_webhook_handle(event)
    except (KeyError, TypeError, AttributeError) as malformed:  # signed, but not the shape we know
        logger.warning("stripe webhook %s malformed: %r", event.get("id"), malformed)
        return HttpResponseBadRequest("malformed event")
    return JsonResponse({"received": True, "outcome": outcome})
