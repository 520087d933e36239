from django.contrib import admin

from shop.shops.admin import ShopScopedAdmin
from support.agent.models import StorePolicy


@admin.register(StorePolicy)
class StorePolicyAdmin(ShopScopedAdmin):
    list_display = ["title", "kind", "language", "shop", "updated_at"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "body"]
