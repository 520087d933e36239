"""``/ws/support/inbox/``: the live inbox of a shop's support staff (listen-only)."""

from __future__ import annotations

import logging
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied

from liverooms.realtime.ratelimit import ConnectionLimiter
from shop.shops.models import Shop
from support.chat import events
from support.chat.consumers.base import JsonSocket, query_params
from support.chat.models import SupportMessage
from support.chat.protocol import (
    CLOSE_FORBIDDEN,
    INBOX_INBOUND_TYPES,
    INBOX_RATE_LIMITS,
    ErrorCode,
    Ping,
)
from support.chat.selectors import inbox_conversations, inbox_shop_ids, message_payload
from support.chat.services import message_translate

logger = logging.getLogger(__name__)


class InboxConsumer(JsonSocket):
    """``/ws/support/inbox/?lang=<code>``: live list updates and new messages for every shop
    whose inbox the staff member works in. Messages arrive translated into ``lang``."""

    inbound_types = INBOX_INBOUND_TYPES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = ConnectionLimiter(INBOX_RATE_LIMITS)
        self.shop_ids: set[int] = set()

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        try:
            self.shop_ids = await database_sync_to_async(inbox_shop_ids)(user)
        except PermissionDenied:
            await self._error(ErrorCode.FORBIDDEN, "Only shop support staff use the inbox.")
            await self.close(code=CLOSE_FORBIDDEN)
            return
        language = query_params(self.scope).get("lang", "")
        preferred = getattr(user, "preferred_language", "")
        self.language = (
            language
            if language in settings.LANGUAGE_CODES
            else (preferred or settings.LANGUAGE_CODE)
        )
        for shop_id in self.shop_ids:
            await self.channel_layer.group_add(events.inbox_group(shop_id), self.channel_name)

        def read() -> dict[str, Any]:
            shops = Shop.objects.filter(pk__in=self.shop_ids).order_by("name")
            return {
                "shops": [{"slug": shop.slug, "name": shop.name} for shop in shops],
                "conversations": inbox_conversations(self.shop_ids),
            }

        await self._send({"type": "inbox.snapshot", **await database_sync_to_async(read)()})

    async def disconnect(self, code: int) -> None:
        for shop_id in self.shop_ids:
            await self.channel_layer.group_discard(events.inbox_group(shop_id), self.channel_name)

    async def support_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == "inbox.message":
            payload = event["message"]
            if payload["sender"] == "shopper" and payload["language"] != self.language:
                event = {"type": "inbox.message", "message": await self._translated(payload)}
        await self._send(event)

    async def _translated(self, payload: dict[str, Any]) -> dict[str, Any]:
        def translate() -> dict[str, Any]:
            stored = SupportMessage.objects.select_related("conversation__shop", "author").get(
                pk=payload["id"]
            )
            return message_payload(
                message_translate(message=stored, language=self.language), self.language
            )

        try:
            return await database_sync_to_async(translate)()
        except Exception:
            logger.exception("translating message %s for the inbox failed", payload["id"])
            return payload

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.shop_ids:
            return
        message = await self._parse(text_data, bytes_data)
        if isinstance(message, Ping):
            await self._send({"type": "pong", "ref": message.ref})
