"""Merchant admin for coins: coin packs (editable) and wallets/ledger (read-only: coins move
only through the services, so the ledger stays the record of every movement)."""

from __future__ import annotations

from django.contrib import admin

from shop.shops.admin import ShopScopedAdmin, ShopScopedInline, ShopScopedReadOnlyAdmin
from shop.wallet.models import CoinPack, CoinPackPrice, CoinPurchase, LedgerEntry, Wallet


class CoinPackPriceInline(ShopScopedInline, admin.TabularInline):
    model = CoinPackPrice
    extra = 1
    shop_path = "pack__shop"


@admin.register(CoinPack)
class CoinPackAdmin(ShopScopedAdmin):
    list_display = ("name", "shop", "coins", "active", "sort_order")
    list_filter = ("active",)
    inlines = [CoinPackPriceInline]


@admin.register(Wallet)
class WalletAdmin(ShopScopedReadOnlyAdmin):
    list_display = ("user", "shop", "balance", "updated_at")
    search_fields = ("user__email",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ShopScopedReadOnlyAdmin):
    shop_path = "wallet__shop"
    list_display = ("created_at", "wallet", "kind", "amount", "balance_after", "reference")
    list_filter = ("kind",)
    search_fields = ("wallet__user__email", "reference")


@admin.register(CoinPurchase)
class CoinPurchaseAdmin(ShopScopedReadOnlyAdmin):
    shop_path = "order__shop"
    list_display = ("order", "coins", "credited_at")
