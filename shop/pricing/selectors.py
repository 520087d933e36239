"""Price lookups: explicit prices first, then conversion through the newest usable FX rate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from shop.pricing.models import FxRate
from shop.pricing.money import Money, quantize


class NoPriceError(LookupError):
    """No explicit price and no usable FX rate: the item cannot be sold in that currency."""


@dataclass(frozen=True, slots=True)
class Price:
    money: Money
    converted: bool = False  # True when derived from an FX rate, not set by the merchant
    rate_date: dt.date | None = None


class FxTable:
    """The newest rate per currency pair, loaded once per request (or per API page)."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        self.today = today or timezone.now().date()
        self._rates: dict[tuple[str, str], tuple[Decimal, dt.date]] | None = None

    def _load(self) -> dict[tuple[str, str], tuple[Decimal, dt.date]]:
        if self._rates is None:
            oldest = self.today - dt.timedelta(days=settings.FX_MAX_AGE_DAYS)
            rows = FxRate.objects.filter(as_of__lte=self.today, as_of__gte=oldest).order_by(
                "base", "quote", "-as_of"
            )
            rates: dict[tuple[str, str], tuple[Decimal, dt.date]] = {}
            for row in rows.values_list("base", "quote", "rate", "as_of"):
                rates.setdefault((row[0], row[1]), (row[2], row[3]))
            self._rates = rates
        return self._rates

    def rate(self, base: str, quote: str) -> tuple[Decimal, dt.date] | None:
        if base == quote:
            return Decimal(1), self.today
        rates = self._load()
        if (base, quote) in rates:
            return rates[(base, quote)]
        if (quote, base) in rates:
            inverse, as_of = rates[(quote, base)]
            return Decimal(1) / inverse, as_of
        pivot = settings.FX_PIVOT_CURRENCY
        if pivot not in (base, quote):
            first, second = self.rate(base, pivot), self.rate(pivot, quote)
            if first and second:
                # Cross rate through the pivot; dated by the older of the two legs.
                return first[0] * second[0], min(first[1], second[1])
        return None

    def convert(self, money: Money, currency: str) -> Price:
        found = self.rate(money.currency, currency)
        if found is None:
            raise NoPriceError(f"No FX rate from {money.currency} to {currency}")
        rate, as_of = found
        return Price(
            Money(quantize(money.amount * rate, currency), currency),
            converted=True,
            rate_date=as_of,
        )


def price_in(
    explicit: dict[str, Decimal], currency: str, *, preferred_source: str, fx: FxTable
) -> Price:
    """Price in ``currency`` from a currency->amount map of explicit prices.

    Uses the explicit price when there is one; otherwise converts from ``preferred_source``
    (the shop's default currency) or, failing that, from any explicit price with a rate.
    """
    if currency in explicit:
        return Price(Money(quantize(explicit[currency], currency), currency))
    sources = [preferred_source] if preferred_source in explicit else []
    sources += sorted(code for code in explicit if code != preferred_source)
    for source in sources:
        try:
            return fx.convert(Money(explicit[source], source), currency)
        except NoPriceError:
            continue
    raise NoPriceError(f"No price in {currency} and no FX rate to derive one")
