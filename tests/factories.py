"""Test data builders: small, explicit, real rows (no mocks)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from shop.accounts.models import User
from shop.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Product,
    ProductStatus,
    ProductTranslation,
    Variant,
    VariantPrice,
)
from shop.pricing.models import FxRate
from shop.shops.models import Role, Shop
from shop.shops.services import staff_add

PASSWORD = "test-pass-123"
_counter = itertools.count(1)


def make_user(email: str | None = None, **fields: object) -> User:
    email = email or f"user{next(_counter)}@example.test"
    user = User.objects.create_user(username=email, email=email, password=PASSWORD, **fields)
    return user


def make_shop(slug: str, **fields: object) -> Shop:
    defaults: dict[str, object] = {
        "name": slug.replace("-", " ").title(),
        "default_currency": "USD",
    }
    defaults.update(fields)
    return Shop.objects.create(slug=slug, **defaults)


def make_staff(shop: Shop, role: str = Role.OWNER, email: str | None = None) -> User:
    user = make_user(email)
    staff_add(shop=shop, user=user, role=role)
    user.refresh_from_db()
    return user


def make_product(
    shop: Shop,
    slug: str,
    *,
    names: dict[str, str] | None = None,
    prices: dict[str, str] | None = None,
    stock: int = 10,
    status: str = ProductStatus.PUBLISHED,
    category: Category | None = None,
    options: list[AttributeValue] | None = None,
) -> Product:
    product = Product.objects.create(
        shop=shop,
        slug=slug,
        status=status,
        category=category,
        published_at=timezone.now() if status == ProductStatus.PUBLISHED else None,
    )
    for language, name in (names or {"en": slug.replace("-", " ").title()}).items():
        ProductTranslation.objects.create(
            product=product, language=language, name=name, description=f"About {name}"
        )
    variant = Variant.objects.create(shop=shop, product=product, sku=f"{slug}-1", stock=stock)
    if options:
        variant.option_values.set(options)
    for currency, amount in (prices or {"USD": "100.00"}).items():
        VariantPrice.objects.create(variant=variant, currency=currency, amount=Decimal(amount))
    return product


def make_fx(base: str, quote: str, rate: str, days_ago: int = 0) -> FxRate:
    return FxRate.objects.create(
        base=base,
        quote=quote,
        rate=Decimal(rate),
        as_of=timezone.now().date() - dt.timedelta(days=days_ago),
    )


@dataclass
class CatalogWorld:
    shop_a: Shop
    shop_b: Shop
    owner_a: User
    owner_b: User
    host_a: User
    shopper: User
    superuser: User
    dress: Product  # shop A, published, USD+EUR explicit, names in en/zh-hans/ar
    coat_draft: Product  # shop A, draft
    watch: Product  # shop B, published, USD only (other currencies via FX)
    watch_draft: Product  # shop B, draft
    category: Category
    black: AttributeValue
    red: AttributeValue


def build_world() -> CatalogWorld:
    shop_a = make_shop("shop-a", name="Shop A", default_currency="EUR")
    shop_b = make_shop("shop-b", name="Shop B")
    category = Category.objects.create(slug="dresses", names={"en": "Dresses", "zh-hans": "连衣裙"})
    colour = Attribute.objects.create(code="colour", names={"en": "Colour", "es": "Color"})
    black = AttributeValue.objects.create(attribute=colour, code="black", names={"en": "Black"})
    red = AttributeValue.objects.create(
        attribute=colour, code="red", names={"en": "Red", "es": "Rojo"}
    )
    for quote, rate in {
        "EUR": "0.9",
        "JPY": "150.25",
        "CNY": "7.1",
        "IDR": "15850",
        "SAR": "3.75",
    }.items():
        make_fx("USD", quote, rate)
    dress = make_product(
        shop_a,
        "silk-dress",
        names={"en": "Silk dress", "zh-hans": "真丝连衣裙", "ar": "فستان حريري"},
        prices={"USD": "129.99", "EUR": "119.00"},
        category=category,
        options=[red],
    )
    watch = make_product(
        shop_b,
        "diver-watch",
        names={"en": "Diver watch"},
        prices={"USD": "1999.50"},
        options=[black],
    )
    return CatalogWorld(
        shop_a=shop_a,
        shop_b=shop_b,
        owner_a=make_staff(shop_a, Role.OWNER, "owner-a@example.test"),
        owner_b=make_staff(shop_b, Role.OWNER, "owner-b@example.test"),
        host_a=make_staff(shop_a, Role.HOST, "host-a@example.test"),
        shopper=make_user("shopper@example.test"),
        superuser=User.objects.create_superuser("root@example.test", "root@example.test", PASSWORD),
        dress=dress,
        coat_draft=make_product(
            shop_a, "wool-coat", status=ProductStatus.DRAFT, names={"en": "Wool coat"}
        ),
        watch=watch,
        watch_draft=make_product(
            shop_b, "secret-watch", status=ProductStatus.DRAFT, names={"en": "Secret watch"}
        ),
        category=category,
        black=black,
        red=red,
    )


def make_shipping(
    shop: Shop,
    countries: list[str] | None = None,
    prices: dict[str, str] | None = None,
    *,
    kind: str = "flat",
    per_kg: str = "0",
    free_over: str | None = None,
    name: str = "Standard",
):  # type: ignore[no-untyped-def]
    from shop.shipping.models import ShippingRate, ShippingRatePrice, ShippingZone

    zone = ShippingZone.objects.create(shop=shop, name=f"{name} zone", countries=countries or ["*"])
    rate = ShippingRate.objects.create(zone=zone, name=name, kind=kind)
    for currency, amount in (prices or {"USD": "5.00"}).items():
        ShippingRatePrice.objects.create(
            rate=rate,
            currency=currency,
            amount=Decimal(amount),
            per_kg=Decimal(per_kg),
            free_over=Decimal(free_over) if free_over else None,
        )
    return rate


def make_voucher(
    shop: Shop,
    code: str,
    *,
    kind: str = "percentage",
    percentage: str | None = "10",
    amounts: dict[str, tuple[str | None, str | None]] | None = None,
    **fields: object,
):  # type: ignore[no-untyped-def]
    from shop.vouchers.models import Voucher, VoucherAmount

    voucher = Voucher.objects.create(
        shop=shop,
        code=code,
        kind=kind,
        percentage=Decimal(percentage) if percentage else None,
        **fields,
    )
    for currency, (discount, minimum) in (amounts or {}).items():
        VoucherAmount.objects.create(
            voucher=voucher,
            currency=currency,
            discount=Decimal(discount) if discount else None,
            min_spend=Decimal(minimum) if minimum else None,
        )
    return voucher


ADDRESS = {
    "name": "Ana Ruiz",
    "line1": "Calle Mayor 1",
    "city": "Madrid",
    "postal_code": "28001",
    "country": "ES",
}


def address(**changes: str):  # type: ignore[no-untyped-def]
    from shop.orders.address import address_parse

    return address_parse({**ADDRESS, **changes})


# What the in-room checkout drawer posts (plus variant, shipping_rate, expected_total).
ROOM_BUY = {
    "quantity": 1,
    "name": "Ana Ruiz",
    "line1": "Calle Mayor 1",
    "city": "Madrid",
    "postal_code": "28001",
    "country": "ES",
    "card_number": "4242424242424242",
    "expiry": "12/30",
    "cvc": "123",
}


def make_live_room(shop: Shop, slug: str, title: str = "On air", **fields: object) -> LiveRoom:
    """A room of ``shop`` that is live now."""
    now = timezone.now()
    values: dict[str, object] = {"scheduled_at": now, "status": RoomStatus.LIVE, "started_at": now}
    return LiveRoom.objects.create(shop=shop, slug=slug, title=title, **{**values, **fields})
