"""``/api/v1/orders/``: the signed-in shopper's own orders with status and tracking."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from config.api import StandardPagination
from shop.orders.models import Order
from shop.orders.selectors import orders_for_shopper


class TrackingEventSerializer(serializers.Serializer):
    status = serializers.CharField()
    location = serializers.CharField()
    message = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    events = TrackingEventSerializer(many=True, source="events.all")


class OrderLineSerializer(serializers.Serializer):
    product_name = serializers.CharField()
    variant_label = serializers.CharField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class OrderSerializer(serializers.Serializer):
    number = serializers.CharField()
    shop = serializers.CharField(source="shop.slug")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    shipping_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    refunded_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    source_type = serializers.CharField()
    created_at = serializers.DateTimeField()
    lines = OrderLineSerializer(many=True, source="lines.all")
    shipments = ShipmentSerializer(many=True, source="shipments.all")

    def to_representation(self, instance: Order) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.currency in ("JPY", "IDR"):  # whole units: no ".00"
            for key in ("subtotal", "shipping_total", "discount_total", "total", "refunded_total"):
                data[key] = data[key].split(".")[0]
        return data


class OrderViewSet(ViewSet):
    permission_classes = [IsAuthenticated]
    lookup_field = "number"

    @extend_schema(responses=OrderSerializer(many=True))
    def list(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(orders_for_shopper(request.user), request, view=self)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("number", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses=OrderSerializer,
    )
    def retrieve(self, request: Request, number: str | None = None) -> Response:
        order = get_object_or_404(orders_for_shopper(request.user), number=number)
        return Response(OrderSerializer(order).data)
