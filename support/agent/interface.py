"""The contract between the support chat (``support.chat``) and the agent.

The chat calls :func:`support.agent.runtime.respond` with an :class:`AgentContext` and the
shopper's new message and iterates the events as they come. It streams ``Token`` text to the
widget, records ``ToolUsed`` on the reply, and on ``Handoff`` moves the conversation to the
human inbox. Cancelling the iteration (the shopper wrote again) must stop the reply at once:
implementations await between tokens and never hold work that outlives the cancellation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from shop.accounts.models import User
from shop.shops.models import Shop


@dataclass(frozen=True)
class Turn:
    role: str  # "shopper" | "agent" | "human" | "system"
    text: str


@dataclass(frozen=True)
class AgentContext:
    shop: Shop
    shopper: User | None  # None for an anonymous visitor: tools needing an account say so
    language: str  # the language to answer in (the shopper's, detected or chosen)
    currency: str  # prices in answers are shown in this currency
    conversation_id: int
    history: list[Turn] = field(default_factory=list)  # earlier turns, oldest first
    failures: int = 0  # consecutive turns the agent could not help with


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class ToolUsed:
    tool: str
    arguments: dict[str, Any]
    ok: bool


@dataclass(frozen=True)
class Handoff:
    reason: str  # "requested" | "failures" | "frustration" | ...


@dataclass(frozen=True)
class Understood:
    """Sent once per turn before the reply: whether the agent could help (for failure counts)."""

    helped: bool
    intent: str


AgentEvent = Token | ToolUsed | Handoff | Understood


class Provider(Protocol):
    def respond(self, context: AgentContext, message: str) -> AsyncIterator[AgentEvent]: ...
