"""Replay reads with their permission checks (``access_*`` raise, views cannot forget them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from liverooms.replays.models import Replay, ReplayStatus
from liverooms.rooms.models import ChatMessage
from shop.accounts.models import User
from shop.orders.models import Order, OrderStatus, SourceType
from shop.shops.selectors import shop_ids_for_user


def can_manage_replay(user: User | AnonymousUser, replay: Replay) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or replay.shop_id in shop_ids_for_user(user))


def published_replays(*, shop_id: int | None = None) -> QuerySet[Replay]:
    """Ready and published replays, newest first (home page, shop page)."""
    replays = Replay.objects.filter(is_published=True, status=ReplayStatus.READY)
    if shop_id is not None:
        replays = replays.filter(shop_id=shop_id)
    return replays.select_related("shop").order_by("-published_at")


def access_replay(
    user: User | AnonymousUser, *, replay_id: int | None = None, slug: str | None = None
) -> Replay:
    """A replay the user may watch: published, or any of their shop's (staff preview).
    Raises Http404 otherwise (an unpublished replay does not exist for shoppers)."""
    lookup = {"pk": replay_id} if replay_id is not None else {"slug": slug}
    replay = Replay.objects.select_related("shop", "room").filter(**lookup).first()
    if replay is None:
        raise Http404("No such replay.")
    if replay.is_published and replay.status == ReplayStatus.READY:
        return replay
    if can_manage_replay(user, replay):
        return replay
    raise Http404("No such replay.")


def replay_chat(replay: Replay, language: str = "") -> list[dict[str, Any]]:
    """The show's chat on the video's clock (seconds from t=0), for chat replay, with each
    line's translation into ``language`` when the show's viewers of that language got one."""
    if replay.starts_at is None:
        return []
    messages = ChatMessage.objects.filter(room_id=replay.room_id, deleted_at__isnull=True)
    return [
        {
            "id": message.pk,
            "offset": round((message.created_at - replay.starts_at).total_seconds(), 3),
            "author": message.author_name,
            "text": message.text,
            "language": message.language,
            "translation": (message.translations or {}).get(language) if language else None,
        }
        for message in messages.order_by("created_at", "pk")
    ]


def replay_stats(replay: Replay) -> dict[str, Any]:
    """Views, watch time, product clicks and orders (Order.source = this replay)."""
    orders = Order.objects.filter(source_type=SourceType.REPLAY, source_id=str(replay.pk))
    paid = orders.exclude(status__in=[OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED])
    totals = {
        row["currency"]: str(row["total"] or Decimal(0))
        for row in paid.values("currency").annotate(total=Sum("total"))
    }
    return {
        "views": replay.views,
        "watch_seconds": replay.watch_seconds,
        "product_clicks": replay.product_clicks,
        "clicks_by_product": dict(replay.clicks.values_list("product_id", "clicks")),
        "orders": orders.aggregate(n=Count("pk"))["n"],
        "paid_orders": paid.count(),
        "revenue": totals,
    }
