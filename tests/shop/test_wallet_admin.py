"""Coins and gifts in the merchant admin: each shop's staff see only their shop's gifts,
sends, gift revenue per room, coin packs, wallets and ledger; the ledger is read-only."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from liverooms.gifts.models import Gift, GiftSend
from liverooms.rooms.models import LiveRoom, RoomStatus
from shop.orders.models import OrderStatus
from shop.wallet.models import CoinPack, CoinPackPrice, EntryKind, LedgerEntry, Wallet
from shop.wallet.services import coin_pack_order, wallet_credit
from tests.factories import CatalogWorld

pytestmark = pytest.mark.django_db


def _client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def gifts_in_two_shops(world: CatalogWorld) -> dict[str, object]:
    made: dict[str, object] = {}
    for key, shop in (("a", world.shop_a), ("b", world.shop_b)):
        room = LiveRoom.objects.create(
            shop=shop,
            slug=f"room-{key}",
            title=f"Room {key}",
            scheduled_at=timezone.now(),
            status=RoomStatus.LIVE,
        )
        gift = Gift.objects.create(shop=shop, name=f"Gift {key}", coin_price=5)
        wallet_credit(
            user=world.shopper,
            shop_id=shop.pk,
            amount=100,
            kind=EntryKind.PURCHASE,
            idempotency_key="seed",
        )
        GiftSend.objects.create(
            room=room, sender=world.shopper, gift=gift, count=3, coins=15, send_id=uuid.uuid4()
        )
        pack = CoinPack.objects.create(shop=shop, name=f"Pack {key}", coins=100)
        CoinPackPrice.objects.create(pack=pack, currency="USD", amount="1.99")
        made.update({f"room_{key}": room, f"gift_{key}": gift, f"pack_{key}": pack})
    return made


@pytest.mark.parametrize(
    ("admin_name", "model"),
    [
        ("gifts_gift", Gift),
        ("gifts_giftsend", GiftSend),
        ("gifts_roomgiftrevenue", LiveRoom),
        ("wallet_coinpack", CoinPack),
        ("wallet_wallet", Wallet),
        ("wallet_ledgerentry", LedgerEntry),
    ],
)
def test_each_shop_sees_only_its_own_rows(
    world: CatalogWorld, gifts_in_two_shops: dict[str, object], admin_name: str, model: type
) -> None:
    response = _client_for(world.owner_a).get(reverse(f"admin:{admin_name}_changelist"))
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert rows
    path = {
        Gift: "shop",
        GiftSend: "room.shop",
        LiveRoom: "shop",
        CoinPack: "shop",
        Wallet: "shop",
        LedgerEntry: "wallet.shop",
    }[model]
    for row in rows:
        owner = row
        for part in path.split("."):
            owner = getattr(owner, part)
        assert owner == world.shop_a


def test_gift_revenue_per_room_and_read_only_ledger(
    world: CatalogWorld, gifts_in_two_shops: dict[str, object]
) -> None:
    client = _client_for(world.owner_a)
    page = client.get(reverse("admin:gifts_roomgiftrevenue_changelist")).content.decode()
    assert "Room a" in page and "Room b" not in page
    assert ">15<" in page  # the room's gift coins
    entry = LedgerEntry.objects.filter(wallet__shop=world.shop_a).first()
    assert client.get(reverse("admin:wallet_ledgerentry_add")).status_code == 403
    client.post(reverse("admin:wallet_ledgerentry_delete", args=[entry.pk]), {"post": "yes"})
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    other_gift = gifts_in_two_shops["gift_b"]
    response = client.get(reverse("admin:gifts_gift_change", args=[other_gift.pk]))  # type: ignore[attr-defined]
    assert response.status_code in (302, 403, 404)
    assert b"Gift b" not in response.content
    # The host of shop A may look at gifts but not change the catalogue.
    host = _client_for(world.host_a)
    assert host.get(reverse("admin:gifts_gift_changelist")).status_code == 200
    assert host.get(reverse("admin:gifts_gift_add")).status_code == 403


def test_coin_order_page_renders_for_its_buyer(
    world: CatalogWorld, gifts_in_two_shops: dict[str, object]
) -> None:
    pack = gifts_in_two_shops["pack_b"]
    order = coin_pack_order(pack_id=pack.pk, user=world.shopper, currency="EUR", language="en")  # type: ignore[attr-defined]
    assert order.status == OrderStatus.PENDING_PAYMENT and order.currency == "EUR"
    page = _client_for(world.shopper).get(f"/en/orders/{order.number}/")
    assert page.status_code == 200
    assert "Pack b" in page.content.decode()
