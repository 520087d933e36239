"""The room WebSocket protocol: inbound message schemas, error codes and close codes.

Documented in docs/protocol.md; tests validate both directions against these definitions.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

MAX_FRAME_BYTES = 4096
MAX_RTC_FRAME_BYTES = 32768  # rtc.* messages carry a whole SDP offer (non-trickle ICE)

# Close codes (4000-4999 are for applications).
CLOSE_ROOM_NOT_FOUND = 4004
CLOSE_BANNED = 4003
CLOSE_FLOOD = 4008  # kept sending after being told to slow down


class ErrorCode:
    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    RATE_LIMITED = "rate_limited"
    AUTH_REQUIRED = "auth_required"
    MUTED = "muted"
    SLOW_MODE = "slow_mode"
    BLOCKED_WORDS = "blocked_words"
    ROOM_NOT_LIVE = "room_not_live"
    FORBIDDEN = "forbidden"
    PUBLISH_NOT_ALLOWED = "publish_not_allowed"
    RELAY_UNAVAILABLE = "relay_unavailable"
    RTC_FAILED = "rtc_failed"  # the relay refused the offer (its own code is in `detail`)


Ref = Annotated[str, StringConstraints(max_length=64)]


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class ChatSend(_Inbound):
    type: Literal["chat.send"]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class LikeSend(_Inbound):
    type: Literal["like.send"]
    count: int = Field(default=1, ge=1, le=10)


class RoomResume(_Inbound):
    type: Literal["room.resume"]
    last_seq: int = Field(ge=0)


class Ping(_Inbound):
    type: Literal["ping"]


Sdp = Annotated[str, StringConstraints(min_length=10, max_length=30000)]
Identity = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\w.:-]+$")]


class RtcPublish(_Inbound):
    """Go live (host, or an accepted co-host): a complete SDP offer with audio and video."""

    type: Literal["rtc.publish"]
    sdp: Sdp


class RtcSubscribe(_Inbound):
    """Watch one publisher: an SDP offer with recvonly audio and video. ``room`` is set to
    watch a publisher of a linked (PK) room."""

    type: Literal["rtc.subscribe"]
    publisher: Identity
    sdp: Sdp
    room: Annotated[str, StringConstraints(max_length=80)] | None = None


class RtcLeave(_Inbound):
    type: Literal["rtc.leave"]
    peer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CohostAsk(_Inbound):
    """A signed-in viewer asks the host to join the stream."""

    type: Literal["cohost.request"]


InboundMessage = (
    ChatSend | LikeSend | RoomResume | Ping | RtcPublish | RtcSubscribe | RtcLeave | CohostAsk
)
Inbound = Annotated[InboundMessage, Field(discriminator="type")]
INBOUND = TypeAdapter(Inbound)
INBOUND_TYPES = {
    "chat.send",
    "like.send",
    "room.resume",
    "ping",
    "rtc.publish",
    "rtc.subscribe",
    "rtc.leave",
    "cohost.request",
}
RTC_TYPES = {"rtc.publish", "rtc.subscribe", "rtc.leave"}

# Per-connection limits: (tokens per second, burst).
RATE_LIMITS: dict[str, tuple[float, int]] = {
    "chat.send": (1.0, 3),
    "like.send": (10.0, 20),
    "room.resume": (0.5, 3),
    "ping": (1.0, 5),
    "rtc.publish": (0.5, 3),
    "rtc.subscribe": (2.0, 10),
    "rtc.leave": (2.0, 10),
    "cohost.request": (0.2, 2),
    "*": (5.0, 10),  # unparseable or unknown messages
}
# After this many refusals within FLOOD_WINDOW seconds the connection is closed (CLOSE_FLOOD).
FLOOD_REFUSALS = 30
FLOOD_WINDOW = 10.0

# Server -> client event types (each carries "seq" except "error", "pong" and snapshots' own seq).
OUTBOUND_TYPES = {
    "room.snapshot",
    "room.status",
    "room.settings",
    "room.kick",
    "chat.batch",
    "product.pinned",
    "product.unpinned",
    "product.stock",
    "rtc.answer",
    "rtc.publishers",
    "cohost.requested",
    "cohost.accepted",
    "cohost.removed",
    "order.bought",
    "deal.started",
    "deal.updated",
    "deal.ended",
    "chat.deleted",
    "chat.pinned",
    "likes.update",
    "viewers.update",
    "error",
    "pong",
}
