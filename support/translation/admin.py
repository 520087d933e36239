"""Merchant admin: translation memory, glossary, and review of machine-drafted product text.
All scoped to the staff user's shop (ShopScopedAdmin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shop.catalog.models import ProductTranslation
from shop.shops.admin import ShopScopedAdmin
from support.translation.memory import text_hash
from support.translation.models import GlossaryTerm, TranslationMemoryEntry
from support.translation.products import product_translation_approve
from support.translation.services import glossary_touch, memory_forget_cached


@admin.register(TranslationMemoryEntry)
class TranslationMemoryAdmin(ShopScopedAdmin):
    list_display = (
        "source_text",
        "source_language",
        "target_language",
        "target_text",
        "origin",
        "usage_count",
        "shop",
    )
    list_filter = ("source_language", "target_language", "origin")
    search_fields = ("source_text", "target_text")
    readonly_fields = ("usage_count", "created_at", "updated_at")
    fields = (
        "shop",
        ("source_language", "target_language", "origin"),
        "source_text",
        "target_text",
        ("usage_count", "created_at", "updated_at"),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.source_hash = text_hash(obj.source_text)  # exact lookups go by this hash
        super().save_model(request, obj, form, change)
        memory_forget_cached(entry=obj)


@admin.register(GlossaryTerm)
class GlossaryAdmin(ShopScopedAdmin):
    list_display = (
        "term",
        "translation",
        "keep",
        "source_language",
        "target_language",
        "case_sensitive",
        "shop",
    )
    list_filter = ("keep", "target_language")
    search_fields = ("term", "translation")

    # Cached translations were made with the old glossary: bump its version on every change.
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        glossary_touch(shop_id=obj.shop_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        shop_id = obj.shop_id
        super().delete_model(request, obj)
        glossary_touch(shop_id=shop_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        shop_ids = set(queryset.values_list("shop_id", flat=True))
        super().delete_queryset(request, queryset)
        for shop_id in shop_ids:
            glossary_touch(shop_id=shop_id)


@admin.register(ProductTranslation)
class ProductTextReviewAdmin(ShopScopedAdmin):
    """Product text per language; machine drafts wait here for the merchant's review."""

    shop_path = "product__shop"
    list_display = ("name", "product", "language", "origin", "reviewed")
    list_filter = ("reviewed", "origin", "language")
    search_fields = ("name", "product__slug")
    list_select_related = ("product__shop",)
    fields = ("product", ("language", "origin", "reviewed"), "name", "description")
    readonly_fields = ("product", "language", "origin")
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # product text is added on the product's page

    @admin.action(description=_("Approve translation (and remember it)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ProductTranslation]) -> None:
        count = 0
        for translation in queryset.select_related("product__shop"):
            product_translation_approve(translation=translation, user=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(
            request,
            ngettext("%d translation approved.", "%d translations approved.", count) % count,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Ticking "reviewed" on a draft is an approval: it goes to the memory too.
        approving = change and "reviewed" in form.changed_data and obj.reviewed
        super().save_model(request, obj, form, change)
        if approving:
            product_translation_approve(translation=obj, user=request.user)  # type: ignore[arg-type]
