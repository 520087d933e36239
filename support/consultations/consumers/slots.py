"""``/ws/consultations/<service_id>/slots/``: live open slots of one service, for anyone.

A thin adapter: validates the service, joins the service's slot group (first) and sends a
snapshot of the open slots in the viewer's time zone (second, so nothing is missed); then
relays ``slot.taken`` / ``slot.released`` events published by ``slot_events``. Inbound
messages (``ping``, ``slots.resync``) are validated against ``slot_protocol``; anything else
gets an ``error`` event, and a connection that keeps sending refused messages is closed.
"""

from __future__ import annotations

import json
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from liverooms.realtime.inbound import InboundRules, Refusal, parse_frame
from liverooms.realtime.ratelimit import ConnectionLimiter
from support.consultations import slot_events
from support.consultations.selectors.bookings import (
    bookable_service,
    booking_window,
    slots_in_window,
)
from support.consultations.selectors.slots import InvalidTimeZone, zone_for
from support.consultations.slot_protocol import (
    CLOSE_FLOOD,
    CLOSE_SERVICE_NOT_FOUND,
    FLOOD_REFUSALS,
    FLOOD_WINDOW,
    INBOUND,
    INBOUND_TYPES,
    MAX_FRAME_BYTES,
    RATE_BURST,
    RATE_PER_SECOND,
    ErrorCode,
    SlotsResync,
    iso_utc,
)

Message = dict[str, Any]


@database_sync_to_async
def _service_exists(service_id: int) -> bool:
    return bookable_service(service_id) is not None


@database_sync_to_async
def _snapshot(service_id: int, tz: str) -> Message:
    service = bookable_service(service_id)
    _first, start, end = booking_window(tz)
    slots = slots_in_window(service, tz) if service is not None else []
    return {
        "type": "slots.snapshot",
        "service_id": service_id,
        "tz": tz,
        "window_start": iso_utc(start),
        "window_end": iso_utc(end),
        "slots": [
            {
                "consultant_id": slot.consultant_id,
                "starts_at": iso_utc(slot.starts_at),
                "ends_at": iso_utc(slot.ends_at),
            }
            for slot in slots
        ],
    }


INBOUND_RULES = InboundRules(adapter=INBOUND, types=INBOUND_TYPES, max_bytes=MAX_FRAME_BYTES)


def _valid_zone(name: str) -> str | None:
    try:
        zone_for(name)
    except InvalidTimeZone:
        return None
    return name


class SlotsConsumer(AsyncWebsocketConsumer):
    service_id: int
    group: str
    tz: str

    async def connect(self) -> None:
        self.service_id = int(self.scope["url_route"]["kwargs"]["service_id"])
        self.group = ""
        # One bucket for every message type: this socket only takes pings and resyncs.
        self.limiter = ConnectionLimiter({"*": (RATE_PER_SECOND, RATE_BURST)})
        self.refusals: deque[float] = deque()
        if not await _service_exists(self.service_id):
            await self.close(code=CLOSE_SERVICE_NOT_FOUND)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("utf-8", "replace"))
        requested = (query.get("tz") or ["UTC"])[0]
        await self.accept()
        self.tz = _valid_zone(requested) or "UTC"
        self.group = slot_events.group_name(self.service_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if self.tz != requested:
            await self._error(ErrorCode.INVALID_TIME_ZONE, "Unknown time zone; showing UTC.")
        await self._send(await _snapshot(self.service_id, self.tz))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = parse_frame(text_data, bytes_data, INBOUND_RULES, self.limiter)
        if isinstance(message, Refusal):
            await self._refuse(message.code, message.message, message.ref)
            return
        ref = message.ref
        if isinstance(message, SlotsResync):
            if message.tz is not None:
                zone = _valid_zone(message.tz)
                if zone is None:
                    await self._error(ErrorCode.INVALID_TIME_ZONE, "Unknown time zone.", ref)
                    return
                self.tz = zone
            snapshot = await _snapshot(self.service_id, self.tz)
            await self._send({**snapshot, "ref": message.ref})
        else:
            await self._send({"type": "pong", "ref": message.ref})

    async def slot_event(self, message: Message) -> None:
        """A ``slot.*`` event from ``slot_events`` (channel layer message type ``slot.event``)."""
        await self._send(message["event"])

    async def _send(self, event: Message) -> None:
        await self.send(text_data=json.dumps(event, separators=(",", ":")))

    async def _error(self, code: str, message: str, ref: str | None = None) -> None:
        await self._send({"type": "error", "code": code, "message": message, "ref": ref})

    async def _refuse(self, code: str, message: str, ref: str | None = None) -> None:
        await self._error(code, message, ref)
        now = time.monotonic()
        self.refusals.append(now)
        while self.refusals and now - self.refusals[0] > FLOOD_WINDOW:
            self.refusals.popleft()
        if len(self.refusals) >= FLOOD_REFUSALS:
            await self.close(code=CLOSE_FLOOD)
