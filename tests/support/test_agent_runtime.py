"""runtime.respond: provider choice, and a provider that fails never breaks the chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import async_to_sync

from support.agent.builtin import BuiltinProvider
from support.agent.interface import AgentContext, AgentEvent, Token, Understood
from support.agent.runtime import get_provider, respond
from support.agent.streaming import chunks
from tests.factories import CatalogWorld
from tests.support.agent_world import Reply, context


class Broken:
    def __init__(self, after_tokens: int) -> None:
        self.after_tokens = after_tokens

    async def respond(self, context: AgentContext, message: str) -> AsyncIterator[AgentEvent]:
        if self.after_tokens:
            yield Understood(helped=True, intent="x")
            for _ in range(self.after_tokens):
                yield Token("partial ")
        raise RuntimeError("provider bug")


def collect(agent_context: AgentContext, message: str, provider: Any) -> Reply:
    async def run() -> Reply:
        return Reply([e async for e in respond(agent_context, message, provider=provider)])

    return async_to_sync(run)()


def test_unknown_provider_name_uses_the_builtin_agent(settings: Any) -> None:
    settings.AI_PROVIDER = "nonsense"
    assert isinstance(get_provider(), BuiltinProvider)


def test_a_failing_provider_ends_in_an_apology(world: CatalogWorld, settings: Any) -> None:
    settings.AI_TOKEN_DELAY = 0
    answer = collect(context(world.shop_a, None, "id"), "halo", Broken(after_tokens=0))
    assert answer.understood.helped is False
    assert "kesulitan menjawab" in answer.text


def test_a_provider_failing_mid_reply_keeps_what_was_said(
    world: CatalogWorld, settings: Any
) -> None:
    settings.AI_TOKEN_DELAY = 0
    answer = collect(context(world.shop_a, None), "hi", Broken(after_tokens=2))
    assert answer.text.startswith("partial partial \n")
    assert "having trouble answering" in answer.text
    assert sum(isinstance(e, Understood) for e in answer.events) == 1


def test_tokens_are_small() -> None:
    assert chunks("Your order SR1 is shipped.") == ["Your ", "order ", "SR1 ", "is ", "shipped."]
    assert chunks("您的订单已发货") == ["您的", "订单", "已发", "货"]
