"""Builds the demo marketplace. Idempotent: rows are keyed by slug/SKU/e-mail and updated."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from shop.accounts.models import User
from shop.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Product,
    ProductStatus,
    ProductTranslation,
    SizeChart,
    Variant,
    VariantPrice,
)
from shop.catalog.selectors import product_text, variant_label
from shop.catalog.services import product_image_add, product_set_status
from shop.demo import data
from shop.orders.models import Order, OrderLine
from shop.orders.services import (
    Actor,
    order_add_shipment,
    order_create_numbered,
    order_mark_paid,
    shipment_add_tracking_event,
)
from shop.pricing.models import FxRate
from shop.pricing.money import quantize
from shop.shipping.models import ShippingRate, ShippingRatePrice, ShippingZone
from shop.shops.models import Role, Shop
from shop.shops.services import staff_add
from shop.vouchers.models import Voucher, VoucherAmount
from support.agent.models import StorePolicy

DEMO_PASSWORD = "showroom-demo"
STAFF_ROLES = [Role.OWNER, Role.HOST, Role.CONSULTANT, Role.SUPPORT]


@dataclass
class DemoSummary:
    shops: int = 0
    products: int = 0
    variants: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"Demo data ready: {self.shops} shops, {self.products} products, "
            f"{self.variants} variants."
        )


def _names(values: tuple[str, ...]) -> dict[str, str]:
    return dict(zip(data.LANGS, values, strict=True))


def _user(email: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=email, defaults={"email": email, "first_name": email.split("@")[0].title()}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
    user.is_superuser = user.is_superuser or superuser
    user.is_staff = user.is_staff or superuser
    user.save()
    return user


def _picture(title: str, colour: str, *, round_face: bool) -> bytes:
    """A simple product picture: colour field, a silhouette, and the product name."""
    size = 800
    base = Image.new("RGB", (size, size), "#f3f1f6")
    draw = ImageDraw.Draw(base)
    fill = colour or "#8a8799"
    if round_face:
        draw.rounded_rectangle((340, 80, 460, 720), radius=30, fill="#4b4b52")
        draw.ellipse((210, 210, 590, 590), fill="#d9d9de", outline="#6d6d75", width=18)
        draw.ellipse((250, 250, 550, 550), fill=fill)
        draw.line((400, 400, 400, 290), fill="#ffffff", width=10)
        draw.line((400, 400, 480, 430), fill="#ffffff", width=8)
    else:
        draw.polygon([(300, 140), (500, 140), (610, 700), (190, 700)], fill=fill)
        draw.ellipse((355, 110, 445, 170), fill="#f3f1f6")
    font = ImageFont.load_default(size=40)
    draw.text((size / 2, 760), title, fill="#2b2933", font=font, anchor="ms")
    buffer = io.BytesIO()
    base.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _attributes() -> dict[str, dict[str, AttributeValue]]:
    values: dict[str, dict[str, AttributeValue]] = {}
    for position, (code, (names, options)) in enumerate(data.ATTRIBUTES.items()):
        attribute, _ = Attribute.objects.update_or_create(
            code=code, defaults={"names": _names(names), "position": position}
        )
        values[code] = {}
        for value_position, (value_code, value_names, swatch) in enumerate(options):
            value, _ = AttributeValue.objects.update_or_create(
                attribute=attribute,
                code=value_code,
                defaults={
                    "names": _names(value_names),
                    "swatch": swatch,
                    "position": value_position,
                },
            )
            values[code][value_code] = value
    return values


def _categories() -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for position, (slug, parent, names) in enumerate(data.CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug,
            defaults={
                "parent": categories.get(parent) if parent else None,
                "names": _names(names),
                "position": position,
            },
        )
    return categories


def _fx_rates() -> None:
    today = timezone.now().date()
    for days_ago, drift in ((7, Decimal("0.99")), (0, Decimal(1))):
        for quote, rate in data.FX_FROM_USD.items():
            FxRate.objects.update_or_create(
                base="USD",
                quote=quote,
                as_of=today - dt.timedelta(days=days_ago),
                defaults={"rate": Decimal(rate) * drift, "source": "demo"},
            )


def _product(
    *,
    shop: Shop,
    slug: str,
    category: Category,
    names: tuple[str, ...],
    description: tuple[str, ...],
    featured: bool,
    skip_languages: tuple[str, ...],
) -> Product:
    product, _ = Product.objects.update_or_create(
        shop=shop, slug=slug, defaults={"category": category, "is_featured": featured}
    )
    for language, name, text in zip(data.LANGS, names, description, strict=True):
        if language in skip_languages:
            continue
        ProductTranslation.objects.update_or_create(
            product=product, language=language, defaults={"name": name, "description": text}
        )
    if product.status != ProductStatus.PUBLISHED:
        product_set_status(product=product, status=ProductStatus.PUBLISHED)
    return product


def _variant(
    *,
    product: Product,
    sku: str,
    options: list[AttributeValue],
    usd: Decimal,
    explicit: tuple[str, ...],
    stock: int,
    weight: int,
) -> Variant:
    variant, _ = Variant.objects.update_or_create(
        shop=product.shop,
        sku=sku,
        defaults={"product": product, "stock": stock, "weight_grams": weight},
    )
    variant.option_values.set(options)
    for currency in ("USD", *explicit):
        amount = usd if currency == "USD" else usd * Decimal(data.FX_FROM_USD[currency])
        # Merchants set round, "charm" prices in each market.
        rounded = quantize(amount, currency)
        if currency in ("EUR", "USD"):
            rounded = rounded.to_integral_value() - Decimal("0.01") if rounded > 20 else rounded
        elif currency == "CNY":
            rounded = (amount / 10).to_integral_value() * 10
        elif currency == "JPY":
            rounded = (amount / 1000).to_integral_value() * 1000
        VariantPrice.objects.update_or_create(
            variant=variant, currency=currency, defaults={"amount": rounded}
        )
    return variant


def _stock(sku: str) -> int:
    # Deterministic per SKU so reruns do not change the catalog; some variants sell out.
    rng = random.Random(hashlib.sha256(sku.encode()).digest())
    return rng.choice([0, 2, 4, 7, 10, 12, 15, 20])


def _shipping(shop: Shop) -> None:
    for zone_name, countries, rates in data.SHIPPING.get(shop.slug, []):
        zone, _ = ShippingZone.objects.update_or_create(
            shop=shop, name=zone_name, defaults={"countries": countries}
        )
        for rate_name, kind, days, prices in rates:
            rate, _ = ShippingRate.objects.update_or_create(
                zone=zone, name=rate_name, defaults={"kind": kind, "delivery_days": days}
            )
            for currency, (base, per_kg, free_over) in prices.items():
                ShippingRatePrice.objects.update_or_create(
                    rate=rate,
                    currency=currency,
                    defaults={
                        "amount": Decimal(base),
                        "per_kg": Decimal(per_kg),
                        "free_over": Decimal(free_over) if free_over else None,
                    },
                )


def _size_charts(shop: Shop) -> None:
    """Size charts for the shop's apparel, linked to the products of their categories."""
    for name, unit, rows, category_slugs in data.SIZE_CHARTS.get(shop.slug, []):
        chart, _ = SizeChart.objects.update_or_create(
            shop=shop, name=name, defaults={"unit": unit, "rows": rows}
        )
        Product.objects.filter(shop=shop, category__slug__in=category_slugs).update(
            size_chart=chart
        )


