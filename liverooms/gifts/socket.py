"""The room socket's gift messages (called by liverooms.rooms.consumers.RoomConsumer)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async

from liverooms.gifts.services import GiftError, gift_send
from liverooms.realtime.protocol import ErrorCode, GiftSendMessage
from liverooms.rooms.models import RoomStatus

if TYPE_CHECKING:
    from liverooms.rooms.consumers import RoomConsumer


async def gift_socket_message(consumer: RoomConsumer, message: GiftSendMessage) -> None:
    """gift.send: the room hears gift.sent (published by the service); the sender alone gets
    ``wallet.balance`` with its coins left, or an error (insufficient_coins, ...)."""
    assert consumer.room is not None
    if not consumer.signed_in:
        await consumer._refuse(ErrorCode.AUTH_REQUIRED, "Sign in to send gifts.", message.ref)
        return
    if consumer.room.status != RoomStatus.LIVE:
        await consumer._refuse(ErrorCode.ROOM_NOT_LIVE, "The room is not live.", message.ref)
        return
    try:
        sent = await database_sync_to_async(gift_send)(
            room=consumer.room,
            user=consumer.user,
            gift_id=message.gift_id,
            count=message.count,
            send_id=message.send_id,
        )
    except GiftError as refused:
        await consumer._refuse(refused.code, str(refused), message.ref)
        return
    reply = {
        "type": "wallet.balance",
        "ref": message.ref,
        "send_id": str(sent.send.send_id),
        "balance": sent.balance,
        "replayed": sent.replayed,
    }
    await consumer.send(text_data=json.dumps(reply))
