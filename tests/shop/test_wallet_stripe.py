"""A coin pack paid with Stripe (the real client against localstripe): the coins are credited
once, whether the confirm call, localstripe's signed webhook or a re-sent webhook says so."""

from __future__ import annotations

import pytest
from django.test import Client

from shop.orders.models import OrderStatus
from shop.payments.models import WebhookEvent
from shop.payments.services import payment_start
from shop.wallet.models import CoinPack, CoinPackPrice, LedgerEntry
from shop.wallet.selectors import wallet_balance
from shop.wallet.services import coin_pack_order
from tests.shop.test_stripe import (  # noqa: F401 - fixtures
    _browser_pays,
    _signed,
    _wait,
    localstripe,
    stripe_shop,
)


@pytest.mark.django_db(transaction=True)
def test_coin_pack_paid_with_stripe_credits_once(stripe_shop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, _rate = stripe_shop
    pack = CoinPack.objects.create(shop=world.shop_b, name="Big pack", coins=600)
    CoinPackPrice.objects.create(pack=pack, currency="USD", amount="19.99")
    order = coin_pack_order(pack_id=pack.pk, user=world.shopper, currency="USD", language="en")
    payment = payment_start(order=order)
    assert payment.gateway == "stripe" and payment.reference.startswith("pi_")

    assert _browser_pays(order, "4242424242424242")["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert wallet_balance(user=world.shopper, shop=world.shop_b) == 600
    assert _wait(lambda: WebhookEvent.objects.filter(kind="payment_intent.succeeded").exists())

    # A replayed success under a new event id (a second delivery path) credits nothing more.
    body, signature = _signed(
        {
            "id": "evt_coins_again",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": payment.reference}},
        }
    )
    response = Client().post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )
    assert response.status_code == 200
    assert wallet_balance(user=world.shopper, shop=world.shop_b) == 600
    assert LedgerEntry.objects.filter(order=order).count() == 1
