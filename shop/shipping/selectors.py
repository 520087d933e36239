"""Which shipping methods a shop offers to a country, and what they cost in a currency."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from shop.pricing.money import Money, quantize
from shop.pricing.selectors import FxTable, NoPriceError, price_in
from shop.shipping.models import RateKind, ShippingRate, ShippingRatePrice, ShippingZone
from shop.shops.models import Shop

REST_OF_WORLD = "*"


@dataclass(frozen=True)
class ShippingOption:
    rate_id: int
    name: str
    zone: str
    price: Money
    delivery_days: str


def _zones_for(shop: Shop, country: str) -> list[ShippingZone]:
    zones = list(
        ShippingZone.objects.filter(shop=shop).prefetch_related(
            Prefetch(
                "rates",
                queryset=ShippingRate.objects.filter(is_active=True).prefetch_related("prices"),
            )
        )
    )
    exact = [z for z in zones if country.upper() in {c.upper() for c in z.countries}]
    return exact or [z for z in zones if REST_OF_WORLD in z.countries]


def _rate_price(
    rate: ShippingRate, *, shop: Shop, weight_grams: int, subtotal: Money, fx: FxTable
) -> Money | None:
    prices: dict[str, ShippingRatePrice] = {p.currency: p for p in rate.prices.all()}
    currency = subtotal.currency
    try:
        base = price_in(
            {c: p.amount for c, p in prices.items()},
            currency,
            preferred_source=shop.default_currency,
            fx=fx,
        ).money
        per_kg = price_in(
            {c: p.per_kg for c, p in prices.items()},
            currency,
            preferred_source=shop.default_currency,
            fx=fx,
        ).money
    except NoPriceError:
        return None
    thresholds = {c: p.free_over for c, p in prices.items() if p.free_over is not None}
    if thresholds:
        try:
            free_over = price_in(
                thresholds, currency, preferred_source=shop.default_currency, fx=fx
            )
        except NoPriceError:
            free_over = None
        if free_over is not None and subtotal.amount >= free_over.money.amount:
            return Money(quantize(Decimal(0), currency), currency)
    amount = base.amount
    if rate.kind == RateKind.WEIGHT:
        amount += per_kg.amount * math.ceil(max(weight_grams, 1) / 1000)
    return Money(quantize(amount, currency), currency)


def shipping_options(
    *, shop: Shop, country: str, weight_grams: int, subtotal: Money, fx: FxTable
) -> list[ShippingOption]:
    """Methods of ``shop`` for ``country`` that fit the parcel weight, cheapest first."""
    options = []
    for zone in _zones_for(shop, country):
        for rate in zone.rates.all():
            if weight_grams < rate.min_weight_grams:
                continue
            if rate.max_weight_grams is not None and weight_grams > rate.max_weight_grams:
                continue
            price = _rate_price(
                rate, shop=shop, weight_grams=weight_grams, subtotal=subtotal, fx=fx
            )
            if price is not None:
                options.append(
                    ShippingOption(rate.pk, rate.name, zone.name, price, rate.delivery_days)
                )
    return sorted(options, key=lambda o: (o.price.amount, o.name))
