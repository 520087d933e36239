"""Wallet writes: credit and debit (idempotent, under the wallet's row lock), coin pack
orders, and crediting them once they are paid.

Every movement is a ``LedgerEntry`` keyed by an idempotency key unique per wallet: calling a
service again with the same key returns the first entry and changes nothing, so a retried
request, a replayed webhook or a re-sent socket message moves coins at most once.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.orders.models import Order, OrderEvent, OrderLine, OrderStatus, SourceType
from shop.orders.services import order_create_numbered
from shop.pricing.money import check_currency
from shop.wallet.models import CoinPack, CoinPurchase, EntryKind, LedgerEntry, Wallet
from shop.wallet.selectors import coin_pack_price

logger = logging.getLogger(__name__)

COIN_SOURCE = SourceType.COINS  # Order.source_type of coin pack orders
MAX_MOVEMENT = 10_000_000  # coins in one entry; far above any pack or gift


class WalletError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _wallet_locked(user: User, shop_id: int, *, create: bool) -> Wallet | None:
    """The wallet row, locked (SELECT ... FOR UPDATE); created if ``create`` and missing."""
    wallet = Wallet.objects.select_for_update().filter(user=user, shop_id=shop_id).first()
    if wallet is not None or not create:
        return wallet
    try:
        with transaction.atomic():  # a savepoint: a concurrent first credit may win the race
            Wallet.objects.create(user=user, shop_id=shop_id)
    except IntegrityError:
        pass
    return Wallet.objects.select_for_update().get(user=user, shop_id=shop_id)


def _check(amount: int, idempotency_key: str) -> None:
    if not isinstance(amount, int) or not 0 < amount <= MAX_MOVEMENT:
        raise WalletError(_("The number of coins is not valid."), "bad_amount")
    if not idempotency_key or len(idempotency_key) > 100:
        raise WalletError(_("A request key is required."), "bad_idempotency_key")


def _replayed(wallet: Wallet, key: str, signed_amount: int, kind: str) -> LedgerEntry | None:
    entry = LedgerEntry.objects.filter(wallet=wallet, idempotency_key=key).first()
    if entry is not None and (entry.amount != signed_amount or entry.kind != kind):
        raise WalletError(
            _("This request key was already used for another movement."), "idempotency_conflict"
        )
    return entry


def _record(
    wallet: Wallet, amount: int, kind: str, key: str, order: Order | None, reference: str
) -> LedgerEntry:
    wallet.balance += amount
    wallet.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        amount=amount,
        balance_after=wallet.balance,
        kind=kind,
        idempotency_key=key,
        order=order,
        reference=reference[:100],
    )


@transaction.atomic
def wallet_credit(
    *,
    user: User,
    shop_id: int,
    amount: int,
    kind: str,
    idempotency_key: str,
    order: Order | None = None,
    reference: str = "",
) -> LedgerEntry:
    """Add ``amount`` coins to the user's wallet in the shop (created on first credit).

    Locks the wallet row. A repeated ``idempotency_key`` returns the original entry and
    changes nothing (``idempotency_conflict`` if it was used for a different movement)."""
    _check(amount, idempotency_key)
    wallet = _wallet_locked(user, shop_id, create=True)
    assert wallet is not None
    found = _replayed(wallet, idempotency_key, amount, kind)
    if found is not None:
        return found
    return _record(wallet, amount, kind, idempotency_key, order, reference)


@transaction.atomic
def wallet_debit(
    *,
    user: User,
    shop_id: int,
    amount: int,
    kind: str,
    idempotency_key: str,
    reference: str = "",
) -> LedgerEntry:
    """Take ``amount`` coins from the user's wallet in the shop.

    Locks the wallet row. Raises WalletError ``insufficient_coins`` (nothing written) when the
    balance is smaller; a repeated ``idempotency_key`` returns the original entry."""
    _check(amount, idempotency_key)
    wallet = _wallet_locked(user, shop_id, create=False)
    if wallet is not None:
        found = _replayed(wallet, idempotency_key, -amount, kind)
        if found is not None:
            return found
    if wallet is None or wallet.balance < amount:
        raise WalletError(_("You do not have enough coins."), "insufficient_coins")
    return _record(wallet, -amount, kind, idempotency_key, None, reference)


# Coin packs -------------------------------------------------------------------------------


def coin_pack_order(*, pack_id: int, user: User, currency: str, language: str) -> Order:
    """A pending order for one coin pack, paid through the shop's normal payment page
    (``orders:pay``: the test gateway or Stripe). Its paid hook credits the coins.

    Refuses (WalletError): ``auth_required``, ``pack_not_found`` (missing, inactive, or the
    shop is closed), ``no_price`` (no price in the currency and no FX rate)."""
    if not user.is_authenticated:
        raise WalletError(_("Sign in to buy coins."), "auth_required")
    pack = (
        CoinPack.objects.filter(pk=pack_id, active=True, shop__is_active=True)
        .select_related("shop")
        .first()
    )
    if pack is None:
        raise WalletError(_("This coin pack is not on sale."), "pack_not_found")
    price = coin_pack_price(pack, check_currency(currency))
    if price is None:
        raise WalletError(_("This coin pack has no price in your currency."), "no_price")
    with transaction.atomic():
        order = order_create_numbered(
            prefix="SC",
            shop=pack.shop,
            user=user,
            email=user.email,
            language=language,
            currency=price.currency,
            subtotal=price.amount,
            total=price.amount,
            ship_name=user.get_full_name() or user.email,
            ship_line1="",
            ship_city="",
            ship_country="",
            source_type=COIN_SOURCE,
            source_id=str(pack.pk),
            reserved_until=timezone.now()
            + timezone.timedelta(minutes=settings.STOCK_RESERVATION_MINUTES),
        )
        OrderLine.objects.create(
            order=order,
            variant=None,
            product_name=pack.name,
            variant_label=_("%(coins)d coins") % {"coins": pack.coins},
            sku=f"COINS-{pack.pk}",
            quantity=1,
            unit_price=price.amount,
            line_total=price.amount,
        )
        CoinPurchase.objects.create(order=order, pack=pack, coins=pack.coins)
        OrderEvent.objects.create(
            order=order,
            kind="placed",
            actor=user,
            actor_label="shopper",
            data={"coins": pack.coins, "total": str(price.amount), "currency": price.currency},
        )
    return order


PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@transaction.atomic
def coin_purchase_credit(*, order_id: int) -> LedgerEntry | None:
    """Credit a paid coin order's coins, once (idempotency key ``order:<number>``).

    Locks the purchase row, then the wallet. Returns None when the order is not paid (or is
    not a coin order)."""
    purchase = (
        CoinPurchase.objects.select_for_update()
        .select_related("order")
        .filter(order_id=order_id)
        .first()
    )
    if purchase is None or purchase.order.status not in PAID or purchase.order.user is None:
        return None
    entry = wallet_credit(
        user=purchase.order.user,
        shop_id=purchase.order.shop_id,
        amount=purchase.coins,
        kind=EntryKind.PURCHASE,
        idempotency_key=f"order:{purchase.order.number}",
        order=purchase.order,
        reference=purchase.order.number,
    )
    if purchase.credited_at is None:
        purchase.credited_at = timezone.now()
        purchase.save(update_fields=["credited_at"])
    return entry


def coin_purchase_credit_order(order: Order) -> None:
    """The orders app's paid hook for coin orders (runs after the payment commits)."""
    try:
        coin_purchase_credit(order_id=order.pk)
    except Exception:  # the coins page settles it later; never break the payment response
        logger.exception("crediting coin order %s failed", order.number)


