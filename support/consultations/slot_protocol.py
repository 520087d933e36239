"""The live slots WebSocket protocol (``/ws/consultations/<service_id>/slots/``).

Inbound message schemas, outbound event schemas, error and close codes. Documented in
docs/protocol.md ("Consultation slots"); tests validate both directions against these.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from liverooms.realtime.protocol import ErrorEvent as Error
from liverooms.realtime.protocol import OutboundEvent as _Event
from liverooms.realtime.protocol import PongEvent as Pong

MAX_FRAME_BYTES = 1024
CLOSE_SERVICE_NOT_FOUND = 4004
CLOSE_FLOOD = 4008  # kept sending after being told to slow down
RATE_PER_SECOND = 2.0  # inbound messages per connection (all types together)
RATE_BURST = 10
FLOOD_REFUSALS = 20  # refused messages within FLOOD_WINDOW seconds close the socket
FLOOD_WINDOW = 10.0


class ErrorCode:
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    INVALID_TIME_ZONE = "invalid_time_zone"


Ref = Annotated[str, StringConstraints(max_length=64)]
TimeZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class Ping(_Inbound):
    type: Literal["ping"]


class SlotsResync(_Inbound):
    """Ask for a fresh ``slots.snapshot`` (after a reconnect, or in another time zone)."""

    type: Literal["slots.resync"]
    tz: TimeZoneName | None = None


Inbound = Annotated[Ping | SlotsResync, Field(discriminator="type")]
INBOUND: TypeAdapter[Ping | SlotsResync] = TypeAdapter(Inbound)
INBOUND_TYPES = frozenset({"ping", "slots.resync"})


# Server -> client ------------------------------------------------------------------------


class SlotOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    consultant_id: int
    starts_at: dt.datetime  # ISO 8601, UTC ("Z")
    ends_at: dt.datetime


class SlotTaken(_Event, SlotOut):
    type: Literal["slot.taken"]
    service_id: int


class SlotReleased(_Event, SlotOut):
    type: Literal["slot.released"]
    service_id: int


class SlotsSnapshot(_Event):
    type: Literal["slots.snapshot"]
    service_id: int
    tz: str
    window_start: dt.datetime  # the snapshot covers open slots starting in [start, end)
    window_end: dt.datetime
    slots: list[SlotOut]
    ref: Ref | None = None


Outbound = Annotated[
    SlotTaken | SlotReleased | SlotsSnapshot | Pong | Error, Field(discriminator="type")
]
OUTBOUND: TypeAdapter[SlotTaken | SlotReleased | SlotsSnapshot | Pong | Error] = TypeAdapter(
    Outbound
)


def iso_utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
