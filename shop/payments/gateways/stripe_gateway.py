"""The ``stripe`` gateway: server-side PaymentIntents (idempotency keys), Stripe.js confirms
in the browser, signed webhooks report the outcome. ``STRIPE_API_BASE`` can point at
localstripe for tests and demos."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _

from shop.payments.gateways.base import (
    ChargeResult,
    Gateway,
    GatewayError,
    RefundResult,
    to_minor_units,
)
from shop.payments.models import Payment, PaymentStatus

STATUS_MAP = {
    "succeeded": PaymentStatus.SUCCEEDED,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "requires_payment_method": PaymentStatus.PENDING,
    "requires_confirmation": PaymentStatus.PENDING,
    "processing": PaymentStatus.PENDING,
    "canceled": PaymentStatus.FAILED,
}


def stripe_client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise GatewayError(_("Card payments are not configured."), "not_configured")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=2,
    )


def result_from_intent(intent: Any) -> ChargeResult:
    status = STATUS_MAP.get(intent.status, PaymentStatus.PENDING)
    error = ""
    last_error = getattr(intent, "last_payment_error", None)
    if last_error:
        error = getattr(last_error, "message", "") or _("Your card was declined.")
        if intent.status == "requires_payment_method":
            status = PaymentStatus.FAILED
    return ChargeResult(
        status, reference=intent.id, client_secret=intent.client_secret or "", error=error
    )


class StripeGateway(Gateway):
    name = "stripe"
    confirms_in_browser = True

    def start(self, payment: Payment) -> ChargeResult:
        try:
            intent = stripe_client().v1.payment_intents.create(
                params={
                    "amount": to_minor_units(payment.amount, payment.currency),
                    "currency": payment.currency.lower(),
                    "payment_method_types": ["card"],
                    "metadata": {"order": payment.order.number, "payment": str(payment.pk)},
                },
                options={"idempotency_key": payment.idempotency_key},
            )
        except stripe.StripeError as failure:
            raise GatewayError(
                _("The payment provider is unavailable; try again."), "provider_error"
            ) from failure
        return result_from_intent(intent)

    def refresh(self, payment: Payment) -> ChargeResult:
        try:
            intent = stripe_client().v1.payment_intents.retrieve(payment.reference)
        except stripe.StripeError as failure:
            raise GatewayError(
                _("The payment provider is unavailable; try again."), "provider_error"
            ) from failure
        return result_from_intent(intent)

    def confirm_with_method(self, payment: Payment, payment_method: str) -> ChargeResult:
        """Attach the card collected by Stripe.js (a PaymentMethod id) and confirm the intent.

        Stripe answers succeeded, requires_action (the page then runs 3-D Secure with
        Stripe.js) or a card error (the intent stays usable for another card).
        """
        client = stripe_client()
        try:
            client.v1.payment_intents.update(
                payment.reference, params={"payment_method": payment_method}
            )
            intent = client.v1.payment_intents.confirm(payment.reference)
        except stripe.CardError as declined:
            return ChargeResult(
                PaymentStatus.PENDING,
                reference=payment.reference,
                error=declined.user_message or _("Your card was declined."),
            )
        except stripe.InvalidRequestError as invalid:
            raise GatewayError(
                _("That card could not be used; try again."), "invalid_request"
            ) from invalid
        except stripe.StripeError as failure:
            raise GatewayError(
                _("The payment provider is unavailable; try again."), "provider_error"
            ) from failure
        return result_from_intent(intent)

    def refund(self, payment: Payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        try:
            refund = stripe_client().v1.refunds.create(
                params={
                    "payment_intent": payment.reference,
                    "amount": to_minor_units(amount, payment.currency),
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as failure:
            raise GatewayError(
                str(getattr(failure, "user_message", "") or failure), "refund_failed"
            ) from failure
        return RefundResult(reference=refund.id)


def construct_event(payload: bytes, signature: str) -> Any:
    """Verify the ``Stripe-Signature`` header; raises ValueError or SignatureVerificationError."""
    return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
