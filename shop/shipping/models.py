"""Where a shop ships and what it costs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class ShippingZone(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="shipping_zones")
    name = models.CharField(_("name"), max_length=100)
    countries = models.JSONField(
        _("countries"),
        default=list,
        help_text=_('ISO codes, e.g. ["US", "CA"]; ["*"] = rest of world'),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("shipping zone")
        verbose_name_plural = _("shipping zones")

    def __str__(self) -> str:
        return self.name


class RateKind(models.TextChoices):
    FLAT = "flat", _("Flat rate")
    WEIGHT = "weight", _("By weight")


class ShippingRate(models.Model):
    """A shipping method in a zone. Weight rates: base price + price per started kilogram."""

    shop_scope_path = "zone__shop"

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=10, choices=RateKind.choices, default=RateKind.FLAT
    )
    min_weight_grams = models.PositiveIntegerField(_("min weight (g)"), default=0)
    max_weight_grams = models.PositiveIntegerField(_("max weight (g)"), null=True, blank=True)
    delivery_days = models.CharField(_("delivery time"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["zone", "id"]
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")

    def __str__(self) -> str:
        return f"{self.zone}: {self.name}"


class ShippingRatePrice(models.Model):
    shop_scope_path = "rate__zone__shop"

    rate = models.ForeignKey(ShippingRate, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(c, c) for c in settings.CURRENCIES]
    )
    amount = models.DecimalField(_("base price"), max_digits=14, decimal_places=4)
    per_kg = models.DecimalField(_("price per kg"), max_digits=14, decimal_places=4, default=0)
    free_over = models.DecimalField(
        _("free over"),
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Orders with a subtotal at or above this ship free."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rate", "currency"], name="unique_rate_currency"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0, per_kg__gte=0), name="rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
