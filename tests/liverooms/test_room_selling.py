"""Pinned products reach every viewer, buying in the room records the room, and the room
announces the purchase."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import RoomError, room_pin_product
from shop.orders.models import Order, OrderStatus
from tests.factories import ROOM_BUY as BUY
from tests.factories import CatalogWorld, build_world, make_shipping
from tests.liverooms.test_room_socket import connect, receive_until


def _room(world: CatalogWorld) -> LiveRoom:
    return LiveRoom.objects.create(
        shop=world.shop_a,
        slug="selling",
        title="Selling",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_pinned_product_reaches_viewers_in_every_currency() -> None:
    world = await sync_to_async(build_world)()
    room = await sync_to_async(_room)(world)
    viewer = await connect(room)
    snapshot = await receive_until(viewer, "room.snapshot")
    assert snapshot["pinned_product"] is None
    await sync_to_async(room_pin_product)(room=room, product_id=world.dress.pk, actor=world.host_a)
    pinned = (await receive_until(viewer, "product.pinned"))["product"]
    assert pinned["names"]["zh-hans"] == "真丝连衣裙" and pinned["names"]["es"] == "Silk dress"
    assert pinned["prices"]["EUR"] == {"amount": "119.00", "digits": 2, "from": False}
    assert pinned["prices"]["JPY"]["digits"] == 0 and "." not in pinned["prices"]["JPY"]["amount"]
    assert pinned["variants"][0]["stock"] == 10
    late = await connect(room)
    assert (await receive_until(late, "room.snapshot"))["pinned_product"]["id"] == world.dress.pk
    with pytest.raises(RoomError):  # another shop's product cannot be pinned here
        await sync_to_async(room_pin_product)(
            room=room, product_id=world.watch.pk, actor=world.host_a
        )
    await sync_to_async(room_pin_product)(room=room, product_id=None, actor=world.host_a)
    await receive_until(viewer, "product.unpinned")
    await viewer.disconnect()
    await late.disconnect()


@pytest.mark.django_db
def test_buying_in_the_room_records_it_and_announces_the_sale(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _room(world)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    variant = world.dress.variants.get()
    anonymous = Client()
    assert (
        anonymous.post(f"/en/live/{room.slug}/buy/", {**BUY, "variant": variant.pk}).status_code
        == 302
    )  # sign in first
    client = Client()
    client.force_login(world.shopper)
    client.cookies["showroom_currency"] = "EUR"
    quote = client.get(
        f"/en/live/{room.slug}/buy/quote/", {"variant": variant.pk, "quantity": 1, "country": "ES"}
    ).json()
    assert quote["shipping_options"][0]["id"] == rate.pk and quote["expected_total"] == "125.90"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/live/{room.slug}/buy/",
            {
                **BUY,
                "variant": variant.pk,
                "shipping_rate": rate.pk,
                "expected_total": quote["expected_total"],
            },
        )
    body = response.json()
    assert body["ok"] and body["status"] == "paid", body
    order = Order.objects.get(number=body["order"])
    assert (order.source_type, order.source_id, order.status) == (
        "live_room",
        str(room.pk),
        OrderStatus.PAID,
    )
    assert (
        order.user == world.shopper
        and order.total.compare(order.subtotal + order.shipping_total) == 0
    )
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    bought = [json.loads(f) for f in history if '"type":"order.bought"' in f]
    assert bought and bought[0]["buyer"] == "A***" and bought[0]["names"]["default"] == "Silk dress"
    assert "shopper" not in json.dumps(bought)  # no e-mail or account name leaks


@pytest.mark.django_db
def test_in_room_checkout_errors_are_clear_and_record_nothing(world: CatalogWorld) -> None:
    room = _room(world)
    rate = make_shipping(world.shop_a, ["ES"], {"EUR": "6.90"})
    client = Client()
    client.force_login(world.shopper)
    variant = world.dress.variants.get()
    bad_address = client.post(
        f"/en/live/{room.slug}/buy/",
        {**BUY, "variant": variant.pk, "shipping_rate": rate.pk, "postal_code": "nope"},
    )
    assert bad_address.status_code == 400 and "postal_code" in bad_address.json()["errors"]
    other_shop = client.post(
        f"/en/live/{room.slug}/buy/",
        {**BUY, "variant": world.watch.variants.get().pk, "shipping_rate": rate.pk},
    )
    assert other_shop.status_code == 409 and other_shop.json()["code"] == "unavailable"
    tampered = client.post(
        f"/en/live/{room.slug}/buy/",
        {**BUY, "variant": variant.pk, "shipping_rate": rate.pk, "expected_total": "1.00"},
    )
    assert tampered.json()["code"] == "price_changed"
    assert Order.objects.count() == 0
    declined = client.post(
        f"/en/live/{room.slug}/buy/",
        {**BUY, "variant": variant.pk, "shipping_rate": rate.pk, "card_number": "4000000000000002"},
    )
    assert declined.status_code == 402 and declined.json()["code"] == "card_declined"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT  # can still be paid
