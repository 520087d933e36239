"""Merchant admin for orders: filters, fulfil (tracking), refund, cancel; scoped to the shop."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from shop.orders.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ReturnRequest,
    Shipment,
)
from shop.orders.services import (
    Actor,
    TransitionError,
    order_add_shipment,
    order_cancel,
    shipment_add_tracking_event,
)
from shop.payments.services import PaymentError, payment_refund
from shop.pricing.money import quantize
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline


class ReadOnlyInline(ShopScopedInline, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    shop_path = "order__shop"
    fields = ("product_name", "variant_label", "sku", "quantity", "unit_price", "line_total")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    shop_path = "order__shop"
    fields = ("created_at", "kind", "message", "actor_label")
    readonly_fields = fields


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    shop_path = "order__shop"
    fields = ("carrier", "tracking_number", "tracking_url", "shipped_at", "delivered_at")
    readonly_fields = fields


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=80)
    tracking_url = forms.URLField(label=_("Tracking link"), required=False, assume_scheme="https")


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), decimal_places=4)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class TrackingForm(forms.Form):
    shipment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (s, s) for s in ("in_transit", "customs", "out_for_delivery", "delivered", "exception")
        ],
    )
    location = forms.CharField(label=_("Location"), max_length=120, required=False)
    message = forms.CharField(label=_("Message"), max_length=300, required=False)


@admin.register(Order)
class OrderAdmin(ShopScopedAdmin):
    list_display = (
        "number",
        "shop",
        "email",
        "status",
        "total",
        "currency",
        "source_type",
        "created_at",
    )
    list_filter = ("status", "source_type", "currency", "created_at")
    search_fields = ("number", "email", "ship_name")
    date_hierarchy = "created_at"
    list_select_related = ("shop",)
    inlines = [OrderLineInline, ShipmentInline, OrderEventInline]
    actions = ["cancel_unpaid"]
    change_form_template = "admin/orders/order/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Order._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders are records; cancel or refund instead

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:order_id>/ship/", wrap(self.ship_view), name="orders_order_ship"),
            path("<int:order_id>/refund/", wrap(self.refund_view), name="orders_order_refund"),
            path(
                "<int:order_id>/tracking/", wrap(self.tracking_view), name="orders_order_tracking"
            ),
            *super().get_urls(),
        ]

    def _order_for_change(self, request: HttpRequest, order_id: int) -> Order:
        order = self.get_queryset(request).filter(pk=order_id).first()
        if order is None or not self.has_change_permission(request, order):
            raise PermissionDenied
        return order

    def _actor(self, request: HttpRequest) -> Actor:
        return Actor(user=request.user, label=request.user.get_username())  # type: ignore[arg-type]

    def _back(self, order: Order) -> HttpResponse:
        return redirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _action_page(
        self, request: HttpRequest, order: Order, form: forms.Form, title: str
    ) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "order": order,
            "form": form,
            "title": title % {"number": order.number},
            "opts": self.model._meta,
        }
        return render(request, "admin/orders/order/action.html", context)

    def ship_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_change(request, order_id)
        form = ShipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                order_add_shipment(
                    order_id=order.pk, actor=self._actor(request), **form.cleaned_data
                )
            except (TransitionError, ValueError) as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Shipment recorded; the shopper was notified."))
                return self._back(order)
        return self._action_page(request, order, form, _("Ship order %(number)s"))

    def refund_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_change(request, order_id)
        remaining = order.total - order.refunded_total
        form = RefundForm(
            request.POST or None, initial={"amount": quantize(remaining, order.currency)}
        )
        if request.method == "POST" and form.is_valid():
            try:
                payment_refund(
                    order=order,
                    amount=quantize(form.cleaned_data["amount"], order.currency),
                    actor=self._actor(request),
                    reason=form.cleaned_data["reason"],
                )
            except (PaymentError, TransitionError, ValueError) as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Refund sent through the payment gateway."))
                return self._back(order)
        return self._action_page(request, order, form, _("Refund order %(number)s"))

    def tracking_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = self._order_for_change(request, order_id)
        form = TrackingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            shipment = order.shipments.filter(pk=form.cleaned_data["shipment"]).first()
            if shipment is None:
                raise PermissionDenied
            shipment_add_tracking_event(
                shipment_id=shipment.pk,
                status=form.cleaned_data["status"],
                location=form.cleaned_data["location"],
                message=form.cleaned_data["message"],
                actor=self._actor(request),
            )
            messages.success(request, _("Tracking updated."))
        return self._back(order)

    @admin.action(description=_("Cancel selected unpaid orders"))
    def cancel_unpaid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset.filter(status=OrderStatus.PENDING_PAYMENT):
            order_cancel(
                order_id=order.pk, actor=self._actor(request), reason="cancelled by merchant"
            )
        messages.success(request, _("Unpaid orders cancelled; their stock is available again."))


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ShopScopedAdmin):
    """Return requests shoppers opened (through the support agent); staff set the outcome."""

    shop_path = "order__shop"
    list_display = ("__str__", "order", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("order__number", "reason")
    list_select_related = ("order",)
    readonly_fields = ("order", "lines", "reason", "requested_by", "created_at")
    fields = ("order", "lines", "reason", "requested_by", "status", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
