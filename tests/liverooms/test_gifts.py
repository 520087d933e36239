"""Gifts on the room socket with real Redis and a real database: another viewer sees the
gift, the top-gifters board updates, the sender alone learns its balance, refusals touch
nothing, and a re-sent send_id debits once."""

from __future__ import annotations

import json
import uuid

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from liverooms.gifts.models import Gift, GiftAnimation, GiftSend
from liverooms.gifts.selectors import gift_revenue
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import display_name
from shop.wallet.models import EntryKind, LedgerEntry
from shop.wallet.selectors import wallet_balance
from shop.wallet.services import wallet_credit
from tests.factories import CatalogWorld, build_world, make_user
from tests.liverooms.test_room_socket import (  # noqa: F401 - fixture
    _close_socket_db_connections,
    connect,
    receive_until,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _gift_world() -> tuple[CatalogWorld, LiveRoom, Gift, Gift]:
    world = build_world()
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="gift-show",
        title="Gift show",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        started_at=timezone.now(),
    )
    rose = Gift.objects.create(
        shop=world.shop_a, name="Rose <b>", coin_price=10, animation=GiftAnimation.ROSE
    )
    other_shops = Gift.objects.create(shop=world.shop_b, name="Watch", coin_price=1)
    wallet_credit(
        user=world.shopper,
        shop_id=world.shop_a.pk,
        amount=100,
        kind=EntryKind.PURCHASE,
        idempotency_key="seed",
    )
    return world, room, rose, other_shops


async def _send(socket, gift: Gift, send_id: str, count: int = 1, ref: str = "g1") -> None:  # type: ignore[no-untyped-def]
    await socket.send_to(
        text_data=json.dumps(
            {
                "type": "gift.send",
                "ref": ref,
                "gift_id": gift.pk,
                "send_id": send_id,
                "count": count,
            }
        )
    )


async def test_a_gift_reaches_another_viewer_and_the_board_once_per_send_id() -> None:
    world, room, rose, _ = await sync_to_async(_gift_world)()
    sender = await connect(room, world.shopper)
    snapshot = await receive_until(sender, "room.snapshot")
    assert snapshot["gifts"]["balance"] == 100
    assert [g["name"] for g in snapshot["gifts"]["catalogue"]] == ["Rose <b>"]  # shop A's only
    watcher = await connect(room)  # signed out: watches, never sees balances
    assert (await receive_until(watcher, "room.snapshot"))["gifts"]["balance"] is None

    send_id = str(uuid.uuid4())
    await _send(sender, rose, send_id, count=3)
    seen = await receive_until(watcher, "gift.sent")
    name = display_name(world.shopper)
    assert (seen["sender"], seen["count"], seen["coins"]) == (name, 3, 30)
    assert seen["gift"]["animation"] == "rose" and seen["gift"]["name"] == "Rose <b>"
    board = await receive_until(watcher, "gift.leaderboard")
    assert board["leaderboard"] == [{"rank": 1, "name": name, "coins": 30}]
    reply = await receive_until(sender, "wallet.balance")
    assert (reply["ref"], reply["balance"], reply["replayed"]) == ("g1", 70, False)

    # The same tap re-sent (a reconnect, a double click): nothing more is debited or shown.
    await _send(sender, rose, send_id, count=3, ref="g2")
    again = await receive_until(sender, "wallet.balance")
    assert (again["ref"], again["balance"], again["replayed"]) == ("g2", 70, True)
    assert await sync_to_async(GiftSend.objects.count)() == 1
    assert await sync_to_async(LedgerEntry.objects.filter(kind=EntryKind.GIFT).count)() == 1
    assert await sync_to_async(gift_revenue)(room) == {"coins": 30, "sends": 1, "gifters": 1}
    for socket in (sender, watcher):
        await socket.disconnect()


async def test_refused_gifts_touch_nothing() -> None:
    world, room, rose, other_shops = await sync_to_async(_gift_world)()
    poor = await sync_to_async(make_user)("poor@example.test")
    rich = await connect(room, world.shopper)
    await receive_until(rich, "room.snapshot")
    broke = await connect(room, poor)
    await receive_until(broke, "room.snapshot")
    anonymous = await connect(room)
    await receive_until(anonymous, "room.snapshot")

    await _send(broke, rose, str(uuid.uuid4()))
    assert (await receive_until(broke, "error"))["code"] == "insufficient_coins"
    await _send(rich, rose, str(uuid.uuid4()), count=11)  # 110 coins > 100
    refused = await receive_until(rich, "error")
    assert (refused["code"], refused["ref"]) == ("insufficient_coins", "g1")
    await _send(rich, other_shops, str(uuid.uuid4()))  # another shop's gift
    assert (await receive_until(rich, "error"))["code"] == "gift_not_found"
    await _send(anonymous, rose, str(uuid.uuid4()))
    assert (await receive_until(anonymous, "error"))["code"] == "auth_required"
    for bad in ({"send_id": "not-a-uuid"}, {"count": 100}, {"count": 0}, {"gift_id": "x"}):
        message = {
            "type": "gift.send",
            "gift_id": rose.pk,
            "send_id": str(uuid.uuid4()),
            "count": 1,
            **bad,
        }
        await rich.send_to(text_data=json.dumps(message))
        assert (await receive_until(rich, "error"))["code"] == "invalid_message"
    used = str(uuid.uuid4())
    await _send(rich, rose, used, count=1)
    await receive_until(rich, "wallet.balance")
    await _send(rich, rose, used, count=2)  # the same send_id for a different gift
    assert (await receive_until(rich, "error"))["code"] == "idempotency_conflict"

    await _send(rich, rose, str(uuid.uuid4()))  # 10 gift.send in a burst: slow down
    assert (await receive_until(rich, "error"))["code"] == "rate_limited"

    await sync_to_async(LiveRoom.objects.filter(pk=room.pk).update)(status=RoomStatus.ENDED)
    late = await connect(room, world.shopper)
    await receive_until(late, "room.snapshot")
    await _send(late, rose, str(uuid.uuid4()))
    assert (await receive_until(late, "error"))["code"] == "room_not_live"
    assert await sync_to_async(GiftSend.objects.count)() == 1
    assert await sync_to_async(wallet_balance)(user=world.shopper, shop=world.shop_a) == 90
    assert await sync_to_async(wallet_balance)(user=poor, shop=world.shop_a) == 0
    for socket in (rich, broke, anonymous, late):
        await socket.disconnect()


async def test_room_page_and_host_stats_show_gifts_to_the_right_people() -> None:
    await sync_to_async(_room_page_and_host_stats)()


def _room_page_and_host_stats() -> None:
    from django.test import Client

    world, room, rose, _ = _gift_world()
    GiftSend.objects.create(
        room=room, sender=world.shopper, gift=rose, count=2, coins=20, send_id=uuid.uuid4()
    )
    page = Client()
    page.force_login(world.shopper)
    html = page.get(f"/en/live/{room.slug}/").content.decode()
    assert 'id="gifts"' in html and "/en/coins/?shop=shop-a" in html
    assert page.get(f"/en/live/{room.slug}/host/stats/").status_code == 403
    staff = Client()
    staff.force_login(world.owner_b)  # another shop's owner
    assert staff.get(f"/en/live/{room.slug}/host/stats/").status_code == 403
    staff.force_login(world.host_a)
    stats = staff.get(f"/en/live/{room.slug}/host/stats/").json()
    assert stats["gifts"] == {"coins": 20, "sends": 1, "gifters": 1}
