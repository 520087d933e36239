"""The agent's entry point for the chat: :func:`respond` picks the provider ``AI_PROVIDER``
names and streams its events.

Per turn a provider yields, in this order:

1. ``Understood(helped, intent)`` once;
2. on handoff, ``Handoff(reason)`` *before* the text that tells the shopper, so a reply cut off
   by a new message never loses the handoff (keep iterating after it to get that text);
3. ``ToolUsed`` for each tool call;
4. ``Token`` pieces of the reply (a word or two Han characters each), awaiting between them,
   so cancelling the iteration stops the reply within one token.

Tools run before the first token, so cancelling after a token never leaves a tool half done.
A provider error never escapes: the shopper gets a short apology in their language instead.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from django.conf import settings
from django.utils import translation

from support.agent import replies
from support.agent.interface import AgentContext, AgentEvent, Provider, Token, Understood
from support.agent.streaming import stream_text

logger = logging.getLogger(__name__)


def get_provider(name: str | None = None) -> Provider:
    name = (name or getattr(settings, "AI_PROVIDER", "builtin") or "builtin").lower()
    if name == "openai":
        from support.agent.openai import OpenAIProvider

        return OpenAIProvider()
    if name != "builtin":
        logger.warning("Unknown AI_PROVIDER %r; using the builtin agent", name)
    from support.agent.builtin import BuiltinProvider

    return BuiltinProvider()


async def respond(
    context: AgentContext, message: str, *, provider: Provider | None = None
) -> AsyncIterator[AgentEvent]:
    """Answer ``message`` in ``context``: see the module docstring for the event order."""
    chosen = provider or get_provider()
    understood = False
    try:
        async for event in chosen.respond(context, message):
            understood = understood or isinstance(event, Understood)
            yield event
    except Exception:
        logger.exception("AI provider %s failed", type(chosen).__name__)
        if not understood:
            yield Understood(helped=False, intent="error")
        with translation.override(context.language):
            text = replies.fallback()
        if understood:
            yield Token("\n")
        async for token in stream_text(text):
            yield token
