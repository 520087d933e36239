"""The consultation call WebSocket protocol (``/ws/calls/<id>/``): inbound message
schemas, error codes, close codes and per-connection rate limits.

Documented in docs/protocol.md ("Consultation call"); tests validate inbound messages against
these definitions. The envelope, the ``error`` event and the rtc.* signaling messages are the
room protocol's (liverooms.realtime.protocol), so the browser's WebRTC client serves both.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from liverooms.realtime.protocol import (
    CLOSE_FLOOD,
    MAX_FRAME_BYTES,
    MAX_RTC_FRAME_BYTES,
    Identity,
    Ref,
    Sdp,
)
from liverooms.realtime.protocol import ErrorCode as RoomErrorCode

__all__ = [
    "CLOSE_AUTH_REQUIRED",
    "CLOSE_CALL_CLOSED",
    "CLOSE_FLOOD",
    "CLOSE_FORBIDDEN",
    "CLOSE_NOT_FOUND",
    "INBOUND",
    "INBOUND_TYPES",
    "MAX_FRAME_BYTES",
    "MAX_RTC_FRAME_BYTES",
    "OUTBOUND_TYPES",
    "RATE_LIMITS",
    "RTC_TYPES",
]

# Close codes. 4003/4004 are the room socket's: the browser client does not reconnect on them.
CLOSE_AUTH_REQUIRED = 4001  # no session: sign in (or open the e-mailed link) first
CLOSE_FORBIDDEN = 4003  # signed in, but neither the buyer nor the assigned consultant
CLOSE_NOT_FOUND = 4004  # no such booking
CLOSE_CALL_CLOSED = 4009  # not open yet (earlier than 10 minutes before), over, or cancelled
# CLOSE_FLOOD (4008) as on the room socket: kept sending after being told to slow down.


class CallErrorCode(RoomErrorCode):
    """The room protocol's codes (invalid_json, invalid_message, unknown_type, too_large,
    rate_limited, relay_unavailable, rtc_failed, internal_error, ...) and the call's own."""

    NOT_A_PARTY = "not_a_party"  # the socket's user is not the buyer nor the consultant
    CALL_CLOSED = "call_closed"  # the call is not open (too early, ended, cancelled)
    CONSULTANT_ONLY = "consultant_only"  # product.push / call.end from the buyer
    PRODUCT_NOT_FOUND = "product_not_found"  # not a published product of the booking's shop
    NOT_THE_OTHER_PARTY = "not_the_other_party"  # rtc.subscribe to someone else


ErrorCode = CallErrorCode


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class CallRtcPublish(_Inbound):
    """Send one's camera and microphone: a complete SDP offer with audio and video."""

    type: Literal["rtc.publish"]
    sdp: Sdp


class CallRtcSubscribe(_Inbound):
    """Receive the other party (``publisher``: its identity from ``rtc.publishers``)."""

    type: Literal["rtc.subscribe"]
    publisher: Identity
    sdp: Sdp


class CallRtcLeave(_Inbound):
    type: Literal["rtc.leave"]
    peer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CallChatSend(_Inbound):
    type: Literal["chat.send"]
    text: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^[^\x00]*$"
        ),
    ]


class ProductPush(_Inbound):
    """Consultant only: show a product card on the buyer's screen."""

    type: Literal["product.push"]
    product_id: int = Field(strict=True, ge=1, le=2**31 - 1)


class CallConnected(_Inbound):
    """The page's time from clicking "Join call" to its first decoded remote video frame."""

    type: Literal["call.connected"]
    connect_ms: int = Field(strict=True, ge=0, le=600_000)


class CallEnd(_Inbound):
    """Consultant only: end the call for both parties (the booking becomes completed)."""

    type: Literal["call.end"]


class CallPing(_Inbound):
    type: Literal["ping"]


CallInboundMessage = (
    CallRtcPublish
    | CallRtcSubscribe
    | CallRtcLeave
    | CallChatSend
    | ProductPush
    | CallConnected
    | CallEnd
    | CallPing
)
INBOUND = TypeAdapter(Annotated[CallInboundMessage, Field(discriminator="type")])
INBOUND_TYPES = {
    "rtc.publish",
    "rtc.subscribe",
    "rtc.leave",
    "chat.send",
    "product.push",
    "call.connected",
    "call.end",
    "ping",
}
RTC_TYPES = {"rtc.publish", "rtc.subscribe", "rtc.leave"}

# Per-connection limits: (tokens per second, burst).
RATE_LIMITS: dict[str, tuple[float, int]] = {
    "rtc.publish": (0.5, 4),
    "rtc.subscribe": (1.0, 6),
    "rtc.leave": (2.0, 10),
    "chat.send": (2.0, 5),
    "product.push": (1.0, 5),
    "call.connected": (0.2, 3),
    "call.end": (0.2, 2),
    "ping": (1.0, 5),
    "*": (5.0, 10),
}

# Server -> client event types. None carries "seq": the snapshot is re-sent on every connect.
OUTBOUND_TYPES = {
    "call.snapshot",
    "rtc.answer",  # the reply to rtc.publish / rtc.subscribe (sender only)
    "rtc.publishers",
    "chat.message",
    "product.pushed",
    "call.connect_recorded",  # the reply to call.connected (sender only)
    "call.ended",
    "error",
    "pong",
}
