"""Store policy pages (shipping, returns, payment) the merchant edits and the agent quotes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class PolicyKind(models.TextChoices):
    SHIPPING = "shipping", _("Shipping")
    RETURNS = "returns", _("Returns and refunds")
    PAYMENT = "payment", _("Payment")
    OTHER = "other", _("Other")


class StorePolicy(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(_("kind"), max_length=10, choices=PolicyKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind", "language"], name="unique_policy_per_language"
            )
        ]
        verbose_name = _("store policy")
        verbose_name_plural = _("store policies")

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"
