from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.shops.admin import ShopScopedAdmin, ShopScopedInline
from shop.vouchers.models import Voucher, VoucherAmount
from shop.vouchers.selectors import normalise_code
from shop.vouchers.services import voucher_generate_codes


class VoucherAmountInline(ShopScopedInline, admin.TabularInline):
    model = VoucherAmount
    shop_path = "voucher__shop"
    extra = 0


class VoucherForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = [
            "shop",
            "code",
            "name",
            "kind",
            "percentage",
            "starts_at",
            "ends_at",
            "usage_limit",
            "per_customer_limit",
            "is_active",
            "owner",
        ]

    def clean_code(self) -> str:
        return normalise_code(self.cleaned_data["code"])

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        if cleaned.get("kind") == "percentage":
            value = cleaned.get("percentage")
            if value is None or not 0 < value <= 100:
                self.add_error("percentage", _("Enter a percentage between 0 and 100."))
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


@admin.register(Voucher)
class VoucherAdmin(ShopScopedAdmin):
    form = VoucherForm
    list_display = (
        "code",
        "shop",
        "kind",
        "percentage",
        "used_count",
        "usage_limit",
        "ends_at",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name")
    raw_id_fields = ("owner",)
    readonly_fields = ("used_count",)
    inlines = [VoucherAmountInline]
    actions = ["generate_50_codes"]

    @admin.action(description=_("Generate 50 single-use codes from the selected voucher"))
    def generate_50_codes(self, request: HttpRequest, queryset: QuerySet[Voucher]) -> None:
        for template in queryset:
            codes = voucher_generate_codes(template=template, count=50, prefix=template.code[:4])
            messages.success(
                request,
                _("%(count)d codes generated from %(code)s.")
                % {"count": len(codes), "code": template.code},
            )
