"""Gift reads: a shop's catalogue, a room's top gifters, gift revenue, the snapshot part."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Sum

from liverooms.gifts.models import Gift, GiftSend
from liverooms.rooms.models import LiveRoom
from shop.accounts.models import User

LEADERBOARD_SIZE = 10


def gift_dict(gift: Gift) -> dict[str, Any]:
    return {
        "id": gift.pk,
        "name": gift.name,
        "image": gift.image.url if gift.image else "",
        "animation": gift.animation,
        "coins": gift.coin_price,
    }


def gift_catalogue(shop_id: int) -> list[dict[str, Any]]:
    return [gift_dict(gift) for gift in Gift.objects.filter(shop_id=shop_id, active=True)]


def gift_leaderboard(room_id: int) -> list[dict[str, Any]]:
    """The room's top gifters by coins (names only: viewers never see account ids)."""
    from liverooms.rooms.selectors import display_name

    rows = list(
        GiftSend.objects.filter(room_id=room_id)
        .values("sender_id")
        .annotate(coins=Sum("coins"))
        .order_by("-coins", "sender_id")[:LEADERBOARD_SIZE]
    )
    users = User.objects.in_bulk([row["sender_id"] for row in rows])
    return [
        {"rank": rank, "name": display_name(users[row["sender_id"]]), "coins": row["coins"]}
        for rank, row in enumerate(rows, start=1)
    ]


def gift_revenue(room: LiveRoom) -> dict[str, int]:
    """Coins received in the room as gifts (merchant-only figures)."""
    totals = GiftSend.objects.filter(room=room).aggregate(
        coins=Sum("coins"), sends=Count("id"), gifters=Count("sender_id", distinct=True)
    )
    return {key: int(value or 0) for key, value in totals.items()}


def gifts_snapshot(room: LiveRoom, user: User | AnonymousUser) -> dict[str, Any]:
    """The snapshot's ``gifts``: catalogue, top gifters, and the viewer's coins here."""
    from shop.wallet.selectors import wallet_balance

    return {
        "catalogue": gift_catalogue(room.shop_id),
        "leaderboard": gift_leaderboard(room.pk),
        "balance": wallet_balance(user=user, shop=room.shop_id)  # type: ignore[arg-type]
        if user.is_authenticated
        else None,
    }