def _policies(shop: Shop) -> None:
    for kind, texts in data.POLICIES.get(shop.slug, {}).items():
        for language, (title, body) in texts.items():
            StorePolicy.objects.update_or_create(
                shop=shop, kind=kind, language=language, defaults={"title": title, "body": body}
            )


def _vouchers(shop: Shop) -> None:
    for code, kind, percentage, amounts, limit, per_customer in data.VOUCHERS.get(shop.slug, []):
        voucher, _ = Voucher.objects.update_or_create(
            shop=shop,
            code=code,
            defaults={
                "kind": kind,
                "percentage": Decimal(percentage) if percentage else None,
                "usage_limit": limit,
                "per_customer_limit": per_customer,
                "name": code,
            },
        )
        for currency, (discount, min_spend) in amounts.items():
            VoucherAmount.objects.update_or_create(
                voucher=voucher,
                currency=currency,
                defaults={
                    "discount": Decimal(discount) if discount else None,
                    "min_spend": Decimal(min_spend) if min_spend else None,
                },
            )


def _gifts_and_coins(shop: Shop) -> None:
    """Gifts for the shop's rooms and coin packs to buy them with (coins are per shop)."""
    from liverooms.gifts.models import Gift
    from shop.wallet.models import CoinPack, CoinPackPrice

    for order, (name, animation, coins) in enumerate(
        (
            ("Heart", "heart", 1),
            ("Rose", "rose", 10),
            ("Star", "star", 50),
            ("Rocket", "rocket", 200),
        )
    ):
        Gift.objects.get_or_create(
            shop=shop,
            name=name,
            defaults={"animation": animation, "coin_price": coins, "sort_order": order},
        )
    for order, (coins, usd, eur) in enumerate(((100, "0.99", "0.95"), (600, "4.99", "4.69"))):
        pack, _created = CoinPack.objects.get_or_create(
            shop=shop, name=f"{coins} coins", defaults={"coins": coins, "sort_order": order}
        )
        for currency, amount in (("USD", usd), ("EUR", eur)):
            CoinPackPrice.objects.get_or_create(
                pack=pack, currency=currency, defaults={"amount": Decimal(amount)}
            )


