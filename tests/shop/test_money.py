"""Money rounding per currency, formatting, and FX fallback from stored dated rates."""

from decimal import Decimal

import pytest

from shop.catalog.models import Product
from shop.catalog.selectors import product_views, with_display_data
from shop.pricing.money import CurrencyError, Money, format_money, quantize
from shop.pricing.selectors import FxTable, NoPriceError, price_in
from tests.factories import make_fx


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "USD", "10.01"),  # half-up, not banker's rounding
        ("10.004", "USD", "10.00"),
        ("1234.5", "JPY", "1235"),
        ("1234.4", "JPY", "1234"),
        ("15850.50", "IDR", "15851"),
        ("3.745", "SAR", "3.75"),
    ],
)
def test_quantize_uses_each_currencys_minor_units(
    amount: str, currency: str, expected: str
) -> None:
    assert quantize(Decimal(amount), currency) == Decimal(expected)
    assert str(quantize(Decimal(amount), currency)) == expected


def test_money_refuses_floats_and_unknown_currencies() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1.50", "USD") * 1.5  # type: ignore[operator]
    with pytest.raises(CurrencyError):
        Money.of("1", "XXX")
    with pytest.raises(CurrencyError):
        Money.of("1", "USD") + Money.of("1", "EUR")


def test_jpy_and_idr_are_formatted_without_decimals() -> None:
    assert format_money(Money.of("1234567", "JPY"), "en") == "¥1,234,567"
    assert "." not in format_money(Money.of("1500000", "IDR"), "en").replace(",", "")
    assert format_money(Money.of("12.5", "USD"), "en") == "$12.50"
    assert format_money(Money.of("12.5", "EUR"), "es") == "12,50\xa0€"


@pytest.mark.django_db
def test_fx_fallback_uses_newest_rate_not_future_or_stale_ones() -> None:
    make_fx("USD", "JPY", "140", days_ago=3)
    make_fx("USD", "JPY", "150", days_ago=1)  # newest usable
    make_fx("USD", "JPY", "999", days_ago=-2)  # dated in the future: not yet valid
    make_fx("USD", "SAR", "3.75", days_ago=400)  # too old to trust
    fx = FxTable()
    price = price_in({"USD": Decimal("10.01")}, "JPY", preferred_source="USD", fx=fx)
    assert price.money == Money(Decimal("1502"), "JPY")  # 1501.5 rounds half-up
    assert price.converted is True
    with pytest.raises(NoPriceError):
        price_in({"USD": Decimal("10")}, "SAR", preferred_source="USD", fx=fx)


@pytest.mark.django_db
def test_explicit_price_wins_and_cross_rates_go_through_the_pivot() -> None:
    make_fx("USD", "EUR", "0.8")
    make_fx("USD", "CNY", "7.2")
    fx = FxTable()
    explicit = {"EUR": Decimal("100.00"), "USD": Decimal("200.00")}
    assert price_in(explicit, "USD", preferred_source="EUR", fx=fx).money == Money.of("200", "USD")
    # EUR -> CNY has no stored rate: 100 EUR = 125 USD = 900 CNY.
    crossed = price_in(explicit, "CNY", preferred_source="EUR", fx=fx)
    assert crossed.money == Money.of("900.00", "CNY") and crossed.converted


@pytest.mark.django_db
def test_product_views_price_every_supported_currency(world) -> None:  # type: ignore[no-untyped-def]
    products = list(with_display_data(Product.objects.filter(pk=world.watch.pk)))
    jpy = product_views(products, language="en", currency="JPY")[0].from_price
    assert jpy is not None and jpy.money.amount == Decimal("300425") and jpy.converted
    usd = product_views(products, language="en", currency="USD")[0].from_price
    assert usd is not None and usd.money.amount == Decimal("1999.50") and not usd.converted
