"""The Stripe path end to end: the real ``stripe`` client against localstripe (a stateful fake
Stripe server started here), signed webhooks delivered to our endpoint by localstripe."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests
import stripe
from django.test import Client

from config.services import free_port, port_open
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors import order_access_token
from shop.orders.services import Actor, order_place
from shop.payments.models import PaymentStatus, Refund, WebhookEvent
from shop.payments.services import payment_refund, payment_start, stripe_webhook_handle
from tests.factories import CatalogWorld, address, make_shipping

WEBHOOK_SECRET = "whsec_showroom_test_secret"


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not port_open("127.0.0.1", port):
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("localstripe did not start")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_shop(localstripe: str, live_server, live_world: CatalogWorld, settings):  # type: ignore[no-untyped-def]
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_showroom"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_showroom"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    hook = requests.post(
        f"{localstripe}/_config/webhooks/showroom",
        data={"url": f"{live_server.url}/payments/stripe/webhook/", "secret": WEBHOOK_SECRET},
        timeout=5,
    )
    hook.raise_for_status()
    rate = make_shipping(live_world.shop_b, ["US"], {"USD": "25.00"})
    return live_world, rate


def _client() -> stripe.StripeClient:
    from django.conf import settings

    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY, base_addresses={"api": settings.STRIPE_API_BASE}
    )


def _order(world: CatalogWorld, rate) -> Order:  # type: ignore[no-untyped-def]
    return order_place(
        shop=world.shop_b,
        items=[(world.watch.variants.get().pk, 1)],
        currency="JPY",
        language="en",
        email="buyer@example.test",
        user=None,
        address=address(country="US", postal_code="10001"),
        rate_id=rate.pk,
    )


def _browser_pays(order: Order, card: str) -> dict[str, str]:
    """What the payment page does: Stripe.js makes a PaymentMethod, the page posts it to us."""
    method = _client().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        }
    )
    token = order_access_token(order)
    response = Client().post(
        f"/en/orders/{order.number}/pay/stripe/?token={token}", {"payment_method": method.id}
    )
    return response.json()


def _wait(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _signed(payload: dict[str, object], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={digest}"


@pytest.mark.django_db(transaction=True)
def test_stripe_payment_webhook_duplicate_and_refund(stripe_shop) -> None:  # type: ignore[no-untyped-def]
    world, rate = stripe_shop
    order = _order(world, rate)
    payment = payment_start(order=order)
    assert (
        payment.gateway == "stripe"
        and payment.reference.startswith("pi_")
        and payment.client_secret
    )
    intent = _client().v1.payment_intents.retrieve(payment.reference)
    assert (intent.amount, intent.currency) == (int(order.total), "jpy")  # JPY: whole yen
    assert payment_start(order=order).pk == payment.pk  # a reload reuses the intent

    assert _browser_pays(order, "4242424242424242")["status"] == "succeeded"
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID  # known from the confirm call
    # localstripe's signed webhook arrives too, and changes nothing more.
    assert _wait(lambda: WebhookEvent.objects.filter(kind="payment_intent.succeeded").exists()), (
        "no webhook"
    )
    delivered = WebhookEvent.objects.get(kind="payment_intent.succeeded")

    # The same event delivered again changes nothing.
    event = {
        "id": delivered.event_id,
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": payment.reference}},
    }
    body, signature = _signed(event)
    response = Client().post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert Order.objects.get(pk=order.pk).events.filter(kind="status:paid").count() == 1

    # A partial refund from the admin goes through Stripe and is booked once, even when Stripe
    # later reports it in charge.refunded.
    refund = payment_refund(
        order=Order.objects.get(pk=order.pk), amount=Decimal("10000"), actor=Actor(label="test")
    )
    assert refund.reference.startswith("re_")
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED and order.refunded_total == Decimal(
        "10000"
    )
    charge_event = {
        "id": "evt_refund_1",
        "type": "charge.refunded",
        "data": {
            "object": {
                "id": "ch_1",
                "payment_intent": payment.reference,
                "refunds": {
                    "data": [
                        {"id": refund.reference, "amount": 10000},
                        {"id": "re_dashboard", "amount": 5000},
                    ]
                },
            }
        },
    }
    body, signature = _signed(charge_event)
    response = Client().post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.json()["outcome"] == "refunds_booked:1"  # only the dashboard refund is new
    order.refresh_from_db()
    assert (
        order.refunded_total == Decimal("15000")
        and Refund.objects.filter(payment=payment).count() == 2
    )


@pytest.mark.django_db(transaction=True)
def test_declined_card_leaves_the_order_payable(stripe_shop) -> None:  # type: ignore[no-untyped-def]
    world, rate = stripe_shop
    order = _order(world, rate)
    payment_start(order=order)
    outcome = _browser_pays(order, "4000000000000341")
    assert outcome["status"] == "error" and "declined" in outcome["error"]
    assert _wait(lambda: WebhookEvent.objects.filter(kind="payment_intent.payment_failed").exists())
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    # The shopper tries another card and pays.
    assert _browser_pays(order, "4242424242424242")["status"] == "succeeded"
    assert _wait(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)


@pytest.mark.django_db(transaction=True)
def test_three_d_secure_card_needs_authentication(stripe_shop, localstripe: str) -> None:  # type: ignore[no-untyped-def]
    world, rate = stripe_shop
    order = _order(world, rate)
    payment_start(order=order)
    outcome = _browser_pays(order, "4000002760003184")
    assert outcome["status"] == "requires_action" and outcome["client_secret"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    intent_id = outcome["client_secret"].split("_secret_")[0]
    # Stripe.js's confirmCardPayment on the page: the shopper completes 3-D Secure.
    requests.post(
        f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate?success=true",
        data=json.dumps({"key": "pk_test_showroom", "client_secret": outcome["client_secret"]}),
        timeout=5,
    ).raise_for_status()
    assert _wait(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)


@pytest.mark.django_db(transaction=True)
def test_bad_signatures_get_400_and_change_nothing(stripe_shop) -> None:  # type: ignore[no-untyped-def]
    world, rate = stripe_shop
    order = _order(world, rate)
    payment = payment_start(order=order)
    event = {
        "id": "evt_forged",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": payment.reference}},
    }
    body, _good = _signed(event)
    for signature in ("", "t=1,v1=deadbeef", _signed(event, secret="whsec_wrong")[1]):
        response = Client().post(
            "/payments/stripe/webhook/",
            body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        assert response.status_code == 400
    assert (
        Client()
        .post(
            "/payments/stripe/webhook/",
            b"not json",
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=_signed({})[1],
        )
        .status_code
        == 400
    )
    assert not WebhookEvent.objects.filter(event_id="evt_forged").exists()
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db(transaction=True)
def test_webhooks_in_any_order(stripe_shop) -> None:  # type: ignore[no-untyped-def]
    world, rate = stripe_shop
    order = _order(world, rate)
    payment = payment_start(order=order)
    # A refund report arrives before the success event: the order is paid, then refunded.
    refunded = {
        "id": "evt_a",
        "type": "charge.refunded",
        "data": {
            "object": {
                "payment_intent": payment.reference,
                "refunds": {"data": [{"id": "re_x", "amount": int(order.total)}]},
            }
        },
    }
    assert stripe_webhook_handle(refunded) == "refunds_booked:1"
    succeeded = {
        "id": "evt_b",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": payment.reference}},
    }
    failed_late = {
        "id": "evt_c",
        "type": "payment_intent.payment_failed",
        "data": {"object": {"id": payment.reference}},
    }
    stripe_webhook_handle(succeeded)
    stripe_webhook_handle(failed_late)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and payment.status == PaymentStatus.SUCCEEDED