def _rooms(shops: dict[str, Shop]) -> None:
    from liverooms.rooms.models import LiveRoom, RoomStatus

    now = timezone.now()
    for slug, shop_slug, title, language, status, starts in (
        (
            "atelier-spring-drop",
            "atelier-lumiere",
            "Spring drop: silk and linen, live from Paris",
            "en",
            RoomStatus.LIVE,
            now,
        ),
        (
            "meridian-unboxing",
            "meridian-horology",
            "Unboxing the Split-seconds 1950",
            "en",
            RoomStatus.SCHEDULED,
            now + dt.timedelta(days=1),
        ),
        (
            "atelier-knitwear-zh",
            "atelier-lumiere",
            "羊绒针织专场",
            "zh-hans",
            RoomStatus.SCHEDULED,
            now + dt.timedelta(days=2, hours=3),
        ),
    ):
        shop = shops[shop_slug]
        room, created = LiveRoom.objects.get_or_create(
            slug=slug,
            defaults={
                "shop": shop,
                "title": title,
                "language": language,
                "status": status,
                "scheduled_at": starts,
                "started_at": now if status == RoomStatus.LIVE else None,
            },
        )
        if created:
            room.hosts.set(shop.memberships.filter(role=Role.HOST).values_list("user", flat=True))


def _consultations(shop: Shop) -> None:
    """The shop's consultation service, deposits, and its consultant's weekly hours.

    Weekly hours are only created for a consultant who has none, so hours a merchant edited
    in the admin survive a rerun.
    """
    from support.consultations.models import (
        Consultant,
        ConsultationService,
        ServiceDeposit,
        WeeklyAvailability,
    )

    spec = data.CONSULTATIONS.get(shop.slug)
    if spec is None:
        return
    names = _names(spec["names"])
    descriptions = dict(zip(data.LANGS, spec["descriptions"], strict=False))
    service = ConsultationService.objects.filter(shop=shop, names__en=names["en"]).first()
    if service is None:
        service = ConsultationService(shop=shop)
    service.names, service.descriptions = names, descriptions
    service.duration_minutes = spec["duration_minutes"]
    service.buffer_minutes = spec["buffer_minutes"]
    service.save()
    for currency, amount in spec["deposits"].items():
        ServiceDeposit.objects.update_or_create(
            service=service, currency=currency, defaults={"amount": Decimal(amount)}
        )
    user = User.objects.get(email=f"{Role.CONSULTANT.value}@{_staff_prefix(shop)}.demo")
    consultant, _ = Consultant.objects.update_or_create(
        shop=shop,
        user=user,
        defaults={"display_name": spec["consultant"], "time_zone": spec["time_zone"]},
    )
    consultant.services.add(service)
    if not consultant.weekly_availability.exists():
        start, end = (dt.time.fromisoformat(value) for value in spec["hours"])
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(consultant=consultant, weekday=day, start_time=start, end_time=end)
            for day in range(5)
        )


def _shopper_orders(shop: Shop, shopper: User) -> None:
    """The demo shopper's paid and shipped orders in ``shop``, with carrier scans.

    Each is keyed by its ``source_id``: an order already there is left as it is (its number is
    random and it may have moved on), so a rerun adds nothing. Goes through the order services,
    so status events and e-mails are what a real order would have. No stock is taken: these
    are past sales, not reservations.
    """
    for key, sku, rate_name, carrier, tracking_number, scans in data.SHOPPER_ORDERS.get(
        shop.slug, []
    ):
        if Order.objects.filter(shop=shop, user=shopper, source_id=key).exists():
            continue
        variant = Variant.objects.get(shop=shop, sku=sku)
        language = shopper.preferred_language or shop.default_language
        currency = shop.default_currency
        unit_price = variant.prices.get(currency=currency).amount
        rate = ShippingRatePrice.objects.select_related("rate").get(
            rate__zone__shop=shop, rate__name=rate_name, currency=currency
        )
        shipping = Decimal(0) if rate.free_over and unit_price >= rate.free_over else rate.amount
        order = order_create_numbered(
            shop=shop,
            user=shopper,
            email=shopper.email,
            language=language,
            currency=currency,
            subtotal=unit_price,
            shipping_total=shipping,
            total=unit_price + shipping,
            shipping_method=rate.rate.name,
            shipping_rate=rate.rate,
            ship_name="Demo Shopper",
            ship_line1="Calle de Serrano 41",
            ship_city="Madrid",
            ship_postal_code="28001",
            ship_country="ES",
            source_id=key,
        )
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product_name=product_text(variant.product, language)[0],
            variant_label=variant_label(variant, language),
            sku=variant.sku,
            quantity=1,
            unit_price=unit_price,
            line_total=unit_price,
            weight_grams=variant.weight_grams,
        )
        shopper_actor = Actor(user=shopper, label="shopper")
        order_mark_paid(order_id=order.pk, actor=shopper_actor, payment_reference=f"demo-{key}")
        shipment = order_add_shipment(
            order_id=order.pk,
            carrier=carrier,
            tracking_number=tracking_number,
            actor=Actor(label="demo"),
        )
        for index, (status, location) in enumerate(scans, start=1):
            shipment_add_tracking_event(
                shipment_id=shipment.pk,
                status=status,
                location=location,
                occurred_at=shipment.shipped_at + dt.timedelta(minutes=index),
                actor=Actor(label="carrier"),
            )


