"""Catalog models.

Categories and attributes (size, colour, ...) are shared by the whole marketplace and carry
their names per language in a JSON map. Products belong to a shop; their merchant-edited text
lives in ``ProductTranslation`` rows (one per language, with origin/review state so machine
drafts can be reviewed). Variants hold SKU, stock and explicit prices per currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


def localized(names: dict[str, str], language: str, fallback: str = "en") -> str:
    """The text for ``language`` from a ``{language: text}`` map, else fallback, else any."""
    return names.get(language) or names.get(fallback) or next(iter(names.values()), "")


class Category(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    names = models.JSONField(_("names"), default=dict, help_text=_('e.g. {"en": "Watches"}'))
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return localized(self.names, "en") or self.slug

    def name_in(self, language: str) -> str:
        return localized(self.names, language) or self.slug


class Attribute(models.Model):
    """A variant axis such as size or colour."""

    code = models.SlugField(_("code"), unique=True)
    names = models.JSONField(_("names"), default=dict)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")

    def __str__(self) -> str:
        return localized(self.names, "en") or self.code

    def name_in(self, language: str) -> str:
        return localized(self.names, language) or self.code


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    code = models.SlugField(_("code"))
    names = models.JSONField(_("names"), default=dict)
    swatch = models.CharField(_("swatch colour"), max_length=7, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["attribute__position", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "code"], name="unique_attribute_value")
        ]
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")

    def __str__(self) -> str:
        return f"{self.attribute}: {localized(self.names, 'en') or self.code}"

    def name_in(self, language: str) -> str:
        return localized(self.names, language) or self.code


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class SizeUnit(models.TextChoices):
    CM = "cm", _("centimetres")
    INCH = "in", _("inches")


class SizeChart(models.Model):
    """A shop's size chart: per size label, body measurement ranges (min, max) in ``unit``.

    ``rows`` is a list like ``[{"size": "S", "chest": [82, 88], "waist": [64, 70],
    "hip": [88, 94]}, ...]`` from the smallest size to the largest; columns a chart does not
    measure are left out (shoes use ``foot``).
    """

    shop_scope_path = "shop"
    COLUMNS = ("chest", "waist", "hip", "foot")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="size_charts")
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(_("unit"), max_length=2, choices=SizeUnit.choices, default="cm")
    rows = models.JSONField(
        _("rows"),
        default=list,
        help_text=_(
            'From smallest to largest, e.g. [{"size": "S", "chest": [82, 88], "waist": [64, 70]}]'
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "name"], name="unique_size_chart_per_shop")
        ]
        verbose_name = _("size chart")
        verbose_name_plural = _("size charts")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="products")
    slug = models.SlugField(_("slug"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    is_featured = models.BooleanField(_("featured"), default=False)
    attributes = models.ManyToManyField(
        Attribute, blank=True, related_name="products", verbose_name=_("variant attributes")
    )
    size_chart = models.ForeignKey(
        SizeChart,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
        verbose_name=_("size chart"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "slug"], name="unique_product_slug_per_shop")
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        names = {t.language: t.name for t in self.translations.all()}
        return localized(names, self.shop.default_language) or self.slug


class TranslationOrigin(models.TextChoices):
    MERCHANT = "merchant", _("Written by the merchant")
    MACHINE = "machine", _("Machine-translated draft")


class ProductTranslation(models.Model):
    shop_scope_path = "product__shop"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=TranslationOrigin.choices,
        default=TranslationOrigin.MERCHANT,
    )
    reviewed = models.BooleanField(_("reviewed"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "language"], name="unique_product_translation"
            )
        ]
        verbose_name = _("product text")
        verbose_name_plural = _("product texts")

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"


class ProductImage(models.Model):
    shop_scope_path = "product__shop"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="products/thumbs/", blank=True)
    alt = models.CharField(_("alternative text"), max_length=200, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("product image")
        verbose_name_plural = _("product images")

    def __str__(self) -> str:
        return self.image.name


class Variant(models.Model):
    shop_scope_path = "shop"

    # Denormalised from product so SKUs can be unique per shop in the database.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64)
    option_values = models.ManyToManyField(
        AttributeValue, blank=True, related_name="variants", verbose_name=_("options")
    )
    stock = models.PositiveIntegerField(_("stock"), default=0)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "sku"], name="unique_sku_per_shop"),
        ]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")

    def __str__(self) -> str:
        return self.sku


class VariantPrice(models.Model):
    """An explicit price the merchant set in one currency."""

    shop_scope_path = "variant__shop"

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(code, code) for code in settings.CURRENCIES]
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    compare_at = models.DecimalField(
        _("compare-at amount"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "currency"], name="unique_price_currency"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="price_not_negative"),
        ]
        verbose_name = _("price")
        verbose_name_plural = _("prices")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
