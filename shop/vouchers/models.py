"""A voucher is a code with a discount rule and limits; every use is a redemption row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class DiscountKind(models.TextChoices):
    PERCENTAGE = "percentage", _("Percentage")
    FIXED = "fixed", _("Fixed amount")


class Voucher(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="vouchers")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=DiscountKind.choices)
    percentage = models.DecimalField(
        _("percentage"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("total uses"), null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(_("uses per customer"), null=True, blank=True)
    used_count = models.PositiveIntegerField(_("times used"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Set on codes generated in bulk from a template voucher (quizzes, giveaways, live drops).
    template = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="generated"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vouchers",
        help_text=_("If set, only this shopper can use the code."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="unique_voucher_code_per_shop"),
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True)
                | models.Q(used_count__lte=models.F("usage_limit")),
                name="voucher_used_within_limit",
            ),
        ]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")

    def __str__(self) -> str:
        return self.code


class VoucherAmount(models.Model):
    """Per-currency values: the fixed discount and/or the minimum spend."""

    shop_scope_path = "voucher__shop"

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="amounts")
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(c, c) for c in settings.CURRENCIES]
    )
    discount = models.DecimalField(
        _("discount"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    min_spend = models.DecimalField(
        _("minimum spend"), max_digits=14, decimal_places=4, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["voucher", "currency"], name="unique_voucher_currency")
        ]

    def __str__(self) -> str:
        return f"{self.currency}"


class VoucherRedemption(models.Model):
    shop_scope_path = "voucher__shop"

    voucher = models.ForeignKey(Voucher, on_delete=models.CASCADE, related_name="redemptions")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="redemption"
    )
    email = models.EmailField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.voucher_id} by {self.email}"
