"""Inbound WebSocket frames: one parser for every socket (rooms, calls, support, slots).

The checks run cheapest first and each failure is a ``Refusal`` the consumer answers with an
``error`` event (and counts toward the flood close); nothing a client sends raises:

1. a text frame (binary frames are refused);
2. the size cap (``large_types``, e.g. SDP offers, get a larger one);
3. JSON;
4. the per-type rate limit (unknown types share the ``"*"`` bucket);
5. a known ``type`` (any JSON value is accepted there and never hashed or echoed raw);
6. the pydantic schema of that type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from channels.consumer import get_handler_name
from pydantic import TypeAdapter, ValidationError

from liverooms.realtime.protocol import ErrorCode
from liverooms.realtime.ratelimit import ConnectionLimiter

MAX_REF = 64


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    ref: str | None = None


@dataclass(frozen=True)
class InboundRules:
    adapter: TypeAdapter[Any]
    types: frozenset[str]
    max_bytes: int
    large_types: frozenset[str] = frozenset()
    max_large_bytes: int = 0

    def size_message(self) -> str:
        if self.large_types:
            return (
                f"Messages are limited to {self.max_bytes} bytes "
                f"(SDP offers to {self.max_large_bytes})."
            )
        return f"Messages are limited to {self.max_bytes} bytes."


def validation_summary(error: ValidationError, types: frozenset[str]) -> str:
    """The first problem, located without the discriminator's tag: ``text: field required``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part not in types)
    return f"{where or 'message'}: {first['msg']}"


def parse_frame(
    text_data: str | None,
    bytes_data: bytes | None,
    rules: InboundRules,
    limiter: ConnectionLimiter,
) -> Any:
    """The validated message, or a :class:`Refusal` saying why not."""
    if bytes_data is not None or text_data is None:
        return Refusal(ErrorCode.INVALID_MESSAGE, "Send JSON text frames.")
    size = len(text_data.encode("utf-8", "replace"))
    if size > max(rules.max_bytes, rules.max_large_bytes):
        return Refusal(ErrorCode.TOO_LARGE, rules.size_message())
    try:
        raw = json.loads(text_data)
    except (ValueError, RecursionError):
        return Refusal(ErrorCode.INVALID_JSON, "Messages must be JSON objects.")
    is_object = isinstance(raw, dict)
    ref = raw.get("ref") if is_object and isinstance(raw.get("ref"), str) else None
    ref = ref[:MAX_REF] if ref else None
    kind = raw.get("type") if is_object else None
    if not isinstance(kind, str):
        kind = None if kind is None else f"<{type(kind).__name__}>"
    if size > rules.max_bytes and kind not in rules.large_types:
        return Refusal(ErrorCode.TOO_LARGE, rules.size_message(), ref)
    if not limiter.allow(kind if kind in rules.types else "*"):
        return Refusal(ErrorCode.RATE_LIMITED, "Too many messages; slow down.", ref)
    if kind not in rules.types:
        return Refusal(ErrorCode.UNKNOWN_TYPE, f"Unknown message type {str(kind)[:40]!r}.", ref)
    try:
        return rules.adapter.validate_python(raw)
    except ValidationError as invalid:
        return Refusal(ErrorCode.INVALID_MESSAGE, validation_summary(invalid, rules.types), ref)


class DirectDispatch:
    """Consumer mixin: each message goes straight to its handler.

    Channels' ``dispatch`` first awaits ``aclose_old_connections()``: a hop to the one
    thread-sensitive sync thread, for every frame a client sends. A consumer whose database
    work all goes through ``database_sync_to_async`` (which closes stale connections around
    each call itself) gains nothing from it, while on a busy room socket every like waited
    behind other sockets' database work: ~15 % of a web process's CPU at 5,000 viewers with
    550 inbound messages/s (bench/chat_fanout.py, py-spy). Only for such consumers.
    """

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
