"""Checking a voucher code against a basket, without using it up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.pricing.money import Money, quantize
from shop.pricing.selectors import FxTable, NoPriceError, price_in
from shop.shops.models import Shop
from shop.vouchers.models import DiscountKind, Voucher


class VoucherError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class AppliedVoucher:
    voucher: Voucher
    discount: Money


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()


def voucher_find(*, shop: Shop, code: str) -> Voucher:
    voucher = (
        Voucher.objects.filter(shop=shop, code=normalise_code(code), is_active=True)
        .prefetch_related("amounts")
        .first()
    )
    if voucher is None:
        raise VoucherError(_("This voucher code is not valid for this shop."), "voucher_not_found")
    return voucher


def customer_uses(voucher: Voucher, *, email: str, user: User | None) -> int:
    who = Q(email__iexact=email)
    if user is not None and user.is_authenticated:
        who |= Q(user=user)
    return voucher.redemptions.filter(who).count()


def voucher_check(
    *,
    voucher: Voucher,
    subtotal: Money,
    email: str,
    user: User | None,
    fx: FxTable,
    now: dt.datetime | None = None,
) -> AppliedVoucher:
    """The discount ``voucher`` gives on ``subtotal``, or a VoucherError saying why not."""
    now = now or timezone.now()
    if voucher.starts_at and now < voucher.starts_at:
        raise VoucherError(_("This voucher is not valid yet."), "voucher_not_started")
    if voucher.ends_at and now >= voucher.ends_at:
        raise VoucherError(_("This voucher has expired."), "voucher_expired")
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherError(_("This voucher has been fully used."), "voucher_used_up")
    if voucher.owner_id is not None and (user is None or user.pk != voucher.owner_id):
        raise VoucherError(_("This voucher belongs to another account."), "voucher_not_yours")
    if (
        voucher.per_customer_limit is not None
        and email
        and customer_uses(voucher, email=email, user=user) >= voucher.per_customer_limit
    ):
        raise VoucherError(_("You have already used this voucher."), "voucher_customer_limit")
    currency = subtotal.currency
    amounts = list(voucher.amounts.all())
    minimums = {a.currency: a.min_spend for a in amounts if a.min_spend is not None}
    if minimums:
        try:
            minimum = price_in(
                minimums, currency, preferred_source=voucher.shop.default_currency, fx=fx
            )
        except NoPriceError as missing:
            raise VoucherError(
                _("This voucher cannot be used in this currency."), "voucher_currency"
            ) from missing
        if subtotal.amount < minimum.money.amount:
            raise VoucherError(
                _("Spend at least %(amount)s to use this voucher.")
                % {"amount": minimum.money.format()},
                "voucher_min_spend",
            )
    if voucher.kind == DiscountKind.PERCENTAGE:
        rate = (voucher.percentage or Decimal(0)) / Decimal(100)
        discount = quantize(subtotal.amount * rate, currency)
    else:
        fixed = {a.currency: a.discount for a in amounts if a.discount is not None}
        try:
            discount = price_in(
                fixed, currency, preferred_source=voucher.shop.default_currency, fx=fx
            ).money.amount
        except NoPriceError as missing:
            raise VoucherError(
                _("This voucher cannot be used in this currency."), "voucher_currency"
            ) from missing
    return AppliedVoucher(voucher, Money(min(discount, subtotal.amount), currency))


def vouchers_for_shopper(user: User) -> list[Voucher]:
    """Codes that belong to ``user`` (``owner``), newest first, with their amounts and shop,
    each marked ``usable`` (active, not used up, not expired)."""
    now = timezone.now()
    vouchers = list(
        Voucher.objects.filter(owner=user)
        .select_related("shop")
        .prefetch_related("amounts")
        .order_by("-created_at", "-id")
    )
    for voucher in vouchers:
        voucher.usable = (  # type: ignore[attr-defined]
            voucher.is_active
            and (voucher.usage_limit is None or voucher.used_count < voucher.usage_limit)
            and (voucher.ends_at is None or voucher.ends_at > now)
        )
    return vouchers
