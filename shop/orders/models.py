"""Order, its lines, stock reservations, audit events, shipments and tracking events.

Money columns hold amounts in the order's currency (``Decimal``); status changes only through
``shop.orders.services`` which checks ``ALLOWED_TRANSITIONS`` and writes an ``OrderEvent``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import Variant
from shop.shops.models import Shop


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


S = OrderStatus
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.SHIPPED, S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.PARTIALLY_REFUNDED: {S.SHIPPED, S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.SHIPPED: {S.DELIVERED, S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.DELIVERED: {S.PARTIALLY_REFUNDED, S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}


class SourceType(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront")
    LIVE_ROOM = "live_room", _("Live room")
    REPLAY = "replay", _("Replay")
    CONSULTATION = "consultation", _("Consultation")
    CONSULTATION_DEPOSIT = "consultation_deposit", _("Consultation deposit")
    COINS = "coins", _("Coin pack")


class Order(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    number = models.CharField(_("number"), max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField(_("e-mail"))
    language = models.CharField(_("language"), max_length=10, default="en")
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=14, decimal_places=4)
    shipping_total = models.DecimalField(_("shipping"), max_digits=14, decimal_places=4, default=0)
    discount_total = models.DecimalField(_("discount"), max_digits=14, decimal_places=4, default=0)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=4)
    refunded_total = models.DecimalField(_("refunded"), max_digits=14, decimal_places=4, default=0)
    shipping_method = models.CharField(_("shipping method"), max_length=120, blank=True)
    shipping_rate = models.ForeignKey(
        "shipping.ShippingRate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voucher_code = models.CharField(_("voucher"), max_length=40, blank=True)
    # Shipping address (a snapshot: later edits of an address book never change an order).
    ship_name = models.CharField(_("name"), max_length=120)
    ship_line1 = models.CharField(_("address"), max_length=200)
    ship_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    ship_city = models.CharField(_("city"), max_length=100)
    ship_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    ship_region = models.CharField(_("state / province"), max_length=100, blank=True)
    ship_country = models.CharField(_("country"), max_length=2)
    ship_phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Attribution: where the order came from.
    source_type = models.CharField(
        _("source"), max_length=20, choices=SourceType.choices, default=SourceType.STOREFRONT
    )
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    reserved_until = models.DateTimeField(_("stock reserved until"), null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["shop", "status", "-created_at"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    shop_scope_path = "order__shop"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(_("product"), max_length=200)
    variant_label = models.CharField(_("variant"), max_length=200, blank=True)
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=4)
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=4)
    weight_grams = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    SOLD = "sold", _("Sold")
    RELEASED = "released", _("Released")


class StockReservation(models.Model):
    """Units taken off ``Variant.stock`` for an unpaid order until ``expires_at``."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reservations")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=ReservationStatus.choices, default=ReservationStatus.RESERVED
    )
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id} ({self.status})"


class OrderEvent(models.Model):
    """The audit trail: who did what to an order, and when."""

    shop_scope_path = "order__shop"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(
        max_length=60, blank=True, help_text="system, webhook:stripe, ..."
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class Shipment(models.Model):
    shop_scope_path = "order__shop"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=60)
    tracking_number = models.CharField(_("tracking number"), max_length=80)
    tracking_url = models.URLField(_("tracking link"), blank=True)
    shipped_at = models.DateTimeField(_("shipped at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["shipped_at"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class TrackingEvent(models.Model):
    shop_scope_path = "shipment__order__shop"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("status"), max_length=60)
    location = models.CharField(_("location"), max_length=120, blank=True)
    message = models.CharField(_("message"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"{self.status} {self.location}"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    REFUNDED = "refunded", _("Refunded")


class ReturnRequest(models.Model):
    """A shopper's request to return (part of) an order for a refund; staff decide on it."""

    shop_scope_path = "order__shop"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    lines = models.ManyToManyField(OrderLine, blank=True, related_name="+", verbose_name=_("lines"))
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReturnStatus.choices,
        default=ReturnStatus.REQUESTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A retried request (the shopper asks twice) never opens a second return.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="requested"),
                name="one_open_return_per_order",
            )
        ]
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")

    def __str__(self) -> str:
        return f"return {self.pk} of {self.order_id} ({self.status})"
