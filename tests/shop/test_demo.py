"""The demo loader builds a browsable marketplace and is safe to run twice."""

import pytest
from django.core.management import call_command

from shop.accounts.models import User
from shop.catalog.models import Product, ProductImage, Variant, VariantPrice
from shop.orders.models import Order, OrderEvent, OrderLine, Shipment, TrackingEvent
from shop.shops.models import Shop, StaffMembership

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Shop.objects.count(),
        Product.objects.count(),
        Variant.objects.count(),
        VariantPrice.objects.count(),
        ProductImage.objects.count(),
        User.objects.count(),
        StaffMembership.objects.count(),
        Order.objects.count(),
        OrderLine.objects.count(),
        OrderEvent.objects.count(),
        Shipment.objects.count(),
        TrackingEvent.objects.count(),
    )


def test_load_demo_twice_gives_the_same_data() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = _counts()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _counts() == first
    shops, products, *_rest = first
    assert shops == 2 and 25 <= products <= 40
    assert StaffMembership.objects.values("role").distinct().count() == 4
    assert all(image.thumbnail for image in ProductImage.objects.all())
    assert Product.objects.filter(translations__language="ar").count() == products


def test_the_demo_shopper_has_a_shipped_and_a_delivered_order_with_tracking() -> None:
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    orders = Order.objects.filter(user__email="shopper@showroom.demo")
    assert {order.shop.slug for order in orders} == {"atelier-lumiere"}
    by_status = {order.status: order for order in orders}
    assert sorted(by_status) == ["delivered", "shipped"] and orders.count() == 2
    for order in orders:
        line = order.lines.get()
        assert order.total == line.line_total + order.shipping_total and order.paid_at
        shipment = order.shipments.get()
        assert shipment.tracking_number and shipment.events.count() >= 3
    delivered = by_status["delivered"].shipments.get()
    assert delivered.delivered_at and delivered.events.last().status == "delivered"
    assert by_status["shipped"].shipments.get().events.last().location
