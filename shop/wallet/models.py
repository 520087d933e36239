"""Coins: a shopper's wallet per shop, its ledger, and the coin packs a shop sells.

Coins are **per shop**: a shopper has one wallet in each shop they bought coins from, coins
bought from one merchant are only spent on that merchant's gifts, and each merchant's gift
revenue is their own. The balance is a cached column kept equal to the sum of the wallet's
ledger entries (both written in one transaction under the wallet's row lock); a database
CHECK keeps it from ever going below zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class Wallet(models.Model):
    shop_scope_path = "shop"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallets"
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="wallets")
    balance = models.BigIntegerField(_("balance (coins)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "shop"], name="wallet_one_per_shop"),
            models.CheckConstraint(
                condition=models.Q(balance__gte=0), name="wallet_balance_not_negative"
            ),
        ]
        verbose_name = _("wallet")
        verbose_name_plural = _("wallets")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.shop_id}: {self.balance}"


class EntryKind(models.TextChoices):
    PURCHASE = "purchase", _("Coin purchase")
    GIFT = "gift", _("Gift")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


class LedgerEntry(models.Model):
    """One movement of coins: positive credits, negative debits. Never edited or deleted."""

    shop_scope_path = "wallet__shop"

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField(_("coins"))
    balance_after = models.BigIntegerField(_("balance after"))
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    idempotency_key = models.CharField(max_length=100)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["wallet", "idempotency_key"], name="ledger_idempotency_once"
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="ledger_balance_not_negative"
            ),
        ]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")

    def __str__(self) -> str:
        return f"{self.amount:+d} ({self.kind})"


class CoinPack(models.Model):
    """Coins a shop sells, with explicit prices per currency (others via FX, like variants)."""

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="coin_packs")
    name = models.CharField(_("name"), max_length=80)
    coins = models.PositiveIntegerField(_("coins"))
    active = models.BooleanField(_("on sale"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "coins"]
        constraints = [models.CheckConstraint(condition=models.Q(coins__gt=0), name="pack_coins")]
        verbose_name = _("coin pack")
        verbose_name_plural = _("coin packs")

    def __str__(self) -> str:
        return self.name


class CoinPackPrice(models.Model):
    shop_scope_path = "pack__shop"

    pack = models.ForeignKey(CoinPack, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(code, code) for code in settings.CURRENCIES]
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pack", "currency"], name="pack_price_currency"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="pack_price_positive"),
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class CoinPurchase(models.Model):
    """An order for a coin pack: how many coins it buys (fixed when ordered)."""

    shop_scope_path = "order__shop"

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="coin_purchase"
    )
    pack = models.ForeignKey(CoinPack, null=True, on_delete=models.SET_NULL, related_name="+")
    coins = models.PositiveIntegerField(_("coins"))
    credited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("coin purchase")
        verbose_name_plural = _("coin purchases")

    def __str__(self) -> str:
        return f"{self.coins} coins ({self.order_id})"