@transaction.atomic
def coin_purchase_refund(*, order_id: int) -> LedgerEntry | None:
    """Take back the coins of a refunded coin order, in proportion to the amount refunded so
    far (rounded down), at most what the wallet still holds.

    Locks the purchase row, then the wallet. Idempotent: the key is the order's refunded
    total, and coins already taken back for this order are subtracted, so a replayed hook or
    a second partial refund takes each coin back once. Coins already spent on gifts cannot
    come back; the shortfall is written on the entry's reference and logged."""
    purchase = (
        CoinPurchase.objects.select_for_update()
        .select_related("order")
        .filter(order_id=order_id)
        .first()
    )
    if purchase is None or purchase.credited_at is None or purchase.order.user is None:
        return None  # never credited: nothing to take back
    order = purchase.order
    if order.total <= 0 or order.refunded_total <= 0:
        return None
    owed_total = int(purchase.coins * min(order.refunded_total, order.total) // order.total)
    wallet = _wallet_locked(order.user, order.shop_id, create=True)
    assert wallet is not None
    key = f"refund:{order.number}:{order.refunded_total}"
    found = LedgerEntry.objects.filter(wallet=wallet, idempotency_key=key).first()
    if found is not None:
        return found
    taken = -sum(
        LedgerEntry.objects.filter(wallet=wallet, order=order, kind=EntryKind.REFUND).values_list(
            "amount", flat=True
        )
    )
    owed = owed_total - taken
    amount = min(owed, wallet.balance)
    if amount <= 0:
        if owed > 0:
            logger.warning("coin order %s refunded; %s coins already spent", order.number, owed)
        return None
    short = owed - amount
    if short:
        logger.warning("coin order %s refunded; %s coins already spent", order.number, short)
    reference = f"{order.number} (short {short})" if short else order.number
    return _record(wallet, -amount, EntryKind.REFUND, key, order, reference)


def coin_purchase_refund_order(order: Order, amount: object) -> None:
    """The orders app's refund hook for coin orders (runs after the refund commits)."""
    try:
        coin_purchase_refund(order_id=order.pk)
    except Exception:
        logger.exception("taking back the coins of refunded order %s failed", order.number)


def coin_purchases_settle(*, user: User) -> int:
    """Credit the user's paid coin orders that were not credited yet (a paid hook that
    failed or a worker that died). Returns how many were credited."""
    pending = CoinPurchase.objects.filter(
        order__user=user, order__status__in=PAID, credited_at__isnull=True
    ).values_list("order_id", flat=True)
    return sum(coin_purchase_credit(order_id=order_id) is not None for order_id in list(pending))
