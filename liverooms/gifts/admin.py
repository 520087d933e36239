"""Merchant admin for gifts: the shop's gift catalogue, gifts sent (read-only) and gift
revenue per room. Scoped to the staff user's shops like every shop-owned admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liverooms.gifts.models import Gift, GiftSend, RoomGiftRevenue
from shop.shops.admin import ShopScopedAdmin, ShopScopedReadOnlyAdmin


@admin.register(Gift)
class GiftAdmin(ShopScopedAdmin):
    list_display = ("name", "shop", "coin_price", "animation", "active", "sort_order")
    list_filter = ("active", "animation")
    search_fields = ("name",)


@admin.register(GiftSend)
class GiftSendAdmin(ShopScopedReadOnlyAdmin):
    shop_path = "room__shop"
    list_display = ("created_at", "room", "sender", "gift", "count", "coins")
    list_select_related = ("room", "sender", "gift")
    date_hierarchy = "created_at"


@admin.register(RoomGiftRevenue)
class RoomGiftRevenueAdmin(ShopScopedReadOnlyAdmin):
    list_display = ("title", "shop", "status", "started_at", "gift_coins", "gift_sends", "gifters")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("shop")
            .annotate(
                _coins=Sum("gift_sends__coins"),
                _sends=Count("gift_sends"),
                _gifters=Count("gift_sends__sender", distinct=True),
            )
        )

    @admin.display(description=_("gift coins"), ordering="_coins")
    def gift_coins(self, obj: Any) -> int:
        return obj._coins or 0

    @admin.display(description=_("gifts sent"), ordering="_sends")
    def gift_sends(self, obj: Any) -> int:
        return obj._sends

    @admin.display(description=_("gifters"), ordering="_gifters")
    def gifters(self, obj: Any) -> int:
        return obj._gifters
