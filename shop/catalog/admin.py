"""Merchant admin for the catalog, scoped to the staff user's shop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    SizeChart,
    Variant,
    VariantPrice,
)
from shop.catalog.services import InvalidImageError, image_make_thumbnail, product_set_status
from shop.pricing.money import minor_units, quantize
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "__str__", "parent", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("slug",)


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ("code", "__str__", "position")
    inlines = [AttributeValueInline]


class ProductTranslationInline(ShopScopedInline, admin.StackedInline):
    model = ProductTranslation
    shop_path = "product__shop"
    extra = 0
    fields = (("language", "origin", "reviewed"), "name", "description")


class ProductImageInline(ShopScopedInline, admin.TabularInline):
    model = ProductImage
    shop_path = "product__shop"
    extra = 0
    fields = ("preview", "image", "alt", "position")
    readonly_fields = ("preview",)

    @admin.display(description=_("Preview"))
    def preview(self, obj: ProductImage) -> str:
        if not obj.thumbnail:
            return "-"
        return format_html('<img src="{}" style="max-height:64px">', obj.thumbnail.url)


@admin.register(Product)
class ProductAdmin(ShopScopedAdmin):
    list_display = ("__str__", "shop", "category", "status", "is_featured", "updated_at")
    list_filter = ("status", "category", "is_featured")
    search_fields = ("slug", "translations__name", "variants__sku")
    list_select_related = ("shop", "category")
    inlines = [ProductTranslationInline, ProductImageInline]
    actions = ["publish", "unpublish"]
    filter_horizontal = ("attributes",)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change or "status" in form.changed_data:
            # Like the list actions: the first publication is stamped (storefront order) and
            # queues machine drafts for the languages without text.
            product_set_status(product=obj, status=obj.status)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        for formset in formsets:
            if formset.model is not ProductImage:
                continue
            for image in formset.new_objects + [obj for obj, _f in formset.changed_objects]:
                try:
                    image_make_thumbnail(image=image)
                except InvalidImageError:
                    messages.error(
                        request, _("%(name)s is not a readable image.") % {"name": image.image.name}
                    )

    @admin.action(description=_("Publish selected products"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            product_set_status(product=product, status=ProductStatus.PUBLISHED)
        count = queryset.count()
        self.message_user(
            request, ngettext("%d product published.", "%d products published.", count) % count
        )

    @admin.action(description=_("Unpublish selected products"))
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        for product in queryset:
            product_set_status(product=product, status=ProductStatus.DRAFT)
        count = queryset.count()
        self.message_user(
            request, ngettext("%d product unpublished.", "%d products unpublished.", count) % count
        )


class VariantPriceForm(forms.ModelForm):
    class Meta:
        model = VariantPrice
        fields = ["currency", "amount", "compare_at"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency = cleaned.get("currency")
        for name in ("amount", "compare_at"):
            value: Decimal | None = cleaned.get(name)
            if currency and value is not None:
                digits = minor_units(currency)
                if value != quantize(value, currency):  # 119.0000 is fine, 119.005 is not
                    self.add_error(
                        name,
                        _("%(currency)s amounts have %(digits)d decimal places at most.")
                        % {"currency": currency, "digits": digits},
                    )
        return cleaned


class VariantPriceInline(ShopScopedInline, admin.TabularInline):
    model = VariantPrice
    form = VariantPriceForm
    shop_path = "variant__shop"
    extra = 0


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = [
            "product",
            "sku",
            "option_values",
            "stock",
            "weight_grams",
            "is_active",
            "position",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        product, sku = cleaned.get("product"), cleaned.get("sku")
        if product and sku:
            clash = Variant.objects.filter(shop_id=product.shop_id, sku=sku).exclude(
                pk=self.instance.pk
            )
            if clash.exists():
                self.add_error("sku", _("This SKU is already used in this shop."))
        return cleaned


@admin.register(Variant)
class VariantAdmin(ShopScopedAdmin):
    form = VariantForm
    list_display = ("sku", "product", "stock", "is_active")
    list_filter = ("is_active",)
    search_fields = ("sku", "product__translations__name")
    list_select_related = ("product__shop",)
    filter_horizontal = ("option_values",)
    inlines = [VariantPriceInline]

    def save_model(self, request: HttpRequest, obj: Variant, form: Any, change: bool) -> None:
        obj.shop_id = obj.product.shop_id  # the variant always belongs to its product's shop
        super().save_model(request, obj, form, change)


@admin.register(SizeChart)
class SizeChartAdmin(ShopScopedAdmin):
    list_display = ("name", "shop", "unit")
    search_fields = ("name",)
