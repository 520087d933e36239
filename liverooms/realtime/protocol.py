"""The room WebSocket protocol: inbound message schemas, error codes and close codes.

Documented in docs/protocol.md; tests validate both directions against these definitions.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

MAX_FRAME_BYTES = 4096
MAX_RTC_FRAME_BYTES = 32768  # rtc.* messages carry a whole SDP offer (non-trickle ICE)

# Close codes (4000-4999 are for applications).
CLOSE_ROOM_NOT_FOUND = 4004
CLOSE_BANNED = 4003
CLOSE_FLOOD = 4008  # kept sending after being told to slow down


class ErrorCode:
    INVALID_JSON = "invalid_json"
    INTERNAL = "internal_error"  # the server failed to handle a valid message; retry later
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
    PK_NOT_LINKED = "pk_not_linked"  # rtc.subscribe to a room that is not linked (PK) now
    # Quizzes (liverooms.quizzes)
    QUIZ_NOT_FOUND = "quiz_not_found"  # no such question run in this room, or no such option
    QUIZ_CLOSED = "quiz_closed"  # the server's deadline passed, or the host revealed it
    QUIZ_ALREADY_ANSWERED = "quiz_already_answered"
    # Giveaways and live-only coupons (liverooms.giveaways)
    GIVEAWAY_CLOSED = "giveaway_closed"
    GIVEAWAY_NOT_ELIGIBLE = "giveaway_not_eligible"  # `detail`: staff, purchase_required, country
    GIVEAWAY_ALREADY_ENTERED = "giveaway_already_entered"
    COUPON_SOLD_OUT = "coupon_sold_out"
    COUPON_LIMIT_REACHED = "coupon_limit_reached"
    COUPON_CLOSED = "coupon_closed"
    # Gifts and coins (liverooms.gifts, shop.wallet)
    INSUFFICIENT_COINS = "insufficient_coins"
    GIFT_NOT_FOUND = "gift_not_found"
    BAD_COUNT = "bad_count"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"  # a send_id reused for a different gift


Ref = Annotated[str, StringConstraints(max_length=64)]


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class ChatSend(_Inbound):
    type: Literal["chat.send"]
    # No NUL: PostgreSQL cannot store it (the line used to crash the socket instead of failing).
    text: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00]*$"
        ),
    ]


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
    """Watch one publisher: an SDP offer with recvonly audio and video. ``room`` (a slug, as
    in the ``rtc.publishers`` entry) is needed to watch a publisher of a linked (PK) room;
    leaving it out, or naming this room, means this room."""

    type: Literal["rtc.subscribe"]
    publisher: Identity
    sdp: Sdp
    room: (
        Annotated[str, StringConstraints(min_length=1, max_length=80, pattern=r"^[-\w]+$")] | None
    ) = None


class RtcLeave(_Inbound):
    type: Literal["rtc.leave"]
    peer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class CohostAsk(_Inbound):
    """A signed-in viewer asks the host to join the stream."""

    type: Literal["cohost.request"]


DbId = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]


class QuizAnswer(_Inbound):
    """A signed-in shopper's answer: ``option`` (an option id) of ``question_run`` (the id in
    ``quiz.question``). One answer per shopper and question, before the server's deadline."""

    type: Literal["quiz.answer"]
    question_run: DbId
    option: DbId


class GiveawayEnter(_Inbound):
    """Enter the room's open giveaway (the button; a chat line with its keyword also enters).
    ``id`` may name the giveaway the client saw."""

    type: Literal["giveaway.enter"]
    id: int | None = Field(default=None, ge=1, le=2**62)


class CouponClaim(_Inbound):
    """Claim one code of the room's live-only coupon drop (``id``: the drop the client saw)."""

    type: Literal["coupon.claim"]
    id: int | None = Field(default=None, ge=1, le=2**62)


class GiftSendMessage(_Inbound):
    """Send ``count`` of a gift in this room. ``send_id`` (a UUID the client makes per tap)
    makes a re-sent message harmless: the same send_id never debits twice."""

    type: Literal["gift.send"]
    gift_id: int = Field(ge=1, le=2**62)
    send_id: UUID
    count: int = Field(default=1, ge=1, le=99)


InboundMessage = (
    ChatSend
    | LikeSend
    | RoomResume
    | Ping
    | RtcPublish
    | RtcSubscribe
    | RtcLeave
    | CohostAsk
    | QuizAnswer
    | GiveawayEnter
    | CouponClaim
    | GiftSendMessage
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
    "quiz.answer",
    "giveaway.enter",
    "coupon.claim",
    "gift.send",
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
    "quiz.answer": (2.0, 5),
    "giveaway.enter": (0.5, 3),
    "coupon.claim": (1.0, 3),
    "gift.send": (3.0, 8),  # taps come in bursts; count covers combos
    "*": (5.0, 10),  # unparseable or unknown messages
}


# After this many refusals within FLOOD_WINDOW seconds the connection is closed (CLOSE_FLOOD).
class OutboundEvent(BaseModel):
    """Base of the server events' schemas of every socket (room, support, slots, call)."""

    model_config = ConfigDict(extra="forbid")


class PongEvent(OutboundEvent):
    type: Literal["pong"]
    ref: Ref | None = None


class ErrorEvent(OutboundEvent):
    """The one error shape of every socket: a stable ``code`` and a readable ``message``."""

    type: Literal["error"]
    code: str
    message: str
    ref: Ref | None = None


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
    "pk.invited",
    "pk.started",
    "pk.ended",
    "order.bought",
    "deal.started",
    "deal.updated",
    "deal.ended",
    "chat.deleted",
    "chat.pinned",
    "chat.translated",  # only to viewers of its language; no seq (docs/protocol.md)
    "likes.update",
    "quiz.started",
    "quiz.question",
    "quiz.progress",
    "quiz.answered",  # the reply to quiz.answer (sender only, no seq)
    "quiz.revealed",
    "quiz.winners",
    "quiz.ended",
    "gift.sent",
    "gift.leaderboard",
    "wallet.balance",  # the reply to gift.send (sender only, no seq)
    "pk.score",
    "giveaway.opened",
    "giveaway.entries",
    "giveaway.entered",  # the reply to giveaway.enter (sender only, no seq)
    "giveaway.closed",
    "giveaway.drawn",
    "coupon.dropped",
    "coupon.updated",
    "coupon.claimed",  # the reply to coupon.claim with the code (sender only, no seq)
    "coupon.closed",
    "viewers.update",
    "error",
    "pong",
}
