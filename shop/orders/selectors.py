"""Checkout quotes (everything priced server-side) and permission-checked order reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.catalog.models import ProductStatus, Variant
from shop.catalog.selectors import product_text, variant_label, variant_price
from shop.orders.models import Order, Shipment
from shop.pricing.money import Money, quantize
from shop.pricing.selectors import FxTable, NoPriceError
from shop.shipping.selectors import ShippingOption, shipping_options
from shop.shops.models import Shop
from shop.shops.selectors import shop_ids_for_user
from shop.vouchers.selectors import AppliedVoucher, VoucherError, voucher_check, voucher_find

ORDER_TOKEN_SALT = "showroom.order-access"
ORDER_TOKEN_MAX_AGE = 30 * 24 * 3600  # order links in e-mails work for 30 days


@dataclass(frozen=True)
class QuoteLine:
    variant: Variant
    product_name: str
    variant_label: str
    quantity: int
    unit_price: Money
    line_total: Money
    weight_grams: int
    problem: str = ""  # shown next to the line when it cannot be bought as is


@dataclass
class Quote:
    shop: Shop
    currency: str
    lines: list[QuoteLine]
    subtotal: Money
    weight_grams: int
    shipping_options: list[ShippingOption] = field(default_factory=list)
    shipping: ShippingOption | None = None
    voucher: AppliedVoucher | None = None
    voucher_error: str = ""
    voucher_error_code: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (code, message)

    @property
    def discount(self) -> Money:
        return self.voucher.discount if self.voucher else Money(Decimal(0), self.currency)

    @property
    def shipping_price(self) -> Money:
        return self.shipping.price if self.shipping else Money(Decimal(0), self.currency)

    @property
    def total(self) -> Money:
        amount = self.subtotal.amount - self.discount.amount + self.shipping_price.amount
        return Money(quantize(max(amount, Decimal(0)), self.currency), self.currency)


def _variants(shop: Shop, ids: list[int]) -> dict[int, Variant]:
    variants = (
        Variant.objects.filter(pk__in=ids, shop=shop)
        .select_related("product__shop")
        .prefetch_related("prices", "option_values__attribute", "product__translations")
    )
    return {v.pk: v for v in variants}


def checkout_quote(
    *,
    shop: Shop,
    items: list[tuple[int, int]],
    currency: str,
    language: str,
    country: str = "",
    rate_id: int | None = None,
    voucher_code: str = "",
    email: str = "",
    user: User | AnonymousUser | None = None,
    fx: FxTable | None = None,
    unit_prices: dict[int, Money] | None = None,
) -> Quote:
    """Price ``items`` [(variant id, quantity)] of ``shop`` in ``currency`` from the database.

    Never trusts client-side prices. ``unit_prices`` lets a caller with its own price rule
    (a live-room flash deal) override the catalog price of some variants. Problems (sold out,
    unavailable, no shipping, bad voucher) are listed, not raised, so pages can show them.
    """
    fx = fx or FxTable()
    variants = _variants(shop, [variant_id for variant_id, _q in items])
    lines: list[QuoteLine] = []
    problems: list[tuple[str, str]] = []
    for variant_id, quantity in items:
        variant = variants.get(variant_id)
        if variant is None:
            problems.append(("unavailable", _("An item is no longer available.")))
            continue
        name = product_text(variant.product, language)[0]
        code, problem = "", ""
        sellable = variant.is_active and variant.product.status == ProductStatus.PUBLISHED
        if not sellable:
            code, problem = "unavailable", _("No longer available.")
        elif variant.stock < quantity:
            code = "sold_out"
            problem = (
                _("Sold out.")
                if variant.stock <= 0
                else _("Only %(count)d left.") % {"count": variant.stock}
            )
        try:
            unit = (unit_prices or {}).get(variant.pk) or variant_price(
                variant, currency=currency, fx=fx
            ).money
        except NoPriceError:
            if not code:
                code, problem = "no_price", _("Not sold in this currency.")
            unit = Money(Decimal(0), currency)
        if code:
            problems.append((code, f"{name}: {problem}"))
        lines.append(
            QuoteLine(
                variant,
                name,
                variant_label(variant, language),
                quantity,
                unit,
                unit * quantity,
                variant.weight_grams * quantity,
                problem,
            )
        )
    subtotal = Money(sum((line.line_total.amount for line in lines), Decimal(0)), currency)
    weight = sum(line.weight_grams for line in lines)
    quote = Quote(shop, currency, lines, subtotal, weight, problems=problems)
    if not lines:
        quote.problems.append(("empty", _("Your cart is empty.")))
    if country:
        quote.shipping_options = shipping_options(
            shop=shop, country=country, weight_grams=weight, subtotal=subtotal, fx=fx
        )
        if not quote.shipping_options:
            quote.problems.append(("no_shipping", _("This shop does not ship to that country.")))
        elif rate_id is not None:
            quote.shipping = next((o for o in quote.shipping_options if o.rate_id == rate_id), None)
            if quote.shipping is None:
                quote.problems.append(
                    ("bad_shipping", _("Choose one of the shipping methods shown."))
                )
    if voucher_code.strip():
        try:
            voucher = voucher_find(shop=shop, code=voucher_code)
            quote.voucher = voucher_check(
                voucher=voucher,
                subtotal=subtotal,
                email=email,
                user=user if isinstance(user, User) else None,
                fx=fx,
            )
        except VoucherError as refused:
            quote.voucher_error, quote.voucher_error_code = str(refused), refused.code
    return quote


def order_access_token(order: Order) -> str:
    return signing.TimestampSigner(salt=ORDER_TOKEN_SALT).sign(order.number)


def order_for_viewer(*, number: str, user: User | AnonymousUser, token: str = "") -> Order:
    """The order if the viewer may see it: its shopper, staff of its shop, or a valid link
    token. Anything else is a 404 (no hint that the number exists)."""
    order = (
        Order.objects.filter(number=number)
        .select_related("shop")
        .prefetch_related(
            "lines", Prefetch("shipments", queryset=Shipment.objects.prefetch_related("events"))
        )
        .first()
    )
    if order is None:
        raise Http404
    if user.is_authenticated and (
        order.user_id == user.pk or user.is_superuser or order.shop_id in shop_ids_for_user(user)
    ):
        return order
    if token:
        try:
            signed = signing.TimestampSigner(salt=ORDER_TOKEN_SALT).unsign(
                token, max_age=ORDER_TOKEN_MAX_AGE
            )
        except signing.BadSignature:
            raise Http404 from None
        if signed == order.number:
            return order
    raise Http404


def orders_for_shopper(user: User) -> QuerySet[Order]:
    return (
        Order.objects.filter(user=user)
        .select_related("shop")
        .prefetch_related(
            "lines", Prefetch("shipments", queryset=Shipment.objects.prefetch_related("events"))
        )
    )
