"""Sending gifts: debit the sender's coins and record the send in one transaction, then
tell the room (``gift.sent``), its top-gifters board (``gift.leaderboard``) and, during a PK
battle, both rooms' scores (``pk.score``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from liverooms.gifts.models import Gift, GiftSend
from liverooms.gifts.selectors import gift_dict, gift_leaderboard
from liverooms.realtime import events
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import display_name, is_banned
from shop.accounts.models import User
from shop.wallet.models import EntryKind
from shop.wallet.selectors import wallet_balance
from shop.wallet.services import WalletError, wallet_debit

MAX_COUNT = 99
BOARDS_INTERVAL = 0.5  # seconds: at most ~2 leaderboard / pk.score frames per second per room


class GiftError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class GiftSent:
    send: GiftSend
    balance: int  # the sender's coins in the shop afterwards
    replayed: bool  # the send_id was seen before: nothing was debited or published now


def gift_sent_payload(send: GiftSend) -> dict[str, Any]:
    return {
        "id": send.pk,
        "send_id": str(send.send_id),
        "sender": display_name(send.sender),
        "gift": gift_dict(send.gift),
        "count": send.count,
        "coins": send.coins,
    }


def gift_send(
    *, room: LiveRoom, user: User, gift_id: int, count: int, send_id: uuid.UUID
) -> GiftSent:
    """``user`` sends ``count`` of the shop's gift ``gift_id`` in live ``room``.

    Refuses (GiftError, nothing written): ``auth_required``, ``bad_count``, ``room_not_live``,
    ``forbidden`` (banned), ``gift_not_found`` (not this shop's or inactive),
    ``insufficient_coins``, ``idempotency_conflict`` (the send_id was used for another send).
    A repeated ``send_id`` returns the first send (``replayed``) and debits nothing.
    Locks the sender's wallet row (wallet_debit). Publishes on commit: gift.sent, then the
    throttled gift.leaderboard and (in a PK battle) pk.score."""
    if not user.is_authenticated:
        raise GiftError(_("Sign in to send gifts."), "auth_required")
    if not 1 <= count <= MAX_COUNT:
        raise GiftError(_("Send between 1 and 99 at a time."), "bad_count")
    earlier = GiftSend.objects.filter(sender=user, send_id=send_id).select_related("gift").first()
    if earlier is not None:
        return _replay(earlier, room=room, user=user, gift_id=gift_id, count=count)
    status = LiveRoom.objects.filter(pk=room.pk).values_list("status", flat=True).first()
    if status != RoomStatus.LIVE:
        raise GiftError(_("The room is not live."), "room_not_live")
    if is_banned(room, user):
        raise GiftError(_("You are banned from this room."), "forbidden")
    gift = Gift.objects.filter(pk=gift_id, shop_id=room.shop_id, active=True).first()
    if gift is None:
        raise GiftError(_("This gift is not available here."), "gift_not_found")
    coins = gift.coin_price * count
    with transaction.atomic():
        try:
            entry = wallet_debit(
                user=user,
                shop_id=room.shop_id,
                amount=coins,
                kind=EntryKind.GIFT,
                idempotency_key=f"gift:{send_id}",
                reference=f"room:{room.pk}",
            )
        except WalletError as refused:
            raise GiftError(str(refused), refused.code) from refused
        # Under the wallet lock: a concurrent copy of this message may have committed first.
        earlier = GiftSend.objects.filter(sender=user, send_id=send_id).first()
        if earlier is not None:
            return _replay(earlier, room=room, user=user, gift_id=gift_id, count=count)
        send = GiftSend.objects.create(
            room=room, sender=user, gift=gift, count=count, coins=coins, send_id=send_id
        )
        payload = gift_sent_payload(send)
        events.publish_on_commit(room.pk, "gift.sent", payload)
        transaction.on_commit(lambda: gift_boards_changed(room.pk))
    return GiftSent(send, entry.balance_after, replayed=False)


def _replay(earlier: GiftSend, *, room: LiveRoom, user: User, gift_id: int, count: int) -> GiftSent:
    if (earlier.room_id, earlier.gift_id, earlier.count) != (room.pk, gift_id, count):
        raise GiftError(
            _("This send id was already used for another gift."), "idempotency_conflict"
        )
    return GiftSent(earlier, wallet_balance(user=user, shop=room.shop_id), replayed=True)


def gift_boards_changed(room_id: int) -> None:
    """After a gift: the room's board and PK scores, at most every BOARDS_INTERVAL. A gift
    inside the interval schedules one trailing publish, so the last gift is always shown."""
    client = events.sync_client()
    interval_ms = int(BOARDS_INTERVAL * 1000)
    if client.set(events.key(room_id, "gift_boards_tick"), "1", nx=True, px=interval_ms):
        gift_boards_publish(room_id)
    elif client.set(events.key(room_id, "gift_boards_trailing"), "1", nx=True, px=interval_ms):
        from liverooms.gifts.tasks import publish_gift_boards

        publish_gift_boards.apply_async((room_id,), countdown=BOARDS_INTERVAL)


def gift_boards_publish(room_id: int) -> None:
    """Publish gift.leaderboard in the room, and pk.score in both rooms of its running PK."""
    from liverooms.gifts.pk_score import pk_score_publish
    from liverooms.media.models import PkStatus
    from liverooms.media.selectors import pk_battle_open

    events.publish_now(room_id, "gift.leaderboard", {"leaderboard": gift_leaderboard(room_id)})
    room = LiveRoom.objects.filter(pk=room_id).first()
    battle = pk_battle_open(room) if room is not None else None
    if battle is not None and battle.status == PkStatus.ACTIVE:
        pk_score_publish(battle)
