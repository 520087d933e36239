"""Cart, checkout pages, the test gateway, order pages, /api/v1/orders/ and admin actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shop.cart.models import Cart
from shop.orders.models import Order, OrderStatus
from shop.orders.services import SYSTEM, order_mark_paid, order_place
from shop.payments.models import Payment
from tests.factories import PASSWORD, CatalogWorld, address, make_shipping

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate(world: CatalogWorld):  # type: ignore[no-untyped-def]
    return make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})


def _add(client: Client, variant_id: int, quantity: int = 1):  # type: ignore[no-untyped-def]
    return client.post(
        "/en/cart/add/",
        {"variant": variant_id, "quantity": quantity},
        HTTP_ACCEPT="application/json",
    )


def _checkout(client: Client, world: CatalogWorld, rate, **changes):  # type: ignore[no-untyped-def]
    data = {
        "email": "ana@example.test",
        "name": "Ana Ruiz",
        "line1": "Calle Mayor 1",
        "city": "Madrid",
        "postal_code": "28001",
        "country": "ES",
        "shipping_rate": rate.pk,
        "action": "place",
    }
    data.update(changes)
    return client.post("/en/checkout/shop-a/", data)


def test_cart_checks_stock_and_quantities(world: CatalogWorld) -> None:
    client = Client()
    variant = world.dress.variants.get()
    assert _add(client, variant.pk, 3).json() == {
        "ok": True,
        "code": "added",
        "message": "Added to your cart.",
        "count": 3,
    }
    assert _add(client, variant.pk, 8).json()["code"] == "insufficient_stock"  # 3 + 8 > 10
    assert _add(client, world.coat_draft.variants.get().pk).json()["code"] == "unavailable"
    assert _add(client, variant.pk, 0).status_code == 400
    assert (
        client.post("/en/cart/add/", {"variant": "x"}, HTTP_ACCEPT="application/json").status_code
        == 400
    )
    page = client.get("/en/cart/")
    assert page.status_code == 200 and "Silk dress" in page.content.decode()


def test_cart_is_repriced_when_the_currency_changes(world: CatalogWorld) -> None:
    client = Client()
    _add(client, world.dress.variants.get().pk)
    client.cookies["showroom_currency"] = "EUR"
    assert "€119.00" in client.get("/en/cart/").content.decode()
    client.cookies["showroom_currency"] = "JPY"
    page = client.get("/en/cart/").content.decode()
    assert "now priced in JPY" in page and "¥19,866" in page
    assert Cart.objects.get().currency == "JPY"


def test_anonymous_cart_merges_into_the_account_on_login(world: CatalogWorld) -> None:
    client = Client()
    variant = world.dress.variants.get()
    _add(client, variant.pk, 2)
    Cart.objects.create(user=world.shopper, currency="EUR").lines.create(
        variant=variant, quantity=1
    )
    response = client.post(
        "/en/accounts/login/", {"username": world.shopper.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    cart = Cart.objects.get(user=world.shopper)
    assert cart.lines.get().quantity == 3
    assert Cart.objects.count() == 1  # the anonymous cart is gone


def test_guest_checkout_then_test_card_payment(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.cookies["showroom_currency"] = "EUR"
    _add(client, world.dress.variants.get().pk, 2)
    page = client.get("/en/checkout/shop-a/")
    assert page.status_code == 200
    response = _checkout(client, world, rate)
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/orders/{order.number}/pay/"
    assert order.total == Decimal("244.90") and order.currency == "EUR"
    assert not Cart.objects.get().lines.exists()
    pay = client.get(f"/en/orders/{order.number}/pay/")
    assert pay.status_code == 200
    declined = client.post(
        f"/en/orders/{order.number}/pay/",
        {"card_number": "4000 0000 0000 0002", "expiry": "12/30", "cvc": "123"},
    )
    assert "Your card was declined." in declined.content.decode()
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    invalid = client.post(
        f"/en/orders/{order.number}/pay/", {"card_number": "1234", "expiry": "13/30", "cvc": "1"}
    )
    assert invalid.status_code == 200 and "incomplete or invalid" in invalid.content.decode()
    paid = client.post(
        f"/en/orders/{order.number}/pay/",
        {"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"},
        follow=True,
    )
    assert Order.objects.get().status == OrderStatus.PAID
    assert "Thank you! Your payment was received." in paid.content.decode()


def test_three_d_secure_test_card_asks_for_confirmation(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    _add(client, world.dress.variants.get().pk)
    _checkout(client, world, rate)
    order = Order.objects.get()
    response = client.post(
        f"/en/orders/{order.number}/pay/",
        {"card_number": "4000002760003184", "expiry": "12/30", "cvc": "123"},
    )
    payment = Payment.objects.get()
    assert response["Location"] == f"/en/payments/test/{payment.pk}/confirm/"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert Client().get(response["Location"]).status_code == 404  # another browser cannot see it
    client.post(response["Location"], {"decision": "approve"})
    assert Order.objects.get().status == OrderStatus.PAID


def test_checkout_form_errors_record_nothing(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    _add(client, world.dress.variants.get().pk)
    page = _checkout(client, world, rate, postal_code="ABCDEFG", email="not-an-email")
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        "Enter a valid postal code for this country." in body
        and "Enter a valid email address." in body
    )
    tampered = _checkout(client, world, rate, expected_total="0.01")
    assert "Prices changed since you loaded the page" in tampered.content.decode()
    wrong_rate = _checkout(client, world, rate, shipping_rate="999999")
    assert wrong_rate.status_code == 200
    assert Order.objects.count() == 0 and world.dress.variants.get().stock == 10


def test_order_page_is_private(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    order = order_place(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="EUR",
        language="en",
        email="x@example.test",
        user=world.shopper,
        address=address(),
        rate_id=rate.pk,
    )
    url = f"/en/orders/{order.number}/"
    assert Client().get(url).status_code == 404
    assert Client().get(url + "?token=forged").status_code == 404
    stranger = Client()
    stranger.force_login(world.owner_b)
    assert stranger.get(url).status_code == 404
    owner = Client()
    owner.force_login(world.shopper)
    assert owner.get(url).status_code == 200
    from shop.orders.selectors import order_access_token

    assert Client().get(f"{url}?token={order_access_token(order)}").status_code == 200


def test_orders_api_lists_only_my_orders_with_tracking(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    from shop.orders.services import order_add_shipment

    mine = order_place(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="JPY",
        language="en",
        email="me@example.test",
        user=world.shopper,
        address=address(),
        rate_id=rate.pk,
    )
    order_place(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="EUR",
        language="en",
        email="other@example.test",
        user=world.owner_b,
        address=address(),
        rate_id=rate.pk,
    )
    order_mark_paid(order_id=mine.pk, actor=SYSTEM)
    order_add_shipment(order_id=mine.pk, carrier="DHL", tracking_number="JD014600", actor=SYSTEM)
    assert Client().get("/api/v1/orders/").status_code == 403
    client = Client()
    client.force_login(world.shopper)
    body = client.get("/api/v1/orders/").json()
    assert body["count"] == 1
    order = body["results"][0]
    assert order["number"] == mine.number and order["status"] == "shipped"
    assert "." not in order["total"]  # JPY
    assert order["shipments"][0]["tracking_number"] == "JD014600"
    assert client.get(f"/api/v1/orders/{mine.number}/").status_code == 200
    other = Order.objects.exclude(pk=mine.pk).get()
    assert client.get(f"/api/v1/orders/{other.number}/").status_code == 404


def test_admin_ships_and_refunds_only_own_shops_orders(world: CatalogWorld, rate) -> None:  # type: ignore[no-untyped-def]
    from shop.payments.services import payment_start, payment_test_charge

    order = order_place(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="EUR",
        language="en",
        email="x@example.test",
        user=None,
        address=address(),
        rate_id=rate.pk,
    )
    payment_test_charge(payment=payment_start(order=order), card_number="4242424242424242")
    other = Client()
    other.force_login(world.owner_b)
    assert other.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 302
    assert (
        other.post(
            reverse("admin:orders_order_refund", args=[order.pk]), {"amount": "10"}
        ).status_code
        == 403
    )
    admin = Client()
    admin.force_login(world.owner_a)
    listing = admin.get(reverse("admin:orders_order_changelist"), {"status__exact": "paid"})
    assert [o.pk for o in listing.context["cl"].result_list] == [order.pk]
    response = admin.post(
        reverse("admin:orders_order_ship", args=[order.pk]),
        {"carrier": "DHL", "tracking_number": "JD1"},
    )
    assert response.status_code == 302
    too_much = admin.post(
        reverse("admin:orders_order_refund", args=[order.pk]), {"amount": "9999"}, follow=True
    )
    assert "Refund between 0 and the amount still paid." in too_much.content.decode()
    admin.post(
        reverse("admin:orders_order_refund", args=[order.pk]),
        {"amount": "25.90", "reason": "damaged"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.refunded_total == Decimal(
        "25.90"
    )
    assert order.payments.get().refunds.get().amount == Decimal("25.90")


def test_the_gateway_can_be_chosen_per_shop(world: CatalogWorld, rate, settings) -> None:  # type: ignore[no-untyped-def]
    from shop.payments.services import payment_start

    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = ""  # Stripe is not configured on this platform
    world.shop_a.payment_gateway = "test"
    world.shop_a.save()
    order = order_place(
        shop=world.shop_a,
        items=[(world.dress.variants.get().pk, 1)],
        currency="EUR",
        language="en",
        email="x@example.test",
        user=None,
        address=address(),
        rate_id=rate.pk,
    )
    assert payment_start(order=order).gateway == "test"
