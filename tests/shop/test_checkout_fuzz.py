"""Fuzzed checkout forms and signed-but-strange Stripe events: clear errors, never a crash."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.orders.models import Order
from tests.factories import CatalogWorld, make_shipping

FIELDS = [
    "email",
    "name",
    "line1",
    "line2",
    "city",
    "postal_code",
    "region",
    "country",
    "phone",
    "shipping_rate",
    "voucher_code",
    "expected_total",
    "action",
]
text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.dictionaries(st.sampled_from(FIELDS), text, max_size=len(FIELDS)))
def test_checkout_post_never_crashes(world: CatalogWorld, form: dict[str, str]) -> None:
    if not world.shop_a.shipping_zones.exists():  # hypothesis reuses the fixture's data
        make_shipping(world.shop_a, ["ES"], {"EUR": "5"})
    client = Client()
    client.post("/en/cart/add/", {"variant": world.dress.variants.get().pk, "quantity": 1})
    response = client.post("/en/checkout/shop-a/", {**form, "action": form.get("action", "place")})
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # only a fully valid form may create an order
        assert Order.objects.filter(email=form.get("email", "").strip()).exists()


def _signed(body: bytes, secret: str) -> str:
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=10,
)


@pytest.mark.django_db
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(
        ["payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded", "other"]
    ),
    obj=json_values,
    event_id=text,
)
def test_signed_strange_webhooks_get_200_or_400(
    settings_fixture_secret, kind, obj, event_id
) -> None:  # type: ignore[no-untyped-def]
    body = json.dumps({"id": event_id, "type": kind, "data": {"object": obj}}).encode()
    response = Client().post(
        "/payments/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=_signed(body, settings_fixture_secret),
    )
    assert response.status_code in (200, 400)


@pytest.fixture
def settings_fixture_secret(settings) -> str:  # type: ignore[no-untyped-def]
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    return "whsec_fuzz"
