"""The support chat WebSocket protocol (``/ws/support/`` for shoppers, ``/ws/support/inbox/``
for shop support staff): inbound schemas, outbound event schemas, error codes, close codes
and per-connection rate limits.

Documented in docs/protocol.md ("Support chat"); tests validate every frame against
``OUTBOUND`` and fuzz the inbound side. The envelope and the ``error`` event are the room
protocol's (``liverooms.realtime.protocol``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter

from liverooms.realtime.protocol import CLOSE_FLOOD, Ref
from liverooms.realtime.protocol import ErrorCode as RoomErrorCode
from liverooms.realtime.protocol import ErrorEvent as Error
from liverooms.realtime.protocol import OutboundEvent as _Event
from liverooms.realtime.protocol import PongEvent as Pong

__all__ = [
    "CLOSE_FLOOD",
    "CLOSE_FORBIDDEN",
    "CLOSE_SHOP_NOT_FOUND",
    "INBOUND",
    "INBOUND_TYPES",
    "INBOX_RATE_LIMITS",
    "MAX_FRAME_BYTES",
    "OUTBOUND",
    "RATE_LIMITS",
]

MAX_FRAME_BYTES = 8192  # a 2,000-character message in any script, escaped, fits
MAX_TEXT_CHARS = 2000

# Close codes (the browser widget does not reconnect on 4003/4004).
CLOSE_FORBIDDEN = 4003  # the inbox socket: not support staff of any shop
CLOSE_SHOP_NOT_FOUND = 4004  # /ws/support/?shop=<slug> names no active shop
# CLOSE_FLOOD (4008) as on the room socket: kept sending after being told to slow down.


class SupportErrorCode(RoomErrorCode):
    """The room protocol's generic codes (invalid_json, invalid_message, unknown_type,
    too_large, rate_limited, internal_error) and the support chat's own."""

    CONVERSATION_NOT_FOUND = "conversation_not_found"  # not yours, or no such conversation
    CONVERSATION_CLOSED = "conversation_closed"  # rating a closed-and-rated one, etc.
    CSAT_NOT_REQUESTED = "csat_not_requested"  # support.rate before the shop asked
    NO_CONVERSATION = "no_conversation"  # support.rate / typing before any message


ErrorCode = SupportErrorCode

Text = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_TEXT_CHARS, pattern=r"^[^\x00]*$"
    ),
]


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: Ref | None = None


class SupportSend(_Inbound):
    """The shopper writes. Interrupts an agent reply in flight; answered by the agent, or by
    humans once the conversation was handed off."""

    type: Literal["support.send"]
    text: Text


class SupportOpen(_Inbound):
    """Show one of the shopper's own conversations (from ``history`` in the snapshot)."""

    type: Literal["support.open"]
    conversation_id: int = Field(strict=True, ge=1, le=2**31 - 1)


class SupportNew(_Inbound):
    """Start afresh: the next message opens a new conversation."""

    type: Literal["support.new"]


class SupportRate(_Inbound):
    """The shopper's satisfaction rating, after the shop asked for it."""

    type: Literal["support.rate"]
    score: int = Field(strict=True, ge=1, le=5)
    comment: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^[^\x00]*$")
    ] = ""


class Ping(_Inbound):
    type: Literal["ping"]


SupportInboundMessage = SupportSend | SupportOpen | SupportNew | SupportRate | Ping
INBOUND = TypeAdapter(Annotated[SupportInboundMessage, Field(discriminator="type")])
INBOUND_TYPES = {"support.send", "support.open", "support.new", "support.rate", "ping"}

# Per-connection limits: (tokens per second, burst).
RATE_LIMITS: dict[str, tuple[float, int]] = {
    "support.send": (1.0, 5),
    "support.open": (1.0, 5),
    "support.new": (0.5, 3),
    "support.rate": (0.5, 3),
    "ping": (1.0, 5),
    "*": (5.0, 10),
}
# The inbox socket only listens (actions are HTTP posts); it accepts ping.
INBOX_INBOUND_TYPES = {"ping"}
INBOX_RATE_LIMITS: dict[str, tuple[float, int]] = {"ping": (1.0, 5), "*": (5.0, 10)}


# Outbound ----------------------------------------------------------------------------------


class MessageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    conversation_id: int
    sender: Literal["shopper", "agent", "human", "system"]
    author: str  # the staff member's display name for human replies, else ""
    text: str  # in the reader's language when a translation exists
    original: str  # as written
    language: str
    interrupted: bool
    tools: list[str]
    created_at: str


class ConversationOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    shop: str
    status: Literal["agent", "waiting", "assigned", "closed"]
    language: str
    assigned_to: str
    csat_requested: bool
    csat_score: int | None
    created_at: str


class InboxRow(ConversationOut):
    """A line of the staff inbox list."""

    shop_name: str
    shopper: str
    preview: str
    last_sender: str
    last_message_at: str
    handed_off: bool


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: int
    status: str
    preview: str
    created_at: str


class ShopOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str
    name: str


class Snapshot(_Event):
    type: Literal["support.snapshot"]
    shop: ShopOut
    conversation: ConversationOut | None
    messages: list[MessageOut]
    history: list[HistoryItem]
    ref: Ref | None = None


class Sent(_Event):
    type: Literal["support.sent"]
    ref: Ref | None = None
    id: int
    conversation_id: int


class MessageEvent(_Event):
    type: Literal["support.message"]
    message: MessageOut
    reply: str | None = None  # the agent reply's stream id, so the widget swaps its bubble


class StatusEvent(_Event):
    type: Literal["support.status"]
    conversation: ConversationOut


class CsatRequest(_Event):
    type: Literal["support.csat_request"]
    conversation_id: int


class Rated(_Event):
    type: Literal["support.rated"]
    ref: Ref | None = None
    conversation_id: int
    score: int


class AgentStart(_Event):
    type: Literal["agent.start"]
    reply: str
    conversation_id: int


class AgentDelta(_Event):
    type: Literal["agent.delta"]
    reply: str
    text: str


class AgentDone(_Event):
    """The reply ended: ``interrupted`` when the shopper's new message stopped it."""

    type: Literal["agent.done"]
    reply: str
    interrupted: bool
    message: MessageOut | None  # None when nothing was streamed before the interruption


class InboxConversation(_Event):
    """A row of the inbox list changed (new, new message, claimed, handed off, closed)."""

    type: Literal["inbox.conversation"]
    conversation: InboxRow


class InboxMessage(_Event):
    type: Literal["inbox.message"]
    message: MessageOut


class InboxSnapshot(_Event):
    type: Literal["inbox.snapshot"]
    shops: list[ShopOut]
    conversations: list[InboxRow]


OutboundEvent = (
    Snapshot
    | Sent
    | MessageEvent
    | StatusEvent
    | CsatRequest
    | Rated
    | AgentStart
    | AgentDelta
    | AgentDone
    | InboxConversation
    | InboxMessage
    | InboxSnapshot
    | Pong
    | Error
)
OUTBOUND: TypeAdapter[OutboundEvent] = TypeAdapter(
    Annotated[OutboundEvent, Field(discriminator="type")]
)
OUTBOUND_TYPES = {
    "support.snapshot",
    "support.sent",
    "support.message",
    "support.status",
    "support.csat_request",
    "support.rated",
    "agent.start",
    "agent.delta",
    "agent.done",
    "inbox.conversation",
    "inbox.message",
    "inbox.snapshot",
    "pong",
    "error",
}
