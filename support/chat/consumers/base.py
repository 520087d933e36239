"""What the support chat's two sockets share: JSON frames, the size cap, validation against
``support.chat.protocol``, per-connection rate limits and the flood close."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer

from liverooms.realtime.inbound import InboundRules, Refusal, parse_frame
from liverooms.realtime.ratelimit import ConnectionLimiter
from support.chat.protocol import (
    CLOSE_FLOOD,
    INBOUND,
    INBOUND_TYPES,
    MAX_FRAME_BYTES,
    RATE_LIMITS,
)

logger = logging.getLogger(__name__)


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    raw = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return {key: values[0][:300] for key, values in raw.items() if values}


class JsonSocket(AsyncWebsocketConsumer):
    inbound_types: set[str] = INBOUND_TYPES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = ConnectionLimiter(RATE_LIMITS)

    gone = False  # the socket closed: a reply finishing now stores, but sends nothing

    async def _send(self, body: dict[str, Any]) -> None:
        if not self.gone:
            await self.send(text_data=json.dumps(body, ensure_ascii=False))

    async def _error(self, code: str, message: str, ref: str | None = None) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref:
            body["ref"] = ref
        await self._send(body)

    async def _refuse(self, code: str, message: str, ref: str | None = None) -> None:
        await self._error(code, message, ref)
        if self.limiter.refused():
            await self.close(code=CLOSE_FLOOD)

    async def _parse(self, text_data: str | None, bytes_data: bytes | None) -> Any:
        """The validated message, or None after answering with an ``error`` event."""
        message = parse_frame(text_data, bytes_data, self.inbound_rules(), self.limiter)
        if isinstance(message, Refusal):
            await self._refuse(message.code, message.message, message.ref)
            return None
        return message

    def inbound_rules(self) -> InboundRules:
        return InboundRules(
            adapter=INBOUND, types=frozenset(self.inbound_types), max_bytes=MAX_FRAME_BYTES
        )
