"""Wallet reads: balances, history, coin packs and their prices."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from shop.accounts.models import User
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable, NoPriceError, price_in
from shop.shops.models import Shop
from shop.wallet.models import CoinPack, LedgerEntry, Wallet


def wallet_balance(*, user: User, shop: Shop | int) -> int:
    """Coins ``user`` holds in ``shop`` (0 without a wallet)."""
    shop_id = shop if isinstance(shop, int) else shop.pk
    if not user.is_authenticated:
        return 0
    found = Wallet.objects.filter(user=user, shop_id=shop_id).values_list("balance", flat=True)
    return int(found[0]) if found else 0


def wallets_for_user(user: User) -> QuerySet[Wallet]:
    return Wallet.objects.filter(user=user).select_related("shop").order_by("shop__name")


def ledger_for_user(user: User, *, limit: int = 50) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(wallet__user=user).select_related("wallet__shop")[:limit]
    )


@dataclass(frozen=True)
class PackOffer:
    pack: CoinPack
    price: Money | None  # None: no price in this currency and no FX rate to derive one


def coin_packs_for_sale(*, currency: str, shop: Shop | None = None) -> list[PackOffer]:
    packs = CoinPack.objects.filter(active=True, shop__is_active=True).select_related("shop")
    if shop is not None:
        packs = packs.filter(shop=shop)
    fx = FxTable()
    offers = []
    for pack in packs.prefetch_related("prices").order_by("shop__name", "sort_order", "coins"):
        offers.append(PackOffer(pack, coin_pack_price(pack, currency, fx)))
    return offers


def coin_pack_price(pack: CoinPack, currency: str, fx: FxTable | None = None) -> Money | None:
    explicit = {price.currency: price.amount for price in pack.prices.all()}
    try:
        return price_in(
            explicit, currency, preferred_source=pack.shop.default_currency, fx=fx or FxTable()
        ).money
    except NoPriceError:
        return None
