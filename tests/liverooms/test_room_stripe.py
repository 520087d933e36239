"""Paying with Stripe inside the room drawer: the card is collected by Stripe.js on the room
page, the server confirms the intent, 3-D Secure finishes in the drawer; the real ``stripe``
client against localstripe."""

from __future__ import annotations

import json

import pytest
import requests
from django.test import Client
from django.utils import timezone

from liverooms.rooms.models import LiveRoom, RoomStatus
from shop.orders.models import Order, OrderStatus
from tests.shop.test_stripe import _client, localstripe, stripe_shop  # noqa: F401 - fixtures

ADDRESS = {
    "quantity": 1,
    "name": "Ana Ruiz",
    "line1": "5th Avenue 1",
    "city": "New York",
    "postal_code": "10001",
    "country": "US",
}


def _method(card: str) -> str:
    """What Stripe.js's createPaymentMethod does in the drawer."""
    return (
        _client()
        .v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
            }
        )
        .id
    )


def _buyer(world) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(world.shopper)
    client.cookies["showroom_currency"] = "USD"
    return client


def _buy(client: Client, room: LiveRoom, world, rate, card: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    variant = world.watch.variants.get()
    quote = client.get(
        f"/en/live/{room.slug}/buy/quote/",
        {"variant": variant.pk, "quantity": 1, "country": "US", "shipping_rate": rate.pk},
    ).json()
    response = client.post(
        f"/en/live/{room.slug}/buy/",
        {
            **ADDRESS,
            "variant": variant.pk,
            "shipping_rate": rate.pk,
            "expected_total": quote["expected_total"],
            "payment_method": _method(card),
        },
    )
    return response.status_code, response.json()


@pytest.mark.django_db(transaction=True)
def test_stripe_drawer_pays_declines_and_runs_three_d_secure(stripe_shop, localstripe) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, rate = stripe_shop
    room = LiveRoom.objects.create(
        shop=world.shop_b,
        slug="stripe-room",
        title="Watches",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    client = _buyer(world)
    page = client.get(f"/en/live/{room.slug}/").content.decode()
    assert 'id="buy-card-element"' in page and 'data-key="pk_test_showroom"' in page
    assert 'name="card_number"' not in page  # the card never touches our server

    status, body = _buy(client, room, world, rate, "4242424242424242")
    assert status == 200 and body["status"] == "paid", body
    order = Order.objects.get(number=body["order"])
    assert (order.status, order.source_type, order.source_id) == (
        OrderStatus.PAID,
        "live_room",
        str(room.pk),
    )

    status, body = _buy(client, room, world, rate, "4000000000000341")
    assert status == 402 and body["code"] == "card_declined" and body["pay_url"], body
    assert Order.objects.get(number=body["order"]).status == OrderStatus.PENDING_PAYMENT

    status, body = _buy(client, room, world, rate, "4000002760003184")
    assert status == 200 and body["status"] == "requires_action" and body["client_secret"], body
    check = client.post(body["check_url"])
    assert check.status_code == 402 and check.json()["code"] == "not_paid"
    # Stripe.js's confirmCardPayment in the drawer: the shopper completes 3-D Secure.
    intent_id = body["client_secret"].split("_secret_")[0]
    requests.post(
        f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate?success=true",
        data=json.dumps({"key": "pk_test_showroom", "client_secret": body["client_secret"]}),
        timeout=5,
    ).raise_for_status()
    check = client.post(body["check_url"])
    assert check.status_code == 200 and check.json()["status"] == "paid", check.json()
    assert Order.objects.get(number=body["order"]).status == OrderStatus.PAID
    # Someone else cannot poke at this order's payment.
    other = Client()
    other.force_login(world.host_a)
    assert other.post(body["check_url"]).status_code == 404
