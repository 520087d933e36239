"""Room reads: listings, the socket's view of a room, permission checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from liverooms.rooms.models import ChatMessage, LiveRoom, RoomSanction, RoomStatus, SanctionKind
from shop.accounts.models import User
from shop.shops.models import Role
from shop.shops.selectors import shop_ids_for_user

CHAT_HISTORY = 50
MODERATOR_ROLES = {Role.OWNER, Role.HOST}


def rooms_live() -> QuerySet[LiveRoom]:
    return (
        LiveRoom.objects.filter(status=RoomStatus.LIVE, shop__is_active=True)
        .select_related("shop")
        .order_by("-started_at")
    )


def rooms_upcoming() -> QuerySet[LiveRoom]:
    return (
        LiveRoom.objects.filter(
            status=RoomStatus.SCHEDULED,
            shop__is_active=True,
            scheduled_at__gte=timezone.now() - timezone.timedelta(hours=1),
        )
        .select_related("shop")
        .order_by("scheduled_at")
    )


def can_moderate(user: User | AnonymousUser, room: LiveRoom) -> bool:
    if not user.is_authenticated:
        return False
    return bool(user.is_superuser or room.shop_id in shop_ids_for_user(user, roles=MODERATOR_ROLES))


def access_room_moderation(user: User | AnonymousUser, room: LiveRoom) -> LiveRoom:
    if not can_moderate(user, room):
        raise PermissionDenied("Only the shop's owner and hosts can run this room.")
    return room


def has_active_sanction(room: LiveRoom, user: User | AnonymousUser, *kinds: str) -> bool:
    """Whether ``user`` is under any of these sanctions in the room now (one query: it runs
    for every chat line)."""
    if not user.is_authenticated:
        return False
    return RoomSanction.objects.filter(
        Q(until__isnull=True) | Q(until__gt=timezone.now()), room=room, user=user, kind__in=kinds
    ).exists()


def is_banned(room: LiveRoom, user: User | AnonymousUser) -> bool:
    return has_active_sanction(room, user, SanctionKind.BAN)


def message_dict(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author": message.author_name,
        "text": message.text,
        "language": message.language,
        "at": message.created_at.isoformat(),
    }


@dataclass(frozen=True)
class RoomSnapshot:
    deal: dict[str, Any] | None
    pinned_product: dict[str, Any] | None
    room: dict[str, Any]
    chat: list[dict[str, Any]]
    pinned_message: dict[str, Any] | None
    you: dict[str, Any]
    publishers: list[dict[str, Any]]
    pk: dict[str, Any] | None = None
    giveaway: dict[str, Any] | None = None
    coupon: dict[str, Any] | None = None
    quiz: dict[str, Any] | None = None
    gifts: dict[str, Any] | None = None


def room_snapshot(room: LiveRoom, user: User | AnonymousUser) -> RoomSnapshot:
    recent = list(
        room.messages.filter(deleted_at__isnull=True).order_by("-created_at", "-id")[:CHAT_HISTORY]
    )
    pinned = room.pinned_message
    from liverooms.gifts.selectors import gifts_snapshot
    from liverooms.giveaways.selectors import room_selling_snapshot
    from liverooms.media.selectors import (
        can_publish,
        pk_battle_open,
        pk_payload,
        room_publishers,
        user_identity,
    )
    from liverooms.quizzes.selectors import quiz_snapshot
    from liverooms.rooms.cards import product_card
    from liverooms.rooms.deals import deal_active, deal_payload

    deal = deal_active(room)
    battle = pk_battle_open(room)
    return RoomSnapshot(
        deal=deal_payload(deal) if deal else None,
        pinned_product=product_card(room.pinned_product_id) if room.pinned_product_id else None,
        room={
            "slug": room.slug,
            "title": room.title,
            "status": room.status,
            "language": room.language,
            "slow_mode_seconds": room.slow_mode_seconds,
            "shop": room.shop.slug,
        },
        chat=[message_dict(m) for m in reversed(recent)],
        pinned_message=message_dict(pinned) if pinned and not pinned.deleted_at else None,
        you={
            "signed_in": user.is_authenticated,
            "name": display_name(user) if user.is_authenticated else "",
            "can_moderate": can_moderate(user, room),
            "can_publish": can_publish(user, room),
            "identity": user_identity(user) if user.is_authenticated else "",
        },
        publishers=room_publishers(room),
        pk=pk_payload(battle) if battle else None,
        **room_selling_snapshot(room, user),  # giveaway, coupon
        quiz=quiz_snapshot(room),
        gifts=gifts_snapshot(room, user),
    )


def display_name(user: User | AnonymousUser) -> str:
    """The name other viewers see (chat, co-hosts, quizzes, gifts): the first name, or a stable
    pseudonym. Never any part of the e-mail address: usernames are e-mails here."""
    if not user.is_authenticated:
        return ""
    if user.first_name:
        return user.first_name[:40]
    from django.utils.crypto import salted_hmac

    return "shopper-" + salted_hmac("display-name", str(user.pk)).hexdigest()[:6]


def room_for_socket(slug: str) -> LiveRoom | None:
    return (
        LiveRoom.objects.select_related("shop", "pinned_message")
        .filter(slug=slug, shop__is_active=True)
        .first()
    )


def room_sales(room: LiveRoom) -> dict[str, Any]:
    """Paid orders attributed to the room and their revenue per currency."""
    from django.db.models import Count, Sum

    from shop.orders.models import Order, OrderStatus, SourceType
    from shop.pricing.money import Money, format_money

    paid = Order.objects.filter(
        source_type=SourceType.LIVE_ROOM,
        source_id=str(room.pk),
        status__in=[
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.PARTIALLY_REFUNDED,
        ],
    )
    rows = (
        paid.values("currency")
        .annotate(orders=Count("id"), revenue=Sum("total"))
        .order_by("currency")
    )
    return {
        "orders": sum(row["orders"] for row in rows),
        "revenue": [format_money(Money(row["revenue"], row["currency"])) for row in rows],
    }
