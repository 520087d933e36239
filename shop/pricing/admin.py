from django.contrib import admin

from shop.pricing.models import FxRate


@admin.register(FxRate)
class FxRateAdmin(admin.ModelAdmin):
    list_display = ("base", "quote", "rate", "as_of", "source")
    list_filter = ("base", "quote", "source")
    date_hierarchy = "as_of"
