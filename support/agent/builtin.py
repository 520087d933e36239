"""The builtin provider: offline, no model. Reads the message (``understand``), runs the one
tool its intent calls, and phrases the result with the reply templates (``replies``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import translation

from support.agent import lexicon, replies
from support.agent.interface import AgentContext, AgentEvent, Handoff, ToolUsed, Understood
from support.agent.streaming import stream_text
from support.agent.tools import ToolResult, run_tool
from support.agent.tools.catalog import find_option, find_product
from support.agent.tools.policies import find_policy
from support.agent.understand import Message, Reading, order_number, read

# Tool outcomes after which the agent has not helped (they count toward a handoff).
UNHELPFUL_CODES = {"product_not_found", "policy_not_found", "order_not_found", "unknown_tool"}


@dataclass
class Plan:
    """What the builtin agent decided for one message, and the reply it composed."""

    intent: str
    tool: str | None
    arguments: dict[str, Any]
    result: ToolResult | None
    aspects: set[str]
    reply: str

    @property
    def helped(self) -> bool:
        if self.intent == "unknown":
            return False
        return self.result is None or self.result.code not in UNHELPFUL_CODES


def handoff_reason(reading: Reading, context: AgentContext) -> str | None:
    if reading.wants_human:
        return "requested"
    if reading.frustrated:
        return "frustration"
    if reading.intent == "cancel":
        # Cancelling is a staff decision (payment, stock, a parcel maybe on its way).
        return "cancel"
    return None


def _arguments(intent: str, reading: Reading, message: str) -> dict[str, Any]:
    if intent in ("order_status", "tracking"):
        return {"number": reading.order_number} if reading.order_number else {}
    if intent == "return":
        arguments: dict[str, Any] = {"reason": message[:300]}
        if reading.order_number:
            arguments["number"] = reading.order_number
        return arguments
    if intent == "product":
        arguments = {"query": message}
        colour = find_option(message, "colour")
        if colour:
            arguments["colour"] = colour
        if reading.size:
            arguments["size"] = reading.size
        return arguments
    if intent == "size":
        arguments = {"query": message, "unit": reading.unit}
        arguments.update({k: str(v) for k, v in reading.measurements.items()})
        return arguments
    if intent == "policy":
        parsed = Message.of(message)
        scores = {k: parsed.score(p) for k, p in lexicon.POLICY_KIND_PHRASES.items()}
        best = max(scores, key=lambda k: scores[k])
        return {"topic": best if scores[best] > 0 else "", "query": message}
    return {}


def _last_shopper_intent(context: AgentContext) -> str | None:
    for turn in reversed(context.history[-4:]):
        if turn.role == "shopper" and turn.text:
            return read(turn.text).intent
    return None


def _follow_up(context: AgentContext, intent: str, arguments: dict[str, Any], message: str) -> None:
    """Fill in what a follow-up leaves out ("do you have it in black?", "and when will it
    arrive?") from the recent conversation: the product or order number named last."""
    recent = [turn.text for turn in reversed(context.history[-6:]) if turn.text]
    if intent in ("product", "size") and find_product(context, message) is None:
        for text in recent:
            if find_product(context, text) is not None:
                arguments["query"] = f"{text} {message}"
                return
    if intent in ("order_status", "tracking", "return") and "number" not in arguments:
        for text in recent:
            number = order_number(Message.of(text))
            if number:
                arguments["number"] = number
                return


def _aspects(message: str) -> set[str]:
    parsed = Message.of(message)
    return {k for k, p in lexicon.ASPECT_PHRASES.items() if parsed.score(p) > 0}


def plan_turn(context: AgentContext, message: str, reading: Reading) -> Plan:
    """Run the tool the message calls for and compose the reply (synchronous: ORM work)."""
    intent = reading.intent
    if (
        intent == "order_status"
        and reading.order_number
        and _last_shopper_intent(context)
        in (
            "return",
            "tracking",
        )
    ):
        # The answer to "which order?": carry on with what the shopper asked for before.
        intent = _last_shopper_intent(context) or intent
    if intent == "unknown" and find_product(context, message) is not None:
        # No question word we know, but the message names a product: say what we know of it.
        intent = "product"
    elif intent == "unknown" and find_policy(context, message) is not None:
        # Or it uses the words of one of the shop's policy pages ("apple pay", "express").
        intent = "policy"
    if intent not in replies.INTENT_TOOLS:
        text = replies.compose(intent, None, set(), context.language)
        return Plan(intent, None, {}, None, set(), text)
    tool = replies.intent_tool(intent)
    arguments = _arguments(intent, reading, message)
    _follow_up(context, intent, arguments, message)
    with translation.override(context.language):
        result = run_tool(tool, context, arguments)
    if tool == "product_info" and not result.ok and find_policy(context, message) is not None:
        # "how much is express delivery": a price question about a policy, not a product.
        intent, tool = "policy", "store_policy"
        arguments = _arguments(intent, reading, message)
        with translation.override(context.language):
            result = run_tool(tool, context, arguments)
    aspects = _aspects(message) if tool == "product_info" else set()
    text = replies.compose(intent, result, aspects, context.language)
    return Plan(intent, tool, arguments, result, aspects, text)


def _handoff_text(reason: str, language: str) -> str:
    with translation.override(language):
        return replies.handoff(reason)


class BuiltinProvider:
    name = "builtin"

    async def respond(self, context: AgentContext, message: str) -> AsyncIterator[AgentEvent]:
        reading = read(message)
        reason = handoff_reason(reading, context)
        if reason is not None:
            yield Understood(helped=True, intent="handoff")
            yield Handoff(reason)
            async for token in stream_text(_handoff_text(reason, context.language)):
                yield token
            return
        turn = await sync_to_async(plan_turn, thread_sensitive=True)(context, message, reading)
        limit = int(getattr(settings, "AI_HANDOFF_AFTER_FAILURES", 2))
        if not turn.helped and context.failures + 1 >= limit:
            yield Understood(helped=False, intent=turn.intent)
            if turn.tool and turn.result is not None:
                yield ToolUsed(turn.tool, turn.arguments, turn.result.ok)
            yield Handoff("failures")
            async for token in stream_text(_handoff_text("failures", context.language)):
                yield token
            return
        yield Understood(helped=turn.helped, intent=turn.intent)
        if turn.tool and turn.result is not None:
            yield ToolUsed(turn.tool, turn.arguments, turn.result.ok)
        async for token in stream_text(turn.reply):
            yield token
