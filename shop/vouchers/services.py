"""Using vouchers up (under a row lock, so limits hold under concurrency) and bulk codes."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from shop.accounts.models import User
from shop.orders.models import Order
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable
from shop.vouchers.models import Voucher, VoucherAmount, VoucherRedemption
from shop.vouchers.selectors import AppliedVoucher, VoucherError, voucher_check

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I look-alikes


def voucher_redeem(
    *, voucher_id: int, order: Order, subtotal: Money, user: User | None, fx: FxTable
) -> AppliedVoucher:
    """Use the voucher for ``order``. Must run inside the order's transaction.

    Locks the voucher row (SELECT ... FOR UPDATE) so concurrent checkouts see each other's
    uses; re-checks every rule under the lock; raises VoucherError when a limit is reached.
    """
    voucher = Voucher.objects.select_for_update().select_related("shop").get(pk=voucher_id)
    applied = voucher_check(voucher=voucher, subtotal=subtotal, email=order.email, user=user, fx=fx)
    VoucherRedemption.objects.create(voucher=voucher, order=order, email=order.email, user=user)
    Voucher.objects.filter(pk=voucher.pk).update(used_count=F("used_count") + 1)
    return applied


def voucher_release(*, order: Order) -> None:
    """Give the voucher use back when an unpaid order is cancelled or expires."""
    redemption = VoucherRedemption.objects.filter(order=order).first()
    if redemption is None:
        return
    Voucher.objects.filter(pk=redemption.voucher_id, used_count__gt=0).update(
        used_count=F("used_count") - 1
    )
    redemption.delete()


def _new_code(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


@transaction.atomic
def voucher_generate_codes(
    *, template: Voucher, count: int, prefix: str = "", owner: User | None = None
) -> list[Voucher]:
    """Create ``count`` unique single-use vouchers copying ``template``'s rule and amounts.

    Used by quizzes, giveaways and live drops to hand out codes. Codes are random (not
    guessable); a rare collision is retried.
    """
    if count < 1 or count > 10_000:
        raise VoucherError("count must be between 1 and 10000", "bad_count")
    amounts = list(template.amounts.all())
    created: list[Voucher] = []
    while len(created) < count:
        try:
            with transaction.atomic():
                voucher = Voucher.objects.create(
                    shop=template.shop,
                    code=_new_code(prefix.upper()),
                    name=template.name,
                    kind=template.kind,
                    percentage=template.percentage,
                    starts_at=template.starts_at,
                    ends_at=template.ends_at,
                    usage_limit=1,
                    per_customer_limit=1,
                    template=template,
                    owner=owner,
                )
        except IntegrityError:
            continue
        VoucherAmount.objects.bulk_create(
            VoucherAmount(
                voucher=voucher, currency=a.currency, discount=a.discount, min_spend=a.min_spend
            )
            for a in amounts
        )
        created.append(voucher)
    return created


__all__ = ["VoucherError", "voucher_generate_codes", "voucher_redeem", "voucher_release"]
