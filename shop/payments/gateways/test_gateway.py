"""The ``test`` gateway: deterministic test cards, no network. The default.

| card                | outcome                                   |
|---------------------|-------------------------------------------|
| 4242 4242 4242 4242 | succeeds                                   |
| 4000 0000 0000 0002 | declined                                   |
| 4000 0000 0000 9995 | declined: insufficient funds               |
| 4000 0027 6000 3184 | requires an extra confirmation step (3DS)  |
Any other number with a valid checksum is declined as "not a test card".
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.utils.translation import gettext as _

from shop.payments.gateways.base import ChargeResult, Gateway, GatewayError, RefundResult
from shop.payments.models import Payment, PaymentStatus

SUCCESS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT_FUNDS = "4000000000009995"
REQUIRES_ACTION = "4000002760003184"


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number]
    checksum = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        checksum += digit
    return len(digits) >= 12 and checksum % 10 == 0


def normalise_card(number: str) -> str:
    cleaned = number.replace(" ", "").replace("-", "")
    if not cleaned.isdigit() or not luhn_valid(cleaned):
        raise GatewayError(_("Your card number is incomplete or invalid."), "invalid_number")
    return cleaned


class TestGateway(Gateway):
    name = "test"
    confirms_in_browser = False

    def start(self, payment: Payment) -> ChargeResult:
        return ChargeResult(PaymentStatus.PENDING, reference=f"test_pi_{secrets.token_hex(8)}")

    def refresh(self, payment: Payment) -> ChargeResult:
        return ChargeResult(payment.status, reference=payment.reference)

    def charge(self, payment: Payment, card_number: str) -> ChargeResult:
        number = normalise_card(card_number)
        last4 = number[-4:]
        if number == SUCCESS:
            return ChargeResult(PaymentStatus.SUCCEEDED, payment.reference, card_last4=last4)
        if number == REQUIRES_ACTION:
            return ChargeResult(PaymentStatus.REQUIRES_ACTION, payment.reference, card_last4=last4)
        if number == INSUFFICIENT_FUNDS:
            return ChargeResult(
                PaymentStatus.FAILED,
                payment.reference,
                error=_("Your card has insufficient funds."),
                card_last4=last4,
            )
        if number == DECLINED:
            return ChargeResult(
                PaymentStatus.FAILED,
                payment.reference,
                error=_("Your card was declined."),
                card_last4=last4,
            )
        return ChargeResult(
            PaymentStatus.FAILED,
            payment.reference,
            error=_("This is a test shop: use a test card number."),
            card_last4=last4,
        )

    def confirm_action(self, payment: Payment, *, approve: bool) -> ChargeResult:
        if approve:
            return ChargeResult(
                PaymentStatus.SUCCEEDED, payment.reference, card_last4=payment.card_last4
            )
        return ChargeResult(
            PaymentStatus.FAILED,
            payment.reference,
            error=_("The card confirmation failed."),
            card_last4=payment.card_last4,
        )

    def refund(self, payment: Payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        return RefundResult(reference=f"test_re_{idempotency_key}")
