"""Fuzzed gift.send messages in a room that is in a PK battle: only known events and errors
come back, the socket keeps working, and the wallet ledger stays consistent (balance = sum of
entries >= 0, coins spent = coins of gifts recorded, one send per send_id)."""

from __future__ import annotations

import asyncio
import json
import uuid

from django.db.models import Count, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.gifts.models import Gift, GiftSend
from liverooms.realtime.protocol import OUTBOUND_TYPES
from shop.wallet.models import EntryKind, Wallet
from shop.wallet.services import wallet_credit
from tests.liverooms.test_room_fuzz import fuzz_room, json_values  # noqa: F401 - fixture
from tests.liverooms.test_room_socket import connect, receive_until

SEND_IDS = [str(uuid.UUID(int=n)) for n in (1, 2, 3)]
GIFT = "__gift__"  # replaced by the test's gift id

gift_sends = st.fixed_dictionaries(
    {"type": st.just("gift.send")},
    optional={
        "gift_id": st.sampled_from([GIFT, GIFT, 999_999, 0, -1]) | json_values,
        "send_id": st.sampled_from(SEND_IDS) | st.uuids().map(str) | json_values,
        "count": st.integers(-2, 120) | json_values,
        "ref": st.text(max_size=10),
        "extra": json_values,
    },
).map(json.dumps)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(batch=st.lists(gift_sends, min_size=1, max_size=8))
def test_fuzzed_gift_sends_keep_the_ledger_consistent(fuzz_room, batch: list[str]) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world, room = fuzz_room
    gift, _ = Gift.objects.get_or_create(shop=world.shop_a, name="Fuzz rose", coin_price=7)
    wallet_credit(
        user=world.shopper,
        shop_id=world.shop_a.pk,
        amount=300,
        kind=EntryKind.PURCHASE,
        idempotency_key="fuzz-seed",
    )

    async def scenario() -> None:
        from channels.db import database_sync_to_async
        from django.db import connections

        try:
            sender = await connect(room, world.shopper)
            await receive_until(sender, "room.snapshot")
            for text in batch:
                await sender.send_to(text_data=text.replace(f'"{GIFT}"', str(gift.pk)))
            await sender.send_json_to({"type": "ping", "ref": "alive"})
            while True:
                frame = json.loads(await sender.receive_from(timeout=5))
                assert frame["type"] in OUTBOUND_TYPES
                if frame["type"] == "error":
                    assert frame["code"] and "Traceback" not in frame["message"]
                if frame.get("ref") == "alive":
                    break
            await sender.disconnect()
        finally:
            await database_sync_to_async(connections.close_all)()

    asyncio.run(scenario())
    wallet = Wallet.objects.get(user=world.shopper, shop=world.shop_a)
    spent = GiftSend.objects.filter(sender=world.shopper).aggregate(total=Sum("coins"))["total"]
    assert wallet.balance == wallet.entries.aggregate(total=Sum("amount"))["total"] >= 0
    assert wallet.balance == 300 - (spent or 0)
    assert not GiftSend.objects.values("send_id").annotate(n=Count("id")).filter(n__gt=1).exists()
