"""The room services write the timeline replays take their chapters from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from liverooms.replays.models import RoomTimelineEvent
from liverooms.rooms.deals import flash_deal_end, flash_deal_start
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.services import RoomError, room_pin_product
from tests.factories import CatalogWorld


@pytest.mark.django_db
def test_pins_unpins_and_deals_are_on_the_timeline(world: CatalogWorld) -> None:
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="tl",
        title="TL",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
    )
    before = timezone.now()
    room_pin_product(room=room, product_id=world.dress.pk, actor=world.host_a)
    with pytest.raises(RoomError):  # refused pins leave no trace
        room_pin_product(room=room, product_id=world.watch.pk, actor=world.host_a)
    deal = flash_deal_start(
        room=room,
        price=Decimal("99"),
        currency="USD",
        quantity=5,
        per_buyer_limit=1,
        minutes=5,
        actor=world.host_a,
    )
    flash_deal_end(deal_id=deal.pk, actor=world.host_a)
    flash_deal_end(deal_id=deal.pk, actor=world.host_a)  # already ended: not twice
    room_pin_product(room=room, product_id=None, actor=world.host_a)
    room_pin_product(room=room, product_id=None, actor=world.host_a)  # nothing pinned
    events = list(RoomTimelineEvent.objects.filter(room=room))
    assert [(e.kind, e.product_id) for e in events] == [
        ("pin", world.dress.pk),
        ("deal_start", world.dress.pk),
        ("deal_end", world.dress.pk),
        ("unpin", world.dress.pk),
    ]
    assert events[1].deal_id == deal.pk
    assert all(before <= e.at <= timezone.now() for e in events)


@pytest.mark.django_db
def test_a_deal_ended_late_by_its_timer_ends_on_the_timeline_at_its_end_time(
    world: CatalogWorld,
) -> None:
    room = LiveRoom.objects.create(
        shop=world.shop_a,
        slug="late",
        title="Late",
        scheduled_at=timezone.now(),
        status=RoomStatus.LIVE,
        pinned_product=world.dress,
    )
    deal = flash_deal_start(
        room=room,
        price=Decimal("99"),
        currency="USD",
        quantity=5,
        per_buyer_limit=1,
        minutes=1,
        actor=world.host_a,
    )
    ends_at = timezone.now() - dt.timedelta(seconds=30)
    type(deal).objects.filter(pk=deal.pk).update(ends_at=ends_at)
    flash_deal_end(deal_id=deal.pk)  # the Celery timer, late
    assert RoomTimelineEvent.objects.get(room=room, kind="deal_end").at == ends_at
