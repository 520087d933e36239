"""Under real concurrency (threads, each with its own PostgreSQL connection): no oversell,
voucher limits hold."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from shop.orders.models import Order, OrderStatus
from shop.orders.services import SYSTEM, CheckoutError, order_mark_paid, order_place
from shop.vouchers.models import Voucher
from tests.factories import CatalogWorld, address, make_shipping, make_voucher

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row-lock concurrency is verified on PostgreSQL (CI); SQLite serialises writers",
    ),
]


def _race(count: int, buy) -> Counter[str]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(min(count, 50))

    def one(index: int) -> str:
        try:
            if index < 50:
                barrier.wait(timeout=30)
            return buy(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=50) as pool:
        return Counter(pool.map(one, range(count)))


def test_200_buyers_for_10_units_make_exactly_10_paid_orders(live_world: CatalogWorld) -> None:
    variant = live_world.dress.variants.get()
    variant.stock = 10
    variant.save()
    rate = make_shipping(live_world.shop_a, ["ES"], {"EUR": "5"})

    def buy(index: int) -> str:
        try:
            order = order_place(
                shop=live_world.shop_a,
                items=[(variant.pk, 1)],
                currency="EUR",
                language="en",
                email=f"buyer{index}@example.test",
                user=None,
                address=address(),
                rate_id=rate.pk,
            )
        except CheckoutError as refused:
            return refused.code
        order_mark_paid(order_id=order.pk, actor=SYSTEM)
        return "paid"

    outcomes = _race(200, buy)
    assert outcomes["paid"] == 10
    assert outcomes["sold_out"] == 190
    variant.refresh_from_db()
    assert variant.stock == 0
    assert Order.objects.filter(status=OrderStatus.PAID).count() == 10


def test_voucher_usage_limit_holds_under_concurrent_checkouts(live_world: CatalogWorld) -> None:
    variant = live_world.dress.variants.get()
    variant.stock = 500
    variant.save()
    rate = make_shipping(live_world.shop_a, ["ES"], {"EUR": "5"})
    make_voucher(live_world.shop_a, "FIRST5", usage_limit=5)

    def buy(index: int) -> str:
        try:
            order_place(
                shop=live_world.shop_a,
                items=[(variant.pk, 1)],
                currency="EUR",
                language="en",
                email=f"v{index}@example.test",
                user=None,
                address=address(),
                rate_id=rate.pk,
                voucher_code="FIRST5",
            )
        except CheckoutError as refused:
            return refused.code
        return "ok"

    outcomes = _race(60, buy)
    assert outcomes["ok"] == 5 and outcomes["voucher_used_up"] == 55
    assert Voucher.objects.get(code="FIRST5").used_count == 5
    assert Order.objects.count() == 5
    variant.refresh_from_db()
    assert variant.stock == 495  # refused checkouts gave their stock back
