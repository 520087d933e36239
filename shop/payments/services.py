"""Payment writes: start a payment, apply a gateway result, refunds, Stripe webhooks.

Every path that learns a payment succeeded ends in ``order_mark_paid`` (idempotent, locks the
order), so the browser redirect, a status refresh and a webhook can arrive in any order and
any number of times with one outcome.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shop.orders.models import Order, OrderStatus
from shop.orders.services import (
    Actor,
    LatePaymentError,
    order_mark_paid,
    order_record_refund,
)
from shop.payments.gateways import GatewayError, get_gateway
from shop.payments.gateways.base import ChargeResult, from_minor_units
from shop.payments.gateways.test_gateway import TestGateway
from shop.payments.models import Payment, PaymentStatus, Refund, WebhookEvent

logger = logging.getLogger(__name__)


class PaymentError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def payment_start(*, order: Order, gateway_name: str | None = None) -> Payment:
    """The open payment of ``order`` (reused on reloads), or a new one at the gateway."""
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise PaymentError(_("This order is not awaiting payment."), "not_payable")
    name = gateway_name or order.shop.payment_gateway or settings.PAYMENT_GATEWAY
    open_payment = order.payments.filter(
        gateway=name, status__in=[PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION]
    ).first()
    if open_payment is not None:
        return open_payment
    attempt = order.payments.count() + 1
    payment = Payment.objects.create(
        order=order,
        gateway=name,
        amount=order.total,
        currency=order.currency,
        idempotency_key=f"order-{order.number}-payment-{attempt}",
    )
    result = get_gateway(name).start(payment)
    _store(payment, result)
    return payment


def _store(payment: Payment, result: ChargeResult) -> None:
    payment.status = result.status
    payment.reference = result.reference or payment.reference
    payment.client_secret = result.client_secret or payment.client_secret
    payment.card_last4 = result.card_last4 or payment.card_last4
    payment.error = result.error
    payment.save(
        update_fields=["status", "reference", "client_secret", "card_last4", "error", "updated_at"]
    )


def payment_apply_result(*, payment: Payment, result: ChargeResult, actor: Actor) -> Payment:
    """Record what the gateway said; on success mark the order paid (idempotent).

    A success never goes back to failed (a late "failed" event after "succeeded" is ignored).
    """
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status == PaymentStatus.SUCCEEDED and result.status != PaymentStatus.SUCCEEDED:
            return payment
        _store(payment, result)
    if payment.status == PaymentStatus.SUCCEEDED:
        try:
            order_mark_paid(
                order_id=payment.order_id, actor=actor, payment_reference=payment.reference
            )
        except LatePaymentError:
            payment_refund(
                order=payment.order,
                amount=payment.amount,
                actor=actor,
                reason="stock sold out after reservation expired",
                force=True,
            )
    return payment


def payment_test_charge(*, payment: Payment, card_number: str) -> Payment:
    gateway = get_gateway(payment.gateway)
    if not isinstance(gateway, TestGateway):
        raise PaymentError(_("This payment is not made with the test gateway."), "wrong_gateway")
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        raise PaymentError(_("This payment is already being processed."), "already_processed")
    try:
        result = gateway.charge(payment, card_number)
    except GatewayError as refused:
        raise PaymentError(str(refused), refused.code) from refused
    return payment_apply_result(payment=payment, result=result, actor=Actor(label="gateway:test"))


def payment_test_confirm(*, payment: Payment, approve: bool) -> Payment:
    gateway = get_gateway(payment.gateway)
    if not isinstance(gateway, TestGateway) or payment.status != PaymentStatus.REQUIRES_ACTION:
        raise PaymentError(_("Nothing to confirm for this payment."), "nothing_to_confirm")
    result = gateway.confirm_action(payment, approve=approve)
    return payment_apply_result(payment=payment, result=result, actor=Actor(label="gateway:test"))


def payment_stripe_confirm(*, order: Order, payment_method: str) -> Payment:
    """Confirm the order's open Stripe intent with a card Stripe.js collected on the page."""
    from shop.payments.gateways.stripe_gateway import StripeGateway

    if not payment_method.startswith("pm_") or len(payment_method) > 100:
        raise PaymentError(_("That card could not be used; try again."), "invalid_payment_method")
    payment = payment_start(order=order, gateway_name="stripe")
    try:
        result = StripeGateway().confirm_with_method(payment, payment_method)
    except GatewayError as failed:
        raise PaymentError(str(failed), failed.code) from failed
    return payment_apply_result(payment=payment, result=result, actor=Actor(label="gateway:stripe"))


