"""Room writes: lifecycle, chat, moderation, reminders. Events go out after commit through
liverooms.realtime.events (the only module that talks to the room channels)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.realtime import events
from liverooms.realtime.protocol import ErrorCode
from liverooms.rooms.cards import product_card, product_stock
from liverooms.rooms.models import (
    ChatMessage,
    ChatWordFilter,
    FlashDeal,
    LiveRoom,
    RoomReminder,
    RoomSanction,
    RoomStatus,
    SanctionKind,
)
from liverooms.rooms.selectors import (
    access_room_moderation,
    display_name,
    has_active_sanction,
    message_dict,
)
from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus, Variant
from shop.orders.models import Order, OrderStatus
from support.translation.chat import chat_message_queue_translation


class RoomError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@transaction.atomic
def room_start(*, room: LiveRoom, actor: User) -> LiveRoom:
    """Go live (scheduled -> live). Publishes room.status; queues "remind me" e-mails."""
    access_room_moderation(actor, room)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.status != RoomStatus.SCHEDULED:
        raise RoomError(_("Only a scheduled room can go live."), "bad_status")
    room.status, room.started_at = RoomStatus.LIVE, timezone.now()
    room.save(update_fields=["status", "started_at"])
    events.publish_on_commit(room.pk, "room.status", {"status": room.status})
    from liverooms.rooms.tasks import send_room_reminders

    transaction.on_commit(lambda: send_room_reminders.delay(room.pk))
    return room


@transaction.atomic
def room_end(*, room: LiveRoom, actor: User) -> LiveRoom:
    """live -> ended. Publishes room.status; a PK invitation or battle of the room ends too
    (pk.ended in both rooms)."""
    access_room_moderation(actor, room)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.status != RoomStatus.LIVE:
        raise RoomError(_("Only a live room can end."), "bad_status")
    room.status, room.ended_at = RoomStatus.ENDED, timezone.now()
    room.save(update_fields=["status", "ended_at"])
    events.publish_on_commit(room.pk, "room.status", {"status": room.status})
    from liverooms.media.pk import pk_end_for_room  # media builds on rooms, not the reverse

    pk_end_for_room(room=room)
    from liverooms.quizzes.services import quiz_end_for_room

    quiz_end_for_room(room=room)  # quiz.ended, top-N rewards
    from liverooms.giveaways.services import selling_close_for_room

    selling_close_for_room(room=room)  # coupon.closed (room_ended), giveaway stops entries
    return room


@transaction.atomic
def room_delete(*, room: LiveRoom) -> None:
    """Delete a room and what it owns (the admin's delete; the admin checked the permission).
    Its replay's video and poster leave storage once the deletion commits; its recordings
    stay, detached, until the retention sweep removes them with their track files."""
    from liverooms.replays.models import Replay  # replays build on rooms
    from liverooms.replays.services import replay_files_delete_on_commit

    replay = Replay.objects.filter(room=room).first()
    LiveRoom.objects.filter(pk=room.pk).delete()
    if replay is not None:
        replay_files_delete_on_commit(replay)


@transaction.atomic
def room_set_slow_mode(*, room: LiveRoom, seconds: int, actor: User) -> LiveRoom:
    """0 turns slow mode off. Publishes room.settings so every viewer's input shows it."""
    access_room_moderation(actor, room)
    room.slow_mode_seconds = max(0, seconds)
    room.save(update_fields=["slow_mode_seconds"])
    events.publish_on_commit(
        room.pk, "room.settings", {"slow_mode_seconds": room.slow_mode_seconds}
    )
    return room


@transaction.atomic
def room_pin_message(*, room: LiveRoom, message_id: int | None, actor: User) -> LiveRoom:
    """Pin a chat line above the chat for everyone (None unpins). Publishes chat.pinned."""
    access_room_moderation(actor, room)
    message = None
    if message_id is not None:
        message = ChatMessage.objects.filter(
            room=room, pk=message_id, deleted_at__isnull=True
        ).first()
        if message is None:
            raise RoomError(_("That message is not in this room."), "bad_message")
    room.pinned_message = message
    room.save(update_fields=["pinned_message"])
    events.publish_on_commit(
        room.pk, "chat.pinned", {"message": message_dict(message) if message else None}
    )
    return room


@transaction.atomic
def room_pin_product(*, room: LiveRoom, product_id: int | None, actor: User) -> LiveRoom:
    """Pin one of the shop's published products (None unpins). Publishes product.pinned
    (with a card for every language and currency) or product.unpinned; the room timeline
    (replay chapters) records the pin or unpin in the same transaction."""
    access_room_moderation(actor, room)
    from liverooms.replays.services import timeline_record  # replays build on rooms

    if product_id is None:
        unpinned = room.pinned_product_id
        room.pinned_product = None
        room.save(update_fields=["pinned_product"])
        if unpinned is not None:
            timeline_record(room=room, kind="unpin", product_id=unpinned)
        events.publish_on_commit(room.pk, "product.unpinned", {})
        return room
    product = Product.objects.filter(
        pk=product_id, shop_id=room.shop_id, status=ProductStatus.PUBLISHED
    ).first()
    if product is None:
        raise RoomError(_("Pin a published product of this shop."), "bad_product")
    room.pinned_product = product
    room.save(update_fields=["pinned_product"])
    timeline_record(room=room, kind="pin", product_id=product.pk)
    transaction.on_commit(
        lambda: events.publish_now(room.pk, "product.pinned", {"product": product_card(product.pk)})
    )
    return room


def _blocked(room: LiveRoom, text: str) -> bool:
    phrases = ChatWordFilter.objects.filter(shop_id=room.shop_id).values_list("phrase", flat=True)
    lowered = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(p.casefold())}(?!\w)", lowered) for p in phrases)


