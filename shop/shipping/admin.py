from django.contrib import admin

from shop.shipping.models import ShippingRate, ShippingRatePrice, ShippingZone
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline


class ShippingRateInline(ShopScopedInline, admin.StackedInline):
    model = ShippingRate
    shop_path = "zone__shop"
    extra = 0
    show_change_link = True


@admin.register(ShippingZone)
class ShippingZoneAdmin(ShopScopedAdmin):
    list_display = ("name", "shop", "countries")
    inlines = [ShippingRateInline]


class ShippingRatePriceInline(ShopScopedInline, admin.TabularInline):
    model = ShippingRatePrice
    shop_path = "rate__zone__shop"
    parent_shop_path = "zone__shop"
    extra = 0


@admin.register(ShippingRate)
class ShippingRateAdmin(ShopScopedAdmin):
    shop_path = "zone__shop"
    list_display = ("name", "zone", "kind", "min_weight_grams", "max_weight_grams", "is_active")
    list_filter = ("kind", "is_active")
    inlines = [ShippingRatePriceInline]
