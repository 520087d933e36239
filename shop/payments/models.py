"""Payment attempts, refunds and processed webhook events (for idempotency)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    REQUIRES_ACTION = "requires_action", _("Needs confirmation")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    shop_scope_path = "order__shop"

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payments")
    gateway = models.CharField(_("gateway"), max_length=20)
    reference = models.CharField(_("gateway reference"), max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3)
    client_secret = models.CharField(max_length=200, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "reference"],
                condition=~models.Q(reference=""),
                name="unique_payment_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.reference or self.pk} ({self.status})"


class Refund(models.Model):
    shop_scope_path = "payment__order__shop"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)
    reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "reference"],
                condition=~models.Q(reference=""),
                name="unique_refund_reference",
            )
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} ({self.reference})"


class WebhookEvent(models.Model):
    """Each gateway event id is handled once: a repeat delivery finds its row and stops."""

    gateway = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=60)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="unique_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"
