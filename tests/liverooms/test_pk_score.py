"""PK scores: coins of gifts (plus weighted likes) received in each room during the battle
window; gifts and likes before or after do not count; the final scores and the winner are
stored on the battle and announced in both rooms."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from liverooms.gifts.models import Gift
from liverooms.gifts.pk_score import pk_scores_tick
from liverooms.gifts.services import gift_send
from liverooms.media.models import PkBattle, PkEndReason, PkStatus
from liverooms.media.pk import pk_accept, pk_end, pk_expire, pk_invite
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom
from shop.wallet.models import EntryKind
from shop.wallet.services import wallet_credit
from tests.liverooms.test_pk import _events, rooms  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _likes(room: LiveRoom, count: int) -> None:
    """What the hub does when it flushes a room's likes."""
    events.sync_client().incrby(events.key(room.pk, "likes"), count)


@pytest.fixture
def gifting(rooms: Any) -> Any:  # noqa: F811
    world, room_a, room_b = rooms
    gifts = {
        room_a.pk: Gift.objects.create(shop=world.shop_a, name="Rose", coin_price=10),
        room_b.pk: Gift.objects.create(shop=world.shop_b, name="Rocket", coin_price=25),
    }
    for shop in (world.shop_a, world.shop_b):
        wallet_credit(
            user=world.shopper,
            shop_id=shop.pk,
            amount=1000,
            kind=EntryKind.PURCHASE,
            idempotency_key="seed",
        )

    def give(room: LiveRoom, count: int = 1) -> None:
        gift_send(
            room=room,
            user=world.shopper,
            gift_id=gifts[room.pk].pk,
            count=count,
            send_id=uuid.uuid4(),
        )

    return world, room_a, room_b, give


@override_settings(PK_LIKE_WEIGHT=0.1)
def test_gifts_and_likes_in_the_window_decide_the_winner(gifting: Any) -> None:
    world, room_a, room_b, give = gifting
    give(room_a, 5)  # before the battle: not counted
    _likes(room_a, 50)
    pk_invite(room=room_a, target_slug=room_b.slug, actor=world.host_a)
    give(room_b, 4)  # invited but not started yet: not counted
    battle = pk_accept(room=room_b, actor=world.owner_b)
    assert battle.likes_at_start == {str(room_a.pk): 50, str(room_b.pk): 0}

    _likes(room_a, 20)  # 20 likes x 0.1 = 2 points
    give(room_a, 3)  # 30 coins
    give(room_b)  # 25 coins
    for room in (room_a, room_b):  # both rooms hear the live scores
        latest = _events(room, "pk.score")[-1]
        assert (latest["id"], latest["inviter"], latest["invitee"]) == (battle.pk, 32.0, 25.0)
        assert latest["final"] is False and latest["winner"] is None
    assert pk_scores_tick() == 0  # nothing moved since the gifts were published
    _likes(room_b, 10)
    assert pk_scores_tick() == 1  # likes alone move the score on the tick
    assert _events(room_a, "pk.score")[-1]["invitee"] == 26.0

    pk_end(room=room_a, actor=world.host_a)
    give(room_a, 10)  # after the end: not counted
    _likes(room_b, 500)
    battle.refresh_from_db()
    assert (battle.inviter_score, battle.invitee_score) == (Decimal("32.00"), Decimal("26.00"))
    assert battle.winner_room_id == room_a.pk
    for room in (room_a, room_b):
        ended = _events(room, "pk.ended")[-1]["pk"]
        assert ended["status"] == PkStatus.ENDED
        assert ended["scores"] == {
            "inviter": 32.0,
            "invitee": 26.0,
            "final": True,
            "winner": room_a.slug,
            "draw": False,
        }


def test_time_up_stores_scores_once_and_a_tie_is_a_draw(gifting: Any) -> None:
    world, room_a, room_b, give = gifting
    pk_invite(room=room_b, target_slug=room_a.slug, actor=world.owner_b, duration_seconds=60)
    battle = pk_accept(room=room_a, actor=world.host_a)
    give(room_b, 2)  # 50
    give(room_a, 5)  # 50
    # The battle's time is up; a gift arriving before the timed job runs is outside the window.
    PkBattle.objects.filter(pk=battle.pk).update(ends_at=timezone.now())
    give(room_b, 1)
    assert pk_expire(battle_id=battle.pk) is True
    battle.refresh_from_db()
    assert battle.end_reason == PkEndReason.TIME_UP
    assert (battle.inviter_score, battle.invitee_score, battle.winner_room_id) == (
        Decimal("50.00"),
        Decimal("50.00"),
        None,
    )
    assert _events(room_a, "pk.ended")[-1]["pk"]["scores"]["draw"] is True
    assert pk_expire(battle_id=battle.pk) is False  # a second run changes nothing
    battle.refresh_from_db()
    assert battle.inviter_score == Decimal("50.00")
