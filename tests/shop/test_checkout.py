"""Placing orders: server-side pricing, shipping, vouchers, reservations, the state machine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from shop.catalog.models import Variant
from shop.orders.address import AddressError, address_parse
from shop.orders.models import Order, OrderStatus, ReservationStatus
from shop.orders.services import (
    SYSTEM,
    CheckoutError,
    LatePaymentError,
    TransitionError,
    order_add_shipment,
    order_cancel,
    order_mark_paid,
    order_place,
    order_record_refund,
    order_transition,
    reservations_release_expired,
    shipment_add_tracking_event,
)
from tests.factories import CatalogWorld, address, make_shipping, make_voucher

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate(world: CatalogWorld):  # type: ignore[no-untyped-def]
    return make_shipping(world.shop_a, ["ES", "FR"], {"EUR": "6.90"}, free_over="500")


def _place(world: CatalogWorld, rate, **overrides):  # type: ignore[no-untyped-def]
    variant = world.dress.variants.get()
    arguments = dict(
        shop=world.shop_a,
        items=[(variant.pk, 2)],
        currency="EUR",
        language="es",
        email="ana@example.test",
        user=None,
        address=address(),
        rate_id=rate.pk,
    )
    arguments.update(overrides)
    return order_place(**arguments)


def test_order_is_priced_on_the_server_and_stock_reserved(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    order = _place(world, rate)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert (order.subtotal, order.shipping_total, order.total) == (
        Decimal("238.00"),
        Decimal("6.90"),
        Decimal("244.90"),
    )
    assert order.source_type == "storefront" and order.language == "es"
    variant = Variant.objects.get(pk=world.dress.variants.get().pk)
    assert variant.stock == 8  # 10 - 2, held for this order
    reservation = order.reservations.get()
    assert reservation.status == ReservationStatus.RESERVED
    assert (
        dt.timedelta(minutes=9)
        < reservation.expires_at - timezone.now()
        <= dt.timedelta(minutes=10)
    )
    assert order.lines.get().product_name == "Silk dress"  # no "es" text: shop language


def test_a_total_changed_on_the_client_is_refused_and_nothing_recorded(
    world: CatalogWorld, rate
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, expected_total=Decimal("1.00"))
    assert refused.value.code == "price_changed"
    assert Order.objects.count() == 0 and world.dress.variants.get().stock == 10


@pytest.mark.parametrize("quantity", [0, -1, 100])
def test_tampered_quantities_are_refused(world: CatalogWorld, rate, quantity: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckoutError):
        _place(world, rate, items=[(world.dress.variants.get().pk, quantity)])
    assert Order.objects.count() == 0


def test_another_shops_variant_cannot_be_smuggled_in(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, items=[(world.watch.variants.get().pk, 1)])
    assert refused.value.code == "unavailable"


def test_selling_more_than_stock_is_refused(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, items=[(world.dress.variants.get().pk, 11)])
    assert refused.value.code == "sold_out"


def test_shipping_to_an_unserved_country_or_an_unknown_rate(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, address=address(country="US", postal_code="10001"))
    assert refused.value.code == "no_shipping"
    other = make_shipping(world.shop_b, ["ES"], {"USD": "1"})
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, rate_id=other.pk)
    assert refused.value.code == "bad_shipping"


def test_weight_based_rate_and_free_shipping_threshold(world: CatalogWorld) -> None:
    variant = world.dress.variants.get()
    variant.weight_grams = 700
    variant.save()
    rate = make_shipping(
        world.shop_a, ["DE"], {"EUR": "5.00"}, kind="weight", per_kg="2.50", free_over="300"
    )
    order = _place(world, rate, address=address(country="DE", postal_code="10115"))
    assert order.shipping_total == Decimal("10.00")  # 5.00 + 1.4 kg -> 2 started kg x 2.50
    big = _place(
        world, rate, address=address(country="DE", postal_code="10115"), items=[(variant.pk, 3)]
    )
    assert big.shipping_total == 0  # 357 EUR is over the free-shipping threshold


@pytest.mark.parametrize(
    "bad",
    [
        {"country": "XX"},
        {"postal_code": "ABC"},
        {"postal_code": ""},
        {"name": ""},
        {"line1": ""},
        {"phone": "call me maybe"},
        {"city": "x" * 500},
    ],
)
def test_bad_addresses_get_a_clear_error(bad: dict[str, str]) -> None:
    from tests.factories import ADDRESS

    with pytest.raises(AddressError) as invalid:
        address_parse({**ADDRESS, **bad})
    assert invalid.value.errors and all(invalid.value.errors.values())


def test_voucher_discount_limits_and_release(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    voucher = make_voucher(world.shop_a, "SAVE10", usage_limit=1, amounts={"EUR": (None, "100")})
    order = _place(world, rate, voucher_code=" save10 ")
    assert order.discount_total == Decimal("23.80") and order.total == Decimal("221.10")
    voucher.refresh_from_db()
    assert voucher.used_count == 1
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, voucher_code="SAVE10", email="someone-else@example.test")
    assert refused.value.code == "voucher_used_up"
    order_cancel(order_id=order.pk, actor=SYSTEM)
    voucher.refresh_from_db()
    assert voucher.used_count == 0  # an unpaid cancelled order gives its use back


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"ends_at": timezone.now() - dt.timedelta(days=1)}, "voucher_expired"),
        ({"starts_at": timezone.now() + dt.timedelta(days=1)}, "voucher_not_started"),
        ({"is_active": False}, "voucher_not_found"),
    ],
)
def test_unusable_vouchers_are_refused(world: CatalogWorld, rate, fields, code) -> None:  # type: ignore[no-untyped-def]
    make_voucher(world.shop_a, "PROMO", **fields)
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, voucher_code="PROMO")
    assert refused.value.code == code
    assert Order.objects.count() == 0


def test_minimum_spend_and_per_customer_limit(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    make_voucher(world.shop_a, "BIG", amounts={"EUR": (None, "1000")})
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, voucher_code="BIG")
    assert refused.value.code == "voucher_min_spend"
    make_voucher(world.shop_a, "ONCE", per_customer_limit=1)
    _place(world, rate, voucher_code="ONCE")
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, voucher_code="ONCE", email="ANA@example.test")
    assert refused.value.code == "voucher_customer_limit"


def test_fixed_voucher_per_currency_and_other_shops_codes(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    make_voucher(
        world.shop_a, "TWENTY", kind="fixed", percentage=None, amounts={"EUR": ("20", None)}
    )
    make_voucher(world.shop_b, "BSHOP")
    assert _place(world, rate, voucher_code="TWENTY").discount_total == Decimal("20.00")
    with pytest.raises(CheckoutError) as refused:
        _place(world, rate, voucher_code="BSHOP")
    assert refused.value.code == "voucher_not_found"


def test_payment_converts_the_reservation_and_sends_a_localised_email(
    world: CatalogWorld, rate, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    order = _place(world, rate)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, actor=SYSTEM)  # a repeated notification changes nothing
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.paid_at
    assert order.reservations.get().status == ReservationStatus.SOLD
    assert order.events.filter(kind="status:paid").count() == 1
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject and "confirmado" in mail.outbox[0].subject
    assert "token=" in mail.outbox[0].body


def test_expired_reservations_are_released_by_the_beat_job(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    order = _place(world, rate)
    assert reservations_release_expired() == 0
    released = reservations_release_expired(now=timezone.now() + dt.timedelta(minutes=11))
    assert released == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert world.dress.variants.get().stock == 10


def test_late_payment_revives_an_expired_order_or_is_refused_if_sold(
    world: CatalogWorld, rate
) -> None:  # type: ignore[no-untyped-def]
    order = _place(world, rate)
    reservations_release_expired(now=timezone.now() + dt.timedelta(minutes=11))
    order_mark_paid(order_id=order.pk, actor=SYSTEM)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and world.dress.variants.get().stock == 8
    second = _place(world, rate, items=[(world.dress.variants.get().pk, 8)])
    reservations_release_expired(now=timezone.now() + dt.timedelta(minutes=11))
    _place(world, rate, items=[(world.dress.variants.get().pk, 8)])  # someone else buys it all
    with pytest.raises(LatePaymentError):
        order_mark_paid(order_id=second.pk, actor=SYSTEM)
    second.refresh_from_db()
    assert second.status == OrderStatus.CANCELLED and world.dress.variants.get().stock == 0


def test_state_machine_refuses_invalid_transitions(
    world: CatalogWorld, rate, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    order = _place(world, rate)
    with pytest.raises(TransitionError):
        order_transition(order_id=order.pk, status=OrderStatus.SHIPPED, actor=SYSTEM)
    with pytest.raises(TransitionError):
        order_add_shipment(order_id=order.pk, carrier="DHL", tracking_number="1", actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, actor=SYSTEM)
    with pytest.raises(TransitionError):
        order_cancel(order_id=order.pk, actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        shipment = order_add_shipment(
            order_id=order.pk, carrier="DHL", tracking_number="JD0001", actor=SYSTEM
        )
    shipment_add_tracking_event(
        shipment_id=shipment.pk, status="in_transit", location="Leipzig", actor=SYSTEM
    )
    shipment_add_tracking_event(
        shipment_id=shipment.pk, status="delivered", location="Madrid", actor=SYSTEM
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    with pytest.raises(TransitionError):
        order_transition(order_id=order.pk, status=OrderStatus.PAID, actor=SYSTEM)
    order_record_refund(order_id=order.pk, amount=Decimal("44.90"), actor=SYSTEM)
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    with pytest.raises(ValueError):
        order_record_refund(order_id=order.pk, amount=Decimal("500"), actor=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        order_record_refund(order_id=order.pk, amount=Decimal("200.00"), actor=SYSTEM)
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and order.refunded_total == order.total
    kinds = list(order.events.values_list("kind", flat=True))
    assert (
        kinds[0] == "placed" and "status:shipped" in kinds and kinds.count("status:refunded") == 1
    )
    kinds_sent = [
        e.split(":")[1]
        for e in order.events.filter(kind__startswith="email:").values_list("kind", flat=True)
    ]
    assert kinds_sent == ["paid", "shipped", "refunded"] and len(mail.outbox) == 3
