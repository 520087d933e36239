"""Live-only coupon drops: claimed only while the room is live, never more codes than the
drop holds (PostgreSQL row lock under real concurrency), a per-shopper cap, a unique
single-use code per claim that the shopper sees in their account, closed when sold out,
stopped by the host or when the show ends."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from liverooms.giveaways.models import CouponStatus, RoomCoupon, RoomCouponClaim
from liverooms.giveaways.services import GiveawayError, coupon_claim, coupon_drop, coupon_stop
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import room_end
from shop.vouchers.models import Voucher
from tests.factories import CatalogWorld, build_world, make_user, make_voucher


def _room(world: CatalogWorld, status: str = RoomStatus.LIVE) -> LiveRoom:
    return LiveRoom.objects.create(
        shop=world.shop_a,
        slug="coupon-room",
        title="Coupons",
        scheduled_at=timezone.now(),
        status=status,
    )


def _events(room: LiveRoom, kind: str) -> list[dict[str, Any]]:
    history = events.sync_client().lrange(events.key(room.pk, "history"), 0, -1)
    return [json.loads(f) for f in history if f'"type":"{kind}"' in f]


def _template(world: CatalogWorld) -> Voucher:
    return make_voucher(world.shop_a, "LIVE15", percentage="15", name="Live 15%")


@pytest.mark.django_db
def test_claims_give_own_codes_up_to_the_cap_and_show_in_the_account(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _room(world)
    with django_capture_on_commit_callbacks(execute=True):
        coupon = coupon_drop(
            room=room, voucher_id=_template(world).pk, total=5, per_shopper=2, actor=world.host_a
        )
    [dropped] = _events(room, "coupon.dropped")
    assert dropped["coupon"]["remaining"] == 5 and dropped["coupon"]["percentage"] == "15.00"
    first = coupon_claim(room=room, user=world.shopper)
    second = coupon_claim(room=room, user=world.shopper)
    assert first.code.code != second.code.code
    assert first.code.owner == world.shopper and first.code.usage_limit == 1
    with pytest.raises(GiveawayError) as capped:
        coupon_claim(room=room, user=world.shopper)
    assert capped.value.code == "coupon_limit_reached"
    assert RoomCoupon.objects.get(pk=coupon.pk).claimed == 2
    client = Client()
    client.force_login(world.shopper)
    page = client.get("/en/coupons/").content.decode()
    assert first.code.code in page and second.code.code in page
    other = Client()
    other.force_login(make_user())
    assert first.code.code not in other.get("/en/coupons/").content.decode()


@pytest.mark.django_db
def test_only_while_live_and_closed_by_host_or_show_end(
    world: CatalogWorld, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    room = _room(world, RoomStatus.SCHEDULED)
    template = _template(world)
    with pytest.raises(GiveawayError) as not_live:
        coupon_drop(room=room, voucher_id=template.pk, total=3, per_shopper=1, actor=world.host_a)
    assert not_live.value.code == "room_not_live"
    LiveRoom.objects.filter(pk=room.pk).update(status=RoomStatus.LIVE)
    other_shop = make_voucher(world.shop_b, "THEIRS")
    with pytest.raises(GiveawayError) as foreign:
        coupon_drop(room=room, voucher_id=other_shop.pk, total=3, per_shopper=1, actor=world.host_a)
    assert foreign.value.code == "bad_coupon"
    with pytest.raises(GiveawayError) as too_many:
        coupon_drop(room=room, voucher_id=template.pk, total=3, per_shopper=4, actor=world.host_a)
    assert too_many.value.code == "bad_coupon"
    coupon = coupon_drop(
        room=room, voucher_id=template.pk, total=3, per_shopper=1, actor=world.host_a
    )
    with django_capture_on_commit_callbacks(execute=True):
        coupon_stop(room=room, actor=world.host_a)
    with pytest.raises(GiveawayError) as stopped:
        coupon_claim(room=room, user=world.shopper, coupon_id=coupon.pk)
    assert stopped.value.code == "coupon_closed"
    assert _events(room, "coupon.closed")[-1]["reason"] == "host"
    coupon_drop(room=room, voucher_id=template.pk, total=3, per_shopper=1, actor=world.host_a)
    coupon_claim(room=room, user=world.shopper)
    with django_capture_on_commit_callbacks(execute=True):
        room_end(room=room, actor=world.host_a)
    assert _events(room, "coupon.closed")[-1]["reason"] == "room_ended"
    assert not RoomCoupon.objects.filter(status=CouponStatus.ACTIVE).exists()
    with pytest.raises(GiveawayError) as ended:
        coupon_claim(room=room, user=make_user())
    assert ended.value.code == "room_not_live"
    assert RoomCouponClaim.objects.count() == 1


@pytest.mark.django_db
def test_host_console_drops_for_its_own_shop_only(world: CatalogWorld) -> None:
    room = _room(world)
    template = _template(world)
    url = f"/en/live/{room.slug}/host/action/"
    stranger = Client()
    stranger.force_login(world.owner_b)
    assert (
        stranger.post(url, {"action": "coupon_drop", "voucher_id": template.pk}).status_code == 403
    )
    host = Client()
    host.force_login(world.host_a)
    missing = host.post(url, {"action": "coupon_drop", "voucher_id": template.pk})
    assert missing.status_code == 409 and missing.json()["code"] == "bad_coupon"
    made = host.post(
        url,
        {"action": "coupon_drop", "voucher_id": template.pk, "quantity": 4, "per_buyer_limit": 1},
    )
    assert made.json() == {"ok": True}
    assert RoomCoupon.objects.get().total == 4
    assert host.post(url, {"action": "coupon_stop"}).json() == {"ok": True}
    assert RoomCoupon.objects.get().status == CouponStatus.CLOSED


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL"
)
def test_50_shoppers_race_for_10_codes() -> None:
    world = build_world()
    room = _room(world)
    coupon = coupon_drop(
        room=room, voucher_id=_template(world).pk, total=10, per_shopper=1, actor=world.host_a
    )
    shoppers = [make_user() for _ in range(50)]
    barrier = threading.Barrier(25)

    def claim(user) -> str:  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            return coupon_claim(room=room, user=user).code.code
        except GiveawayError as refused:
            return refused.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=25) as pool:
        results = list(pool.map(claim, shoppers))
    outcomes = Counter(
        "code" if r not in ("coupon_sold_out", "coupon_closed") else r for r in results
    )
    assert outcomes["code"] == 10, outcomes
    assert outcomes["coupon_sold_out"] == 40
    codes = [r for r in results if r not in ("coupon_sold_out", "coupon_closed")]
    assert len(set(codes)) == 10
    coupon.refresh_from_db()
    assert (coupon.claimed, coupon.status, coupon.close_reason) == (10, "closed", "sold_out")
    assert RoomCouponClaim.objects.filter(coupon=coupon).count() == 10
    assert Voucher.objects.filter(template__code="LIVE15", owner__isnull=False).count() == 10
    assert len(_events(room, "coupon.closed")) == 1
