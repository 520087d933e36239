"""The payment gateway interface every provider implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from shop.payments.models import Payment

# Currencies Stripe (and most card processors) charge in whole units.
ZERO_DECIMAL_CURRENCIES = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Amount in the processor's smallest unit: cents for USD, yen for JPY."""
    factor = 1 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 100
    return int((amount * factor).to_integral_value())


def from_minor_units(amount: int, currency: str) -> Decimal:
    factor = 1 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 100
    return Decimal(amount) / factor


class GatewayError(Exception):
    """The provider refused or failed; ``code`` is stable, the message is shopper-safe."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ChargeResult:
    status: str  # a PaymentStatus value
    reference: str = ""
    client_secret: str = ""
    error: str = ""
    card_last4: str = ""


@dataclass(frozen=True)
class RefundResult:
    reference: str


class Gateway(ABC):
    name: str
    #: True when the browser confirms the payment itself (Stripe.js), False when the
    #: shopper's card details are posted to our own payment form (the test gateway).
    confirms_in_browser: bool = False

    @abstractmethod
    def start(self, payment: Payment) -> ChargeResult:
        """Create the payment at the provider (idempotent on ``payment.idempotency_key``)."""

    @abstractmethod
    def refresh(self, payment: Payment) -> ChargeResult:
        """Ask the provider for the payment's current state."""

    @abstractmethod
    def refund(self, payment: Payment, amount: Decimal, idempotency_key: str) -> RefundResult:
        """Refund ``amount`` of a succeeded payment."""
