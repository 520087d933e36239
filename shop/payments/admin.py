from django.contrib import admin

from shop.payments.models import Payment, Refund
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline


class RefundInline(ShopScopedInline, admin.TabularInline):
    model = Refund
    shop_path = "payment__order__shop"
    parent_shop_path = "order__shop"
    extra = 0
    can_delete = False
    readonly_fields = ("amount", "reference", "reason", "actor", "created_at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Payment)
class PaymentAdmin(ShopScopedAdmin):
    shop_path = "order__shop"
    list_display = ("order", "gateway", "status", "amount", "currency", "reference", "created_at")
    list_filter = ("gateway", "status")
    search_fields = ("order__number", "reference")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [RefundInline]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