def _staff_prefix(shop: Shop) -> str:
    return next(spec["staff_prefix"] for spec in data.SHOPS if spec["slug"] == shop.slug)


@transaction.atomic
def demo_load() -> DemoSummary:
    """Create or refresh the demo marketplace and return what it holds."""
    summary = DemoSummary()
    _fx_rates()
    attributes = _attributes()
    categories = _categories()
    admin = _user("admin@showroom.demo", superuser=True)
    summary.logins.append((admin.email, "platform superuser"))
    shopper = _user("shopper@showroom.demo")
    shopper.preferred_language = "es"
    shopper.save(update_fields=["preferred_language"])

    shops: dict[str, Shop] = {}
    for spec in data.SHOPS:
        fields = {k: v for k, v in spec.items() if k not in ("slug", "staff_prefix")}
        shop, _ = Shop.objects.update_or_create(slug=spec["slug"], defaults=fields)
        shops[shop.slug] = shop
        for role in STAFF_ROLES:
            email = f"{role.value}@{spec['staff_prefix']}.demo"
            staff_add(shop=shop, user=_user(email), role=role)
            summary.logins.append((email, f"{role.label} of {shop.name}"))
    summary.logins.append((shopper.email, "shopper"))

    atelier, meridian = shops["atelier-lumiere"], shops["meridian-horology"]
    for index, (slug, category, names, usd, colours) in enumerate(data.FASHION):
        product = _product(
            shop=atelier,
            slug=slug,
            category=categories[category],
            names=names,
            description=data.DESCRIPTIONS["fashion"],
            featured=index % 4 == 0,
            # A few products have no Indonesian text yet: the shop's language shows instead.
            skip_languages=("id",) if index % 7 == 3 else (),
        )
        sizes = () if category == "accessories" else ("s", "m", "l")
        for colour in colours:
            for size in sizes or (None,):
                options = [attributes["colour"][colour]]
                if size:
                    options.append(attributes["size"][size])
                sku = f"AL-{slug[:12].upper()}-{colour[:3].upper()}" + (
                    f"-{size.upper()}" if size else ""
                )
                _variant(
                    product=product,
                    sku=sku,
                    options=options,
                    usd=Decimal(usd),
                    explicit=("EUR", "CNY"),
                    stock=_stock(sku),
                    weight=600,
                )
        if not product.images.exists():
            swatch = attributes["colour"][colours[0]].swatch
            product_image_add(
                product=product,
                filename=f"{slug}.jpg",
                content=_picture(names[0], swatch, round_face=False),
                alt=names[0],
            )
        summary.products += 1

    for index, (slug, category, names, usd, cases, straps) in enumerate(data.WATCHES):
        product = _product(
            shop=meridian,
            slug=slug,
            category=categories[category],
            names=names,
            description=data.DESCRIPTIONS["watches"],
            featured=index % 3 == 0,
            skip_languages=("id",) if index % 5 == 4 else (),
        )
        for case_index, case in enumerate(cases):
            for strap in straps:
                sku = f"MH-{slug[:14].upper()}-{case.upper()}-{strap[:3].upper()}"
                price = (
                    Decimal(usd)
                    + Decimal(150) * case_index
                    + (Decimal(400) if strap == "steel" else 0)
                )
                _variant(
                    product=product,
                    sku=sku,
                    options=[attributes["case-size"][case], attributes["strap"][strap]],
                    usd=price,
                    explicit=("EUR", "JPY"),
                    stock=_stock(sku),
                    weight=180,
                )
        if not product.images.exists():
            swatch = attributes["strap"][straps[0]].swatch
            product_image_add(
                product=product,
                filename=f"{slug}.jpg",
                content=_picture(names[0], swatch, round_face=True),
                alt=names[0],
            )
        summary.products += 1

    for shop in shops.values():
        _shipping(shop)
        _size_charts(shop)
        _policies(shop)
        _vouchers(shop)
        _gifts_and_coins(shop)
        _consultations(shop)
    _rooms(shops)
    _shopper_orders(atelier, shopper)
    summary.shops = len(shops)
    summary.variants = Variant.objects.filter(shop__in=shops.values()).count()
    return summary
