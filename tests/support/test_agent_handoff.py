"""Handoff (on request, on frustration, after repeated failures, in all five languages) and
interruption of a streamed reply at the provider level."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from shop.orders.models import ReturnRequest
from support.agent.interface import Token
from support.agent.runtime import respond
from support.chat.models import Ticket
from tests.factories import CatalogWorld
from tests.support.agent_world import Reply, ask, context, make_order, ship


@pytest.fixture(autouse=True)
def _builtin(settings: Any) -> None:
    settings.AI_PROVIDER = "builtin"
    settings.AI_TOKEN_DELAY = 0
    settings.AI_HANDOFF_AFTER_FAILURES = 2


def reply(agent_context: Any, message: str) -> Reply:
    return async_to_sync(ask)(agent_context, message)


REQUESTS = [
    ("en", "human please"),
    ("en", "can i speak to a real persn"),  # typo
    ("en", "get me an operator"),
    ("es", "quiero hablar con un humano"),
    ("es", "me pasas con un ajente humano?"),  # typo
    ("zh-hans", "转人工"),
    ("zh-hans", "我要真人客服"),
    ("ar", "أريد التحدث مع موظف"),
    ("ar", "ابغى اكلم انسان"),
    ("id", "mau ngomong sama orang asli"),
    ("id", "minta admin manusia dong"),
]

SAYS_SO = {
    "en": "member of our team",
    "es": "persona de nuestro equipo",
    "zh-hans": "人工客服",
    "ar": "أحد أعضاء فريقنا",
    "id": "anggota tim kami",
}


@pytest.mark.parametrize(("language", "message"), REQUESTS)
def test_asking_for_a_human_hands_off_in_every_language(
    world: CatalogWorld, language: str, message: str
) -> None:
    answer = reply(context(world.shop_a, world.shopper, language), message)
    assert answer.handoff is not None
    assert answer.handoff.reason == "requested"
    assert SAYS_SO[language] in answer.text


FRUSTRATED = [
    ("en", "this is useless"),
    ("en", "WHY IS NOBODY ANSWERING ME!!!"),
    ("es", "esto no sirve, que pesimo servicio"),
    ("zh-hans", "什么破机器人，没用"),
    ("ar", "خدمة سيئة ولا فائدة"),
    ("id", "ga berguna banget, kesal"),
]


@pytest.mark.parametrize(("language", "message"), FRUSTRATED)
def test_frustration_hands_off(world: CatalogWorld, language: str, message: str) -> None:
    answer = reply(context(world.shop_a, world.shopper, language), message)
    assert answer.handoff is not None
    assert answer.handoff.reason == "frustration"


@pytest.mark.parametrize(
    "message",
    [
        "how much is the silk dress?",
        "¿cuánto cuesta el vestido?",
        "do you have it in black, pls",
        "harga gaun berapa kak",
        "عندكم الفستان بالأسود؟",
    ],
)
def test_ordinary_questions_are_not_mistaken_for_frustration(
    world: CatalogWorld, message: str
) -> None:
    assert reply(context(world.shop_a, world.shopper), message).handoff is None


def test_repeated_failures_hand_off(world: CatalogWorld) -> None:
    # given the agent could not help last turn
    first = reply(context(world.shop_a, world.shopper, failures=0), "zxqv blorp")
    assert first.understood.helped is False
    assert first.handoff is None
    # when it fails again
    second = reply(context(world.shop_a, world.shopper, "es", failures=1), "blorp zxqv?")
    # then it hands off and says so in the shopper's language
    assert second.handoff is not None and second.handoff.reason == "failures"
    assert "persona de nuestro equipo" in second.text


def test_handoff_event_comes_before_the_text(world: CatalogWorld) -> None:
    answer = reply(context(world.shop_a, world.shopper), "human please")
    kinds = [type(e).__name__ for e in answer.events]
    assert kinds.index("Handoff") < kinds.index("Token")
    # the agent itself creates no ticket: the chat turns the event into one
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_cancelling_after_the_first_token_stops_the_reply(
    live_world: CatalogWorld, settings: Any
) -> None:
    # given a paced reply (a long policy-free answer: the greeting)
    settings.AI_TOKEN_DELAY = 0.05
    agent_context = context(live_world.shop_a, live_world.shopper)
    events: list[Any] = []

    async def consume() -> None:
        async for event in respond(agent_context, "hello"):
            events.append(event)

    # when the consumer is cancelled right after the first token
    task = asyncio.create_task(consume())
    while not any(isinstance(e, Token) for e in events):
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    count = len(events)
    await asyncio.sleep(0.3)
    # then nothing more arrives
    assert len(events) == count
    assert sum(isinstance(e, Token) for e in events) <= 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_closing_the_iterator_after_the_first_token_leaves_no_side_effects(
    live_world: CatalogWorld, settings: Any
) -> None:
    # given a delivered order and a return request streamed slowly
    settings.AI_TOKEN_DELAY = 0.05
    from asgiref.sync import sync_to_async

    order = await sync_to_async(make_order)(live_world.shop_a, live_world.shopper, "SRSTOP2345")
    await sync_to_async(ship)(order, "TRK-STOP", scans=[("delivered", "Paris")])
    stream = respond(context(live_world.shop_a, live_world.shopper), "return order SRSTOP2345")
    # when the consumer stops at the first token
    async for event in stream:
        if isinstance(event, Token):
            break
    await stream.aclose()
    # then the tool ran exactly once (before the first token) and nothing runs after
    count = await ReturnRequest.objects.filter(order=order).acount()
    await asyncio.sleep(0.2)
    assert count == 1
    assert await ReturnRequest.objects.filter(order=order).acount() == 1
    assert await Ticket.objects.filter(order=order).acount() == 1


@pytest.mark.parametrize(
    ("language", "message", "says"),
    [
        ("en", "I want to cancel my order", "can't cancel orders myself"),
        ("es", "quiero cancelar mi pedido", "No puedo cancelar pedidos"),
        ("zh-hans", "我要取消订单", "无法自行取消订单"),
        ("ar", "أريد إلغاء الطلب", "لا يمكنني إلغاء الطلبات"),
        ("id", "tolong batalkan pesanan saya", "tidak bisa membatalkan pesanan"),
    ],
)
def test_cancelling_an_order_goes_to_a_human(
    world: CatalogWorld, language: str, message: str, says: str
) -> None:
    answer = reply(context(world.shop_a, world.shopper, language), message)
    assert answer.handoff is not None and answer.handoff.reason == "cancel"
    assert says in answer.text
