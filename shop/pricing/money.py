"""Money as ``Decimal`` + ISO code: rounding to each currency's minor units, and formatting.

Never floats. Rounding is half-up to the currency's minor units from ``settings.CURRENCIES``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale


class CurrencyError(ValueError):
    """An unknown or unsupported currency code."""


def supported_currencies() -> list[str]:
    return list(settings.CURRENCIES)


def check_currency(code: str) -> str:
    normalised = (code or "").strip().upper()
    if normalised not in settings.CURRENCIES:
        raise CurrencyError(
            f"Unsupported currency {code!r}; use one of {', '.join(settings.CURRENCIES)}."
        )
    return normalised


def minor_units(currency: str) -> int:
    return int(settings.CURRENCIES[check_currency(currency)])


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-up to the minor units of ``currency`` (JPY: 0 decimals)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float")
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError) as bad:
            raise ValueError(f"Not an amount: {amount!r}") from bad
        return cls(quantize(value, currency), currency)

    def rounded(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Multiply Money by int or Decimal, never float")
        return Money(quantize(self.amount * factor, self.currency), self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyError(f"Cannot mix {self.currency} and {other.currency}")

    def format(self, language: str | None = None) -> str:
        return format_money(self, language)

    def __str__(self) -> str:
        return self.format()


def _pattern_for(locale: Locale, digits: int) -> str:
    """The locale's currency pattern with exactly ``digits`` decimals."""
    pattern = locale.currency_formats["standard"].pattern
    fraction = "." + "0" * digits if digits else ""
    return pattern.replace("0.00", "0" + fraction)


def format_money(money: Money, language: str | None = None) -> str:
    """Format for display in ``language`` (default: the active one), Latin digits."""
    locale = Locale.parse(to_locale(language or get_language() or settings.LANGUAGE_CODE))
    digits = minor_units(money.currency)
    return format_currency(
        quantize(money.amount, money.currency),
        money.currency,
        format=_pattern_for(locale, digits),
        locale=locale,
        currency_digits=False,
    )
