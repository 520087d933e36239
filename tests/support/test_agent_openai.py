"""The ``openai`` provider against a local server that speaks the OpenAI chat-completions
protocol (tests/support/fake_openai.py): streaming, tool calls, permissions, failures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from support.agent.interface import Token, Understood
from tests.factories import CatalogWorld, make_user
from tests.support.agent_world import Reply, ask, context, make_order, ship
from tests.support.fake_openai import FakeOpenAI, running, text, tool_call
from tests.support.fake_openai import Reply as Scripted


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    yield from running()


@pytest.fixture(autouse=True)
def _openai(settings: Any, server: FakeOpenAI) -> None:
    settings.AI_PROVIDER = "openai"
    settings.AI_BASE_URL = server.url
    settings.AI_MODEL = "test-model"
    settings.AI_API_KEY = "sk-test"
    settings.AI_TIMEOUT_SECONDS = 2.0
    settings.AI_TOKEN_DELAY = 0


def reply(agent_context: Any, message: str) -> Reply:
    return async_to_sync(ask)(agent_context, message)


FALLBACK = "having trouble answering"


def test_streamed_deltas_arrive_as_tokens(world: CatalogWorld, server: FakeOpenAI) -> None:
    server.script = [text("Hello", " there", ", how can I help?")]
    answer = reply(context(world.shop_a, world.shopper), "hi")
    tokens = [e.text for e in answer.events if isinstance(e, Token)]
    assert tokens == ["Hello", " there", ", how can I help?"]
    assert isinstance(answer.events[0], Understood)
    request = server.requests[0]
    assert request["stream"] is True
    assert request["model"] == "test-model"
    assert {t["function"]["name"] for t in request["tools"]} >= {
        "order_status",
        "shipment_tracking",
        "return_request",
        "product_info",
        "size_advice",
        "store_policy",
        "handoff_to_human",
    }
    assert request["messages"][-1] == {"role": "user", "content": "hi"}


def test_tool_call_round_trip_with_the_shoppers_own_order(
    world: CatalogWorld, server: FakeOpenAI
) -> None:
    # given a shipped order, and a model that asks for the tracking tool, then answers
    order = make_order(world.shop_a, world.shopper, "SROPEN2345")
    ship(order, "TRK-OPENAI-1", scans=[("in_transit", "Paris")])
    server.script = [
        tool_call("shipment_tracking", {"number": "SROPEN2345"}),
        text("It is in transit, tracking ", "TRK-OPENAI-1", "."),
    ]
    # when the shopper asks
    answer = reply(context(world.shop_a, world.shopper), "where is my parcel")
    # then the tool ran with the shopper's permissions and its result went back to the model
    assert [(t.tool, t.arguments, t.ok) for t in answer.tools] == [
        ("shipment_tracking", {"number": "SROPEN2345"}, True)
    ]
    second = server.requests[1]["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "shipment_tracking"
    tool_message = second[-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert json.loads(tool_message["content"])["shipments"][0]["tracking_number"] == "TRK-OPENAI-1"
    assert answer.text == "It is in transit, tracking TRK-OPENAI-1."


def test_the_model_cannot_read_another_shoppers_order(
    world: CatalogWorld, server: FakeOpenAI
) -> None:
    victim = make_user("victim@example.test")
    order = make_order(world.shop_a, victim, "SRVICT2345")
    ship(order, "SECRET-TRACK-2")
    server.script = [
        tool_call("order_status", {"number": "SRVICT2345"}),
        text("I could not find that order."),
    ]
    answer = reply(context(world.shop_a, world.shopper), "status of SRVICT2345")
    assert answer.tools[0].ok is False
    sent_back = json.dumps(server.requests[1]["messages"])
    assert "SECRET-TRACK-2" not in sent_back
    assert "order_not_found" in sent_back


def test_anonymous_visitor_tools_answer_sign_in(world: CatalogWorld, server: FakeOpenAI) -> None:
    server.script = [tool_call("order_status", {}), text("Please sign in first.")]
    answer = reply(context(world.shop_a, None), "my order?")
    assert answer.tools[0].ok is False
    assert json.loads(server.requests[1]["messages"][-1]["content"])["code"] == "sign_in"


def test_model_handoff_tool_emits_a_handoff(world: CatalogWorld, server: FakeOpenAI) -> None:
    server.script = [
        tool_call("handoff_to_human", {"reason": "cannot help"}),
        text("A colleague will take over."),
    ]
    answer = reply(context(world.shop_a, world.shopper), "my parcel is damaged and wet")
    assert answer.handoff is not None and answer.handoff.reason == "cannot help"
    assert answer.text == "A colleague will take over."


def test_request_for_a_human_hands_off_without_asking_the_model(
    world: CatalogWorld, server: FakeOpenAI
) -> None:
    answer = reply(context(world.shop_a, world.shopper, "es"), "quiero hablar con una persona")
    assert answer.handoff is not None and answer.handoff.reason == "requested"
    assert server.requests == []


@pytest.mark.parametrize(
    "scripted",
    [
        Scripted(status=500),
        Scripted(status=401),
        Scripted(raw="data: {not json\n\n"),
        Scripted(raw='data: {"choices": "nonsense"}\n\n'),
        Scripted(raw="data: [DONE]\n\n"),
        Scripted(delay=5),
    ],
    ids=["http-500", "http-401", "bad-json", "bad-shape", "empty", "timeout"],
)
def test_endpoint_failures_end_in_a_clear_fallback(
    world: CatalogWorld, server: FakeOpenAI, settings: Any, scripted: Scripted
) -> None:
    settings.AI_TIMEOUT_SECONDS = 0.5
    server.script = [scripted]
    answer = reply(context(world.shop_a, world.shopper), "hello?")
    assert FALLBACK in answer.text
    assert answer.handoff is None


def test_fallback_is_in_the_shoppers_language(world: CatalogWorld, server: FakeOpenAI) -> None:
    server.script = [Scripted(status=503)]
    answer = reply(context(world.shop_a, world.shopper, "es"), "hola?")
    assert "problemas para responder" in answer.text


def test_unreachable_endpoint_falls_back(world: CatalogWorld, settings: Any) -> None:
    settings.AI_BASE_URL = "http://127.0.0.1:9/v1"
    answer = reply(context(world.shop_a, world.shopper), "hello?")
    assert FALLBACK in answer.text


def test_tool_rounds_are_bounded(world: CatalogWorld, server: FakeOpenAI, settings: Any) -> None:
    settings.AI_MAX_TOOL_ROUNDS = 2
    server.script = [tool_call("store_policy", {"topic": "shipping"}) for _ in range(5)]
    answer = reply(context(world.shop_a, world.shopper), "shipping?")
    assert len(server.requests) == 2
    assert FALLBACK in answer.text
