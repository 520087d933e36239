"""Replay analytics (views, watch time, product clicks, orders from the replay), chat on the
video clock, and processing a replay again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from liverooms.replays.models import Replay, ReplayStatus
from liverooms.replays.selectors import published_replays, replay_chat, replay_stats
from liverooms.replays.services import (
    ReplayError,
    replay_for_room,
    replay_process,
    replay_publish,
    replay_rebuild,
    replay_record_product_click,
    replay_record_view,
    replay_record_watch,
)
from liverooms.rooms.models import ChatMessage
from shop.orders.models import Order, OrderStatus, SourceType
from tests.factories import CatalogWorld
from tests.replays.conftest import Show, at


def _order(world: CatalogWorld, replay: Replay, status: str, total: str) -> Order:
    return Order.objects.create(
        shop=world.shop_a,
        user=world.shopper,
        email=world.shopper.email,
        currency="EUR",
        subtotal=Decimal(total),
        total=Decimal(total),
        status=status,
        source_type=SourceType.REPLAY,
        source_id=str(replay.pk),
        number=f"R-{replay.pk}-{status}",
    )


@pytest.mark.django_db
def test_counters_clicks_and_orders_from_the_replay(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world, seconds=1.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    replay_record_view(replay=replay)
    replay_record_view(replay=replay)
    replay_record_watch(replay=replay, seconds=42.7)
    replay_record_watch(replay=replay, seconds=10_000)  # one report is capped
    replay_record_product_click(replay=replay, product_id=world.dress.pk)
    replay_record_product_click(replay=replay, product_id=world.dress.pk)
    with pytest.raises(ReplayError):  # another shop's product
        replay_record_product_click(replay=replay, product_id=world.watch.pk)
    _order(world, replay, OrderStatus.PAID, "119.00")
    _order(world, replay, OrderStatus.PENDING_PAYMENT, "50.00")
    replay.refresh_from_db()
    stats = replay_stats(replay)
    assert stats["views"] == 2 and stats["watch_seconds"] == 42 + 300
    assert stats["product_clicks"] == 2 and stats["clicks_by_product"] == {world.dress.pk: 2}
    assert stats["orders"] == 2 and stats["paid_orders"] == 1
    assert stats["revenue"] == {"EUR": "119.0000"}


@pytest.mark.django_db
def test_chat_replays_on_the_video_clock(
    world: CatalogWorld, make_show: Callable[..., Show]
) -> None:
    show = make_show(world, seconds=1.0)
    replay = replay_process(replay_id=replay_for_room(show.room).pk)
    message = ChatMessage.objects.create(
        room=show.room, user=world.shopper, author_name="Ana", text="Love it"
    )
    ChatMessage.objects.filter(pk=message.pk).update(created_at=at(0.5))
    hidden = ChatMessage.objects.create(room=show.room, author_name="X", text="spam")
    ChatMessage.objects.filter(pk=hidden.pk).update(
        created_at=at(0.7), deleted_at=at(0.8) + dt.timedelta(seconds=1)
    )
    assert [(m["offset"], m["text"]) for m in replay_chat(replay)] == [(0.5, "Love it")]
    # The translations the show's Spanish viewers saw live come with the line, for Spanish.
    ChatMessage.objects.filter(pk=message.pk).update(translations={"es": "Me encanta"})
    assert [m["translation"] for m in replay_chat(replay, "es")] == ["Me encanta"]
    assert [m["translation"] for m in replay_chat(replay, "zh-hans")] == [None]


@pytest.mark.django_db
def test_processing_again_unpublishes_and_rebuilds(
    world: CatalogWorld, make_show: Callable[..., Show], django_capture_on_commit_callbacks: Any
) -> None:
    show = make_show(world, seconds=1.0)
    replay = replay_publish(
        replay=replay_process(replay_id=replay_for_room(show.room).pk), actor=world.owner_a
    )
    assert list(published_replays(shop_id=world.shop_a.pk)) == [replay]
    with django_capture_on_commit_callbacks(execute=True):
        replay_rebuild(replay=replay, actor=world.owner_a)
    rebuilt = Replay.objects.get(pk=replay.pk)
    assert rebuilt.status == ReplayStatus.READY and rebuilt.attempts == 2
    assert not rebuilt.is_published and not published_replays().exists()
    with pytest.raises(PermissionDenied):
        replay_rebuild(replay=replay, actor=world.owner_b)
