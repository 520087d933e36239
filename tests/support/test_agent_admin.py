"""The merchant edits store policies and size charts, and sees return requests, of their own
shop only; the demo loader brings policies and size charts, idempotently."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shop.accounts.models import User
from shop.catalog.models import Product, SizeChart
from shop.demo.services import demo_load
from shop.orders.models import ReturnRequest
from support.agent.models import StorePolicy
from tests.factories import CatalogWorld
from tests.support.agent_world import make_order

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_owner_sees_and_edits_only_their_shops_policies(world: CatalogWorld) -> None:
    own = StorePolicy.objects.create(
        shop=world.shop_a, kind="shipping", language="en", title="Shipping A", body="A"
    )
    other = StorePolicy.objects.create(
        shop=world.shop_b, kind="shipping", language="en", title="Shipping B", body="B"
    )
    client = client_for(world.owner_a)
    listing = client.get(reverse("admin:support_agent_storepolicy_changelist"))
    assert listing.status_code == 200
    assert {p.pk for p in listing.context["cl"].result_list} == {own.pk}
    url = reverse("admin:support_agent_storepolicy_change", args=[other.pk])
    assert client.get(url).status_code in (302, 404)
    response = client.post(
        reverse("admin:support_agent_storepolicy_change", args=[own.pk]),
        {
            "shop": world.shop_a.pk,
            "kind": "shipping",
            "language": "en",
            "title": "T",
            "body": "New",
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.body == "New"


def test_size_charts_and_returns_are_scoped(world: CatalogWorld) -> None:
    SizeChart.objects.create(shop=world.shop_a, name="A chart", rows=[])
    SizeChart.objects.create(shop=world.shop_b, name="B chart", rows=[])
    order_b = make_order(world.shop_b, world.shopper, "SRADMB2345")
    ReturnRequest.objects.create(order=order_b)
    client = client_for(world.owner_a)
    charts = client.get(reverse("admin:catalog_sizechart_changelist"))
    assert [c.name for c in charts.context["cl"].result_list] == ["A chart"]
    returns = client.get(reverse("admin:orders_returnrequest_changelist"))
    assert returns.status_code == 200
    assert list(returns.context["cl"].result_list) == []
    assert (
        client_for(world.owner_b)
        .get(reverse("admin:orders_returnrequest_changelist"))
        .context["cl"]
        .result_count
        == 1
    )


def test_demo_brings_policies_and_size_charts_idempotently() -> None:
    demo_load()
    counts = (StorePolicy.objects.count(), SizeChart.objects.count())
    demo_load()
    assert (StorePolicy.objects.count(), SizeChart.objects.count()) == counts
    assert StorePolicy.objects.filter(shop__slug="atelier-lumiere", language="es").count() == 3
    dress = Product.objects.get(slug="silk-wrap-dress")
    assert dress.size_chart is not None and dress.size_chart.name == "Dresses and knitwear"
    assert Product.objects.get(slug="leather-tote-bag").size_chart is None
