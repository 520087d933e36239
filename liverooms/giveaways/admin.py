"""Read-only admin: giveaways and drops are run from the host console. Staff see their own
shop's rows only; a giveaway's seed is never shown before the draw (only its hash)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from liverooms.giveaways.models import (
    Giveaway,
    GiveawayEntry,
    GiveawayStatus,
    GiveawayWinner,
    RoomCoupon,
    RoomCouponClaim,
)
from shop.shops.admin import ShopScopedReadOnlyAdmin


class _ReadOnly(ShopScopedReadOnlyAdmin):
    allow_delete = True


@admin.register(Giveaway)
class GiveawayAdmin(_ReadOnly):
    shop_path = "room__shop"
    list_display = ["prize", "room", "status", "winners_count", "opened_at", "closes_at"]
    list_filter = ["status"]
    list_select_related = ["room"]
    fields = [
        "room",
        "prize",
        "winners_count",
        "requires_purchase",
        "countries",
        "keyword",
        "closes_at",
        "status",
        "seed_hash",
        "revealed_seed",
        "opened_at",
        "closed_at",
        "drawn_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("seed"))
    def revealed_seed(self, obj: Giveaway) -> str:
        return obj.seed if obj.status == GiveawayStatus.DRAWN else "—"


@admin.register(GiveawayEntry)
class GiveawayEntryAdmin(_ReadOnly):
    shop_path = "giveaway__room__shop"
    list_display = ["handle", "giveaway", "method", "created_at"]
    list_select_related = ["giveaway"]


@admin.register(GiveawayWinner)
class GiveawayWinnerAdmin(_ReadOnly):
    shop_path = "giveaway__room__shop"
    list_display = ["entry", "giveaway", "position", "notified_at"]
    list_select_related = ["giveaway", "entry"]


@admin.register(RoomCoupon)
class RoomCouponAdmin(_ReadOnly):
    shop_path = "room__shop"
    list_display = ["voucher", "room", "total", "claimed", "per_shopper", "status", "close_reason"]
    list_filter = ["status", "close_reason"]
    list_select_related = ["room", "voucher"]


@admin.register(RoomCouponClaim)
class RoomCouponClaimAdmin(_ReadOnly):
    shop_path = "coupon__room__shop"
    list_display = ["code", "coupon", "user", "created_at"]
    list_select_related = ["coupon", "code", "user"]