def payment_refresh(*, payment: Payment) -> Payment:
    """Ask the gateway (e.g. after the Stripe.js redirect) instead of waiting for a webhook."""
    if payment.status == PaymentStatus.SUCCEEDED or not payment.reference:
        return payment
    result = get_gateway(payment.gateway).refresh(payment)
    return payment_apply_result(
        payment=payment, result=result, actor=Actor(label=f"gateway:{payment.gateway}")
    )


def payment_refund(
    *, order: Order, amount: Decimal, actor: Actor, reason: str = "", force: bool = False
) -> Refund:
    """Refund ``amount`` through the gateway and book it on the order.

    ``force`` refunds a payment whose order is not paid (money taken for stock that is gone).
    """
    payment = order.payments.filter(status=PaymentStatus.SUCCEEDED).order_by("-created_at").first()
    if payment is None:
        raise PaymentError(_("This order has no successful payment to refund."), "no_payment")
    refunded = sum((r.amount for r in payment.refunds.all()), Decimal(0))
    if amount <= 0 or amount + refunded > payment.amount:
        raise PaymentError(_("Refund between 0 and the amount still paid."), "bad_amount")
    key = f"refund-{payment.idempotency_key}-{payment.refunds.count() + 1}"
    try:
        result = get_gateway(payment.gateway).refund(payment, amount, key)
    except GatewayError as failed:
        raise PaymentError(str(failed), failed.code) from failed
    with transaction.atomic():
        refund, _created = Refund.objects.get_or_create(
            payment=payment,
            reference=result.reference,
            defaults={"amount": amount, "reason": reason, "actor": actor.user},
        )
        if not force:
            order_record_refund(
                order_id=order.pk, amount=amount, actor=actor, reference=result.reference
            )
    return refund


# Stripe webhooks ---------------------------------------------------------------------------


def _payment_for_intent(intent_id: str) -> Payment | None:
    return (
        Payment.objects.filter(gateway="stripe", reference=intent_id)
        .select_related("order")
        .first()
    )


def stripe_webhook_handle(event: Any) -> str:
    """Apply a verified Stripe event once. Returns what was done (for logs and tests).

    The event id is recorded in the same transaction as its effects, so a redelivered event
    finds it and does nothing; events for intents we do not know are acknowledged and ignored.
    """
    with transaction.atomic():
        try:
            WebhookEvent.objects.create(gateway="stripe", event_id=event["id"], kind=event["type"])
        except IntegrityError:
            return "duplicate"
        kind, obj = event["type"], event["data"]["object"]
        actor = Actor(label="webhook:stripe")
        if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
            payment = _payment_for_intent(obj["id"])
            if payment is None:
                return "unknown_intent"
            status = PaymentStatus.SUCCEEDED if kind.endswith("succeeded") else PaymentStatus.FAILED
            error = (
                ((obj.get("last_payment_error") or {}).get("message") or "")
                if status == PaymentStatus.FAILED
                else ""
            )
            payment_apply_result(
                payment=payment,
                result=ChargeResult(status, reference=obj["id"], error=error),
                actor=actor,
            )
            return status
        if kind == "charge.refunded":
            payment = _payment_for_intent(obj.get("payment_intent") or "")
            if payment is None:
                return "unknown_intent"
            if payment.status != PaymentStatus.SUCCEEDED:  # refund seen before the success event
                payment_apply_result(
                    payment=payment,
                    result=ChargeResult(PaymentStatus.SUCCEEDED, reference=payment.reference),
                    actor=actor,
                )
            booked = 0
            for refund in (obj.get("refunds") or {}).get("data", []):
                if Refund.objects.filter(payment=payment, reference=refund["id"]).exists():
                    continue
                amount = from_minor_units(refund["amount"], payment.currency)
                Refund.objects.create(
                    payment=payment,
                    reference=refund["id"],
                    amount=amount,
                    reason="refunded at Stripe",
                )
                order_record_refund(
                    order_id=payment.order_id, amount=amount, actor=actor, reference=refund["id"]
                )
                booked += 1
            return f"refunds_booked:{booked}"
        return "ignored"


__all__ = [
    "PaymentError",
    "payment_refresh",
    "payment_refund",
    "payment_start",
    "payment_stripe_confirm",
    "payment_test_charge",
    "payment_test_confirm",
    "stripe_webhook_handle",
]
