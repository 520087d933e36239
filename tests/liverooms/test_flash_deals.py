"""Flash deals: live-only price, limited quantity, per-buyer limit, end time; never oversold."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from liverooms.realtime import events
from liverooms.rooms.deals import (
    DealError,
    deal_claimed,
    deal_claimer,
    flash_deal_end,
    flash_deal_start,
)
from liverooms.rooms.models import FlashDeal, LiveRoom, RoomStatus
from shop.orders.models import Order, OrderStatus
from shop.orders.services import SYSTEM, CheckoutError, order_cancel, order_place
from tests.factories import (
    ROOM_BUY as BUY,
)
from tests.factories import (
    CatalogWorld,
    address,
    build_world,
    make_shipping,
    make_user,
)


def _live_room(world: CatalogWorld) -> LiveRoom:
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="deal-room",
        title="Deals",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        pinned_product=world.dress,
    )
    return room


@pytest.mark.django_db
def test_deal_price_limits_and_live_updates(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    with django_capture_on_commit_callbacks(execute=True):
        deal = flash_deal_start(
            room=room,
            price=Decimal("79.00"),
            currency="EUR",
            quantity=3,
            per_buyer_limit=2,
            minutes=10,
            actor=world.host_a,
        )
    assert FlashDeal.objects.get(pk=deal.pk).ended_at is None  # the end-time job did not fire early
    with pytest.raises(DealError):
        flash_deal_start(
            room=room,
            price=Decimal("70"),
            currency="EUR",
            quantity=3,
            per_buyer_limit=1,
            minutes=10,
            actor=world.host_a,
        )
    client = Client()
    client.force_login(world.shopper)
    client.cookies["showroom_currency"] = "EUR"
    variant = world.dress.variants.get()
    quote = client.get(
        f"/en/live/{room.slug}/buy/quote/", {"variant": variant.pk, "quantity": 2, "country": "ES"}
    ).json()
    assert quote["expected_total"] == "164.90"  # 2 x 79.00 deal price + 6.90
    with django_capture_on_commit_callbacks(execute=True):
        paid = client.post(
            f"/en/live/{room.slug}/buy/",
            {**BUY, "variant": variant.pk, "quantity": 2, "shipping_rate": rate.pk},
        ).json()
    assert paid["status"] == "paid"
    assert Order.objects.get(number=paid["order"]).subtotal == Decimal("158.00")
    over = client.post(
        f"/en/live/{room.slug}/buy/", {**BUY, "variant": variant.pk, "shipping_rate": rate.pk}
    ).json()
    assert over["code"] == "deal_limit"  # 2 per buyer
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    assert any('"type":"deal.started"' in f for f in history)
    assert any('"type":"deal.updated"' in f and '"remaining":1' in f for f in history)
    flash_deal_end(deal_id=deal.pk, actor=world.host_a)
    after = client.post(
        f"/en/live/{room.slug}/buy/", {**BUY, "variant": variant.pk, "shipping_rate": rate.pk}
    ).json()
    order = Order.objects.get(number=after["order"])
    assert order.subtotal == Decimal("119.00")  # the deal is over: normal price again


def _events(room: LiveRoom, kind: str) -> list[dict]:  # type: ignore[type-arg]
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    return [json.loads(f) for f in history if f'"type":"{kind}"' in f]


@pytest.mark.django_db
def test_expired_deal_refuses_and_cancelled_orders_give_units_back(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _live_room(world)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    deal = flash_deal_start(
        room=room,
        price=Decimal("50"),
        currency="EUR",
        quantity=1,
        per_buyer_limit=1,
        minutes=5,
        actor=world.host_a,
    )
    variant = world.dress.variants.get()

    def place(user):  # type: ignore[no-untyped-def]
        return order_place(
            shop=world.shop_a,
            items=[(variant.pk, 1)],
            currency="EUR",
            language="en",
            email=user.email,
            user=user,
            address=address(),
            rate_id=rate.pk,
            reserve_extra=deal_claimer(deal, user=user, quantity=1),
        )

    with django_capture_on_commit_callbacks(execute=True):
        first = place(world.shopper)
    # Every viewer's pinned card and deal counter follow the sale ...
    assert _events(room, "product.stock")[-1]["variants"] == [{"id": variant.pk, "stock": 9}]
    assert _events(room, "deal.updated")[-1] == {
        "type": "deal.updated",
        "seq": _events(room, "deal.updated")[-1]["seq"],
        "id": deal.pk,
        "remaining": 0,
    }
    with pytest.raises(CheckoutError) as refused:
        place(make_user())
    assert refused.value.code == "deal_sold_out"
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_id=first.pk, actor=SYSTEM)
    assert deal_claimed(deal) == 0
    # ... and the cancellation: the unit is back on the counter and in stock.
    assert _events(room, "deal.updated")[-1]["remaining"] == 1
    assert _events(room, "product.stock")[-1]["variants"] == [{"id": variant.pk, "stock": 10}]
    place(make_user())  # the unit is available again
    FlashDeal.objects.filter(pk=deal.pk).update(ends_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(CheckoutError) as refused:
        place(make_user())
    assert refused.value.code in ("deal_ended", "deal_sold_out")
    # A staff edit of the stock reaches the card as well.
    with django_capture_on_commit_callbacks(execute=True):
        variant.refresh_from_db()
        variant.stock = 0
        variant.save()
    assert _events(room, "product.stock")[-1]["stock_state"] == "sold_out"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL"
)
def test_40_buyers_race_for_5_deal_units() -> None:
    world = build_world()
    room = _live_room(world)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    variant = world.dress.variants.get()
    variant.stock = 100
    variant.save()
    deal = flash_deal_start(
        room=room,
        price=Decimal("49"),
        currency="EUR",
        quantity=5,
        per_buyer_limit=1,
        minutes=10,
        actor=world.host_a,
    )
    buyers = [make_user() for _ in range(40)]
    barrier = threading.Barrier(20)

    def buy(user) -> str:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=20) if buyers.index(user) < 20 else None
            order_place(
                shop=world.shop_a,
                items=[(variant.pk, 1)],
                currency="EUR",
                language="en",
                email=user.email,
                user=user,
                address=address(),
                rate_id=rate.pk,
                reserve_extra=deal_claimer(deal, user=user, quantity=1),
            )
            return "ok"
        except CheckoutError as refused:
            return refused.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = Counter(pool.map(buy, buyers))
    assert outcomes == {"ok": 5, "deal_sold_out": 35}
    assert deal_claimed(deal) == 5
    variant.refresh_from_db()
    assert variant.stock == 95  # refused buyers' stock reservations were rolled back
    assert Order.objects.filter(status=OrderStatus.PENDING_PAYMENT).count() == 5
