"""API representations of catalog data (built from selector dataclasses, read-only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from shop.catalog.models import AttributeValue, Category
from shop.catalog.selectors import ProductView, VariantView
from shop.pricing.money import format_money
from shop.pricing.selectors import Price

SORT_CHOICES = [("newest", "newest"), ("featured", "featured")]


class ProductQuerySerializer(serializers.Serializer):
    """Query parameters of the product list; unknown values are a 400 with a clear message."""

    currency = serializers.ChoiceField(choices=list(settings.CURRENCIES), required=False)
    lang = serializers.ChoiceField(choices=settings.LANGUAGE_CODES, required=False)
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)
    category = serializers.SlugField(required=False)
    shop = serializers.SlugField(required=False)
    option = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=20
    )
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=SORT_CHOICES, required=False, default="newest")
    include_drafts = serializers.BooleanField(required=False, default=False)

    def validate_category(self, slug: str) -> Category:
        category = Category.objects.filter(slug=slug, is_active=True).first()
        if category is None:
            raise serializers.ValidationError(_("Unknown category."))
        return category

    def validate_option(self, ids: list[int]) -> list[int]:
        known = set(AttributeValue.objects.filter(id__in=ids).values_list("id", flat=True))
        missing = sorted(set(ids) - known)
        if missing:
            raise serializers.ValidationError(f"Unknown attribute value ids: {missing}")
        return ids


class DetailQuerySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=list(settings.CURRENCIES), required=False)
    lang = serializers.ChoiceField(choices=settings.LANGUAGE_CODES, required=False)


class PriceSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="Decimal string in the currency's minor units.")
    currency = serializers.CharField()
    formatted = serializers.CharField(help_text="Formatted for the requested language.")
    converted = serializers.BooleanField(help_text="True when derived from a stored FX rate.")
    rate_date = serializers.DateField(allow_null=True)

    def to_representation(self, instance: Price) -> dict[str, Any]:
        return {
            "amount": str(instance.money.amount),
            "currency": instance.money.currency,
            "formatted": format_money(instance.money, self.context.get("language")),
            "converted": instance.converted,
            "rate_date": instance.rate_date.isoformat()
            if instance.converted and instance.rate_date
            else None,
        }


class VariantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    option_codes = serializers.DictField(child=serializers.CharField())
    stock = serializers.IntegerField()
    price = PriceSerializer(allow_null=True)

    def to_representation(self, instance: VariantView) -> dict[str, Any]:
        return super().to_representation(instance)


class ImageSerializer(serializers.Serializer):
    url = serializers.CharField()
    thumbnail = serializers.CharField()
    alt = serializers.CharField()

    def to_representation(self, instance: tuple[str, str, str]) -> dict[str, Any]:
        request = self.context.get("request")
        url, thumb, alt = instance
        if request is not None:
            url, thumb = request.build_absolute_uri(url), request.build_absolute_uri(thumb)
        return {"url": url, "thumbnail": thumb, "alt": alt}


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    shop = serializers.CharField(source="shop_slug")
    shop_name = serializers.CharField()
    name = serializers.CharField()
    language = serializers.CharField(help_text="Language the text is in (after fallback).")
    category = serializers.CharField()
    status = serializers.CharField()
    price_from = PriceSerializer(source="from_price", allow_null=True)
    stock_state = serializers.CharField()
    thumbnail = serializers.CharField()


class ProductDetailSerializer(ProductSerializer):
    description = serializers.CharField()
    images = ImageSerializer(many=True)
    variants = VariantSerializer(many=True)

    def to_representation(self, instance: ProductView) -> dict[str, Any]:
        return super().to_representation(instance)
