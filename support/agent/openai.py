"""The ``openai`` provider: any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM,
Ollama, llama.cpp server...) with tool calling and streaming.

Each round POSTs ``/chat/completions`` with ``stream: true`` and the tools as JSON-schema
functions, yields content deltas as ``Token`` events as they arrive, collects streamed tool
calls, runs them (with the shopper's permissions, like every provider) and sends the results
back, until the model answers without tools or ``AI_MAX_TOOL_ROUNDS`` is reached. Asking for a
human or frustration is detected locally first (the same reading as the builtin agent), so a
handoff never depends on the model. HTTP errors, bad JSON and timeouts end in a short apology.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import translation

from support.agent import replies
from support.agent.builtin import BuiltinProvider, handoff_reason
from support.agent.interface import (
    AgentContext,
    AgentEvent,
    Handoff,
    Token,
    ToolUsed,
    Understood,
)
from support.agent.streaming import stream_text
from support.agent.tools import TOOLS, run_tool
from support.agent.understand import read

logger = logging.getLogger(__name__)

HANDOFF_TOOL = {
    "type": "function",
    "function": {
        "name": "handoff_to_human",
        "description": "Pass the conversation to the shop's support staff (the shopper asks "
        "for a person, is upset, or you cannot help).",
        "parameters": {
            "type": "object",
            "properties": {"reason": {"type": "string"}},
        },
    },
}

LANGUAGE_NAMES = {
    "en": "English",
    "zh-hans": "Simplified Chinese",
    "es": "Spanish",
    "ar": "Arabic",
    "id": "Indonesian",
}


class ProviderError(Exception):
    """The endpoint failed (HTTP status, malformed stream, timeout)."""


@dataclass
class ToolCall:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class Round:
    content: str = ""
    tool_calls: dict[int, ToolCall] = field(default_factory=dict)


def system_prompt(context: AgentContext) -> str:
    language = LANGUAGE_NAMES.get(context.language, context.language)
    signed_in = "signed in" if context.shopper is not None else "not signed in"
    return (
        f"You are the customer-service assistant of the online shop {context.shop.name}. "
        f"Always answer in {language}, briefly and warmly. Show prices in {context.currency}. "
        f"The shopper is {signed_in}. Use the tools for every fact about orders, shipments, "
        "returns, products, sizes and store policies; never invent order numbers, tracking "
        "numbers, prices or policies. If a tool answers ok=false, explain it plainly (for "
        "code sign_in, ask the shopper to sign in). If the shopper asks for a person or you "
        "cannot help, call handoff_to_human."
    )


def history_messages(context: AgentContext) -> list[dict[str, Any]]:
    roles = {"shopper": "user", "agent": "assistant", "human": "assistant"}
    return [
        {"role": roles[turn.role], "content": turn.text}
        for turn in context.history[-20:]
        if turn.role in roles and turn.text
    ]


class OpenAIProvider:
    name = "openai"

    def __init__(
        self,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_rounds: int | None = None,
    ) -> None:
        self.base_url = (base_url or settings.AI_BASE_URL).rstrip("/")
        self.model = model if model is not None else settings.AI_MODEL
        self.api_key = api_key if api_key is not None else settings.AI_API_KEY
        self.timeout = timeout if timeout is not None else settings.AI_TIMEOUT_SECONDS
        self.max_rounds = max_rounds or settings.AI_MAX_TOOL_ROUNDS

    async def respond(self, context: AgentContext, message: str) -> AsyncIterator[AgentEvent]:
        reason = handoff_reason(read(message), context)
        if reason is not None:
            async for event in BuiltinProvider().respond(context, message):
                yield event
            return
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(context)},
            *history_messages(context),
            {"role": "user", "content": message},
        ]
        tools = [tool.schema() for tool in TOOLS.values()] + [HANDOFF_TOOL]
        yield Understood(helped=True, intent="model")
        streamed = False
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
                for _round in range(self.max_rounds):
                    current = Round()
                    async for delta in self._stream(session, messages, tools, current):
                        streamed = True
                        yield Token(delta)
                    if not current.tool_calls:
                        if not current.content:
                            raise ProviderError("empty answer")
                        return
                    messages.append(self._assistant_message(current))
                    for call in current.tool_calls.values():
                        async for event in self._run_call(context, call, messages):
                            yield event
                raise ProviderError("too many tool rounds")
        except (
            ProviderError,
            aiohttp.ClientError,
            TimeoutError,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ) as error:
            # A malformed answer is the endpoint's fault, never a crash of the chat.
            logger.warning("AI endpoint %s failed: %r", self.base_url, error)
            with translation.override(context.language):
                text = replies.fallback()
            if streamed:
                yield Token("\n")
            async for token in stream_text(text):
                yield token

    async def _stream(
        self,
        session: aiohttp.ClientSession,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        current: Round,
    ) -> AsyncIterator[str]:
        """POST one round and yield content deltas; tool-call deltas collect in ``current``."""
        body = {"model": self.model, "messages": messages, "tools": tools, "stream": True}
        async with session.post(f"{self.base_url}/chat/completions", json=body) as response:
            if response.status >= 400:
                text = (await response.text())[:200]
                raise ProviderError(f"HTTP {response.status}: {text}")
            if "text/event-stream" not in response.headers.get("Content-Type", ""):
                # A server that ignores stream=true answers one JSON document.
                self._absorb(await response.json(content_type=None), current, whole=True)
                if current.content:
                    yield current.content
                return
            async for raw_line in response.content:
                line = raw_line.decode("utf-8").strip()
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)  # ValueError on a malformed stream: handled above
                delta = self._absorb(chunk, current, whole=False)
                if delta:
                    yield delta

    @staticmethod
    def _absorb(chunk: dict[str, Any], current: Round, *, whole: bool) -> str:
        if "error" in chunk:
            raise ProviderError(str(chunk["error"])[:200])
        choices = chunk.get("choices") or []
        if not choices:
            return ""
        part = choices[0].get("message" if whole else "delta") or {}
        text = part.get("content") or ""
        current.content += text
        for index, call in enumerate(part.get("tool_calls") or []):
            slot = current.tool_calls.setdefault(call.get("index", index), ToolCall())
            slot.id = call.get("id") or slot.id
            function = call.get("function") or {}
            slot.name = function.get("name") or slot.name
            slot.arguments += function.get("arguments") or ""
        return text

    @staticmethod
    def _assistant_message(current: Round) -> dict[str, Any]:
        return {
            "role": "assistant",
            "content": current.content or None,
            "tool_calls": [
                {
                    "id": call.id or f"call_{index}",
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments or "{}"},
                }
                for index, call in current.tool_calls.items()
            ],
        }

    async def _run_call(
        self, context: AgentContext, call: ToolCall, messages: list[dict[str, Any]]
    ) -> AsyncIterator[AgentEvent]:
        try:
            arguments = json.loads(call.arguments or "{}")
            if not isinstance(arguments, dict):
                raise ValueError("arguments must be an object")
        except ValueError:
            arguments = {}
            output: dict[str, Any] = {"ok": False, "code": "bad_arguments"}
            ok = False
        else:
            if call.name == "handoff_to_human":
                yield Handoff(str(arguments.get("reason") or "model"))
                output, ok = {"ok": True, "code": "handed_off"}, True
            else:
                with translation.override(context.language):
                    result = await sync_to_async(run_tool, thread_sensitive=True)(
                        call.name, context, arguments
                    )
                output, ok = result.as_json(), result.ok
        yield ToolUsed(call.name, arguments, ok)
        messages.append(
            {
                "role": "tool",
                "tool_call_id": call.id or "call_0",
                "content": json.dumps(output, ensure_ascii=False, default=str),
            }
        )
        await asyncio.sleep(0)