def chat_post(*, room: LiveRoom, user: User, text: str, language: str = "") -> dict[str, Any]:
    """Persist a chat line and return it for broadcast (the caller batches it).

    Refuses with RoomError: not signed in, room not live, muted/banned, slow mode, blocked words.
    """
    if not user.is_authenticated:
        raise RoomError(_("Sign in to chat."), ErrorCode.AUTH_REQUIRED)
    # The socket's copy of the room may be old: read status and slow mode as they are now.
    room = LiveRoom.objects.only("id", "shop_id", "status", "slow_mode_seconds").get(pk=room.pk)
    if room.status != RoomStatus.LIVE:
        raise RoomError(_("The room is not live."), ErrorCode.ROOM_NOT_LIVE)
    if has_active_sanction(room, user, SanctionKind.BAN, SanctionKind.MUTE):
        raise RoomError(_("You cannot chat in this room."), ErrorCode.MUTED)
    if room.slow_mode_seconds:
        since = timezone.now() - dt.timedelta(seconds=room.slow_mode_seconds)
        if ChatMessage.objects.filter(room=room, user=user, created_at__gte=since).exists():
            raise RoomError(
                _("Slow mode: one message every %(seconds)d seconds.")
                % {"seconds": room.slow_mode_seconds},
                ErrorCode.SLOW_MODE,
            )
    if _blocked(room, text):
        raise RoomError(
            _("Your message contains words this shop does not allow."), ErrorCode.BLOCKED_WORDS
        )
    message = ChatMessage.objects.create(
        room=room, user=user, author_name=display_name(user), text=text, language=language
    )
    chat_message_queue_translation(message=message)  # into the room's other languages
    return message_dict(message)


@transaction.atomic
def chat_delete(*, room: LiveRoom, message_id: int, actor: User) -> None:
    """Hide a message for everyone (publishes chat.deleted)."""
    access_room_moderation(actor, room)
    updated = ChatMessage.objects.filter(room=room, pk=message_id, deleted_at__isnull=True).update(
        deleted_at=timezone.now()
    )
    if updated:
        events.publish_on_commit(room.pk, "chat.deleted", {"id": message_id})


@transaction.atomic
def room_sanction(
    *, room: LiveRoom, user: User, kind: str, actor: User, minutes: int | None = None
) -> RoomSanction:
    access_room_moderation(actor, room)
    until = timezone.now() + dt.timedelta(minutes=minutes) if minutes else None
    sanction, _created = RoomSanction.objects.update_or_create(
        room=room, user=user, kind=kind, defaults={"until": until, "created_by": actor}
    )
    if kind == SanctionKind.BAN:
        # Their messages disappear for everyone and their open sockets are closed.
        hidden = list(
            ChatMessage.objects.filter(room=room, user=user, deleted_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        ChatMessage.objects.filter(pk__in=hidden).update(deleted_at=timezone.now())
        for message_id in hidden:
            events.publish_on_commit(room.pk, "chat.deleted", {"id": message_id})
        events.publish_on_commit(room.pk, "room.kick", {"user_id": user.pk})
    return sanction


def room_remind_me(*, room: LiveRoom, email: str, language: str, user: User | None) -> RoomReminder:
    if room.status != RoomStatus.SCHEDULED:
        raise RoomError(_("This show has already started."), "bad_status")
    reminder, _created = RoomReminder.objects.get_or_create(
        room=room, email=email.strip().lower(), defaults={"language": language, "user": user}
    )
    return reminder


def announce_room_order(order: Order) -> None:
    """ "Just bought" ticker: a paid order from a room is announced to its viewers, with the
    buyer's name shortened (Ana R. -> "A***") and nothing else about them."""
    if not order.source_id.isdigit():
        return
    line = order.lines.first()
    name = (order.ship_name or order.email)[:1].upper() + "***"
    events.publish_now(
        int(order.source_id),
        "order.bought",
        {
            "buyer": name,
            "product_id": line.variant.product_id if line and line.variant else None,
            "names": {"default": line.product_name if line else ""},
            "quantity": line.quantity if line else 0,
        },
    )


def room_stock_changed(variant_ids: set[int], order: Order | None) -> None:
    """Stock moved (a sale, a cancelled or expired order, an admin edit): live rooms that pin
    one of these products re-publish its stock, and a flash deal whose order was cancelled
    gives its units back to everyone's counter."""
    product_ids = set(
        Variant.objects.filter(pk__in=variant_ids).values_list("product_id", flat=True)
    )
    rooms = LiveRoom.objects.filter(status=RoomStatus.LIVE, pinned_product_id__in=product_ids)
    for room_id, product_id in rooms.values_list("pk", "pinned_product_id"):
        events.publish_now(room_id, "product.stock", product_stock(product_id))
    if order is not None and order.status == OrderStatus.CANCELLED:
        from liverooms.rooms.deals import deal_updated

        for deal in FlashDeal.objects.filter(claims__order=order, ended_at__isnull=True):
            deal_updated(deal)
