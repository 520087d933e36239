"""The agent's order tools through the builtin provider: status, tracking, returns, and never
another shopper's order."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from shop.orders.models import OrderStatus, ReturnRequest
from support.agent.tools import run_tool
from support.chat.models import Conversation, Ticket, TicketKind
from tests.factories import CatalogWorld, make_user
from tests.support.agent_world import Reply, ask, context, make_order, ship


@pytest.fixture(autouse=True)
def _no_pacing(settings: Any) -> None:
    settings.AI_TOKEN_DELAY = 0
    settings.AI_PROVIDER = "builtin"


def reply(agent_context: Any, message: str) -> Reply:
    # async_to_sync runs the provider's ORM work back on this thread: the test transaction.
    return async_to_sync(ask)(agent_context, message)


def test_order_status_of_the_latest_order_in_the_shoppers_language(world: CatalogWorld) -> None:
    # given a shopper with a shipped order
    order = make_order(world.shop_a, world.shopper, "SRAAAA2222")
    ship(order, "JD014600006281", scans=[("in_transit", "Leipzig")])
    # when they ask in Spanish
    answer = reply(
        context(world.shop_a, world.shopper, "es"), "hola, cual es el estado de mi pedido?"
    )
    # then the agent used the order tool and answered with the status in Spanish
    assert answer.tool == "order_status"
    assert "SRAAAA2222" in answer.text
    assert "Enviado" in answer.text
    assert "JD014600006281" in answer.text


def test_tracking_by_number(world: CatalogWorld) -> None:
    order = make_order(world.shop_a, world.shopper, "SRBBBB3333")
    ship(order, "1Z999AA10123456784", carrier="UPS", scans=[("out_for_delivery", "Jakarta")])
    answer = reply(context(world.shop_a, world.shopper), "where is my package SRBBBB3333??")
    assert answer.tool == "shipment_tracking"
    assert "1Z999AA10123456784" in answer.text
    assert "out for delivery" in answer.text
    assert answer.understood.helped


def test_tracking_before_shipping_says_not_shipped_yet(world: CatalogWorld) -> None:
    make_order(world.shop_a, world.shopper, "SRCCCC4444")
    answer = reply(context(world.shop_a, world.shopper), "track my order pls")
    assert answer.tool == "shipment_tracking"
    assert "has not shipped yet" in answer.text


def test_anonymous_visitor_is_asked_to_sign_in(world: CatalogWorld) -> None:
    make_order(world.shop_a, world.shopper, "SRDDDD5555")
    answer = reply(context(world.shop_a, None, "id"), "pesanan SRDDDD5555 sudah sampai mana?")
    assert answer.tools[0].ok is False
    assert "SRDDDD5555" not in answer.text
    assert "masuk" in answer.text.lower()  # "silakan masuk" (sign in) in Indonesian


def test_another_shoppers_order_never_leaks_by_number(world: CatalogWorld) -> None:
    # given someone else's shipped order
    victim = make_user("victim@example.test")
    order = make_order(world.shop_a, victim, "SRVICT7777", total="999.00")
    ship(order, "SECRET-TRACK-1", scans=[("in_transit", "Secret City")])
    make_order(world.shop_a, world.shopper, "SRMINE8888")
    # when the shopper asks about it by number, in several ways
    for message in (
        "status of order SRVICT7777",
        "track SRVICT7777",
        "I want to return SRVICT7777",
        "donde esta mi pedido #SRVICT7777",
    ):
        answer = reply(context(world.shop_a, world.shopper), message)
        # then nothing of that order comes back, and it reads like a wrong number
        assert "SECRET-TRACK-1" not in answer.text
        assert "Secret City" not in answer.text
        assert "999" not in answer.text
        assert answer.tools[0].ok is False
    assert not ReturnRequest.objects.filter(order=order).exists()
    # and the tool answers the same for a number that does not exist at all
    guessed = run_tool(
        "order_status", context(world.shop_a, world.shopper), {"number": "SRZZZZ9999"}
    )
    theirs = run_tool(
        "order_status", context(world.shop_a, world.shopper), {"number": "SRVICT7777"}
    )
    assert guessed.code == theirs.code == "order_not_found"


def test_orders_of_another_shop_are_not_visible(world: CatalogWorld) -> None:
    make_order(world.shop_b, world.shopper, "SRSHOPB111")
    result = run_tool("order_status", context(world.shop_a, world.shopper), {})
    assert result.code == "no_orders"


def test_guessing_numbers_finds_nothing(world: CatalogWorld) -> None:
    victim = make_user("victim@example.test")
    make_order(world.shop_a, victim, "SR12345678")
    agent_context = context(world.shop_a, world.shopper)
    for guess in ("SR12345678", "sr12345678", "SR 1234 5678", "12345678", "SR1234567"):
        assert run_tool("order_status", agent_context, {"number": guess}).ok is False


def test_return_request_creates_one_ticket_and_one_return_even_when_repeated(
    world: CatalogWorld,
) -> None:
    # given a delivered order and a conversation
    order = make_order(world.shop_a, world.shopper, "SRRETN2345")
    ship(order, "TRACK-RET-1", scans=[("delivered", "Jakarta")])
    conversation = Conversation.objects.create(shop=world.shop_a, shopper=world.shopper)
    agent_context = context(world.shop_a, world.shopper, conversation_id=conversation.pk)
    # when the shopper asks for a return twice
    first = reply(agent_context, "I want to return order SRRETN2345, it doesn't fit")
    second = reply(agent_context, "please start a return for SRRETN2345")
    # then there is exactly one return record and one return ticket
    assert first.tool == second.tool == "return_request"
    returns = ReturnRequest.objects.filter(order=order)
    assert returns.count() == 1
    assert returns.get().lines.count() == 1
    tickets = Ticket.objects.filter(kind=TicketKind.RETURN, order=order)
    assert tickets.count() == 1
    assert tickets.get().conversation == conversation
    assert f"#{returns.get().pk}" in first.text
    assert "already open" in second.text


def test_unpaid_order_cannot_be_returned(world: CatalogWorld) -> None:
    make_order(world.shop_a, world.shopper, "SRUNPD2345", status=OrderStatus.PENDING_PAYMENT)
    answer = reply(context(world.shop_a, world.shopper), "refund my order SRUNPD2345")
    assert answer.tools[0].ok is False
    assert "can't be returned" in answer.text
    assert not ReturnRequest.objects.exists()
    assert not Ticket.objects.exists()


def test_follow_up_about_an_order_uses_the_number_named_before(world: CatalogWorld) -> None:
    from dataclasses import replace

    from support.agent.interface import Turn

    older = make_order(world.shop_a, world.shopper, "SROLDR2345", days_ago=30)
    ship(older, "TRK-OLDER", scans=[("in_transit", "Paris")])
    make_order(world.shop_a, world.shopper, "SRNEWR2345", days_ago=1)
    agent_context = replace(
        context(world.shop_a, world.shopper),
        history=[Turn("shopper", "I have a question about SROLDR2345")],
    )
    answer = reply(agent_context, "where is it? track it please")
    assert "TRK-OLDER" in answer.text


@pytest.mark.parametrize(
    "message",
    [
        "how long do refunds take?",
        "cuanto tarda el reembolso",
        "退款多久到账",
        "كم يستغرق استرداد المبلغ",
        "refund nya berapa lama kak",
    ],
)
def test_a_question_about_refunds_never_starts_a_return(world: CatalogWorld, message: str) -> None:
    order = make_order(world.shop_a, world.shopper, "SRQUES2345")
    ship(order, "TRK-Q", scans=[("delivered", "Paris")])
    answer = reply(context(world.shop_a, world.shopper), message)
    assert answer.tool == "store_policy"
    assert not ReturnRequest.objects.exists()
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_return_requests_create_one_return(live_world: CatalogWorld) -> None:
    import threading

    from django.db import connection

    order = make_order(live_world.shop_a, live_world.shopper, "SRRACE2345")
    ship(order, "TRK-RACE", scans=[("delivered", "Paris")])
    agent_context = context(live_world.shop_a, live_world.shopper)
    barrier = threading.Barrier(4)
    codes: list[str] = []

    def ask_for_return() -> None:
        try:
            barrier.wait()
            codes.append(run_tool("return_request", agent_context, {"number": order.number}).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask_for_return) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == ["already_requested"] * 3 + ["ok"]
    assert ReturnRequest.objects.filter(order=order).count() == 1
    assert Ticket.objects.filter(order=order, kind=TicketKind.RETURN).count() == 1


def test_return_without_a_number_asks_which_order_when_there_is_a_choice(
    world: CatalogWorld,
) -> None:
    first = make_order(world.shop_a, world.shopper, "SRCHSA2345", days_ago=9)
    ship(first, "TRK-A", scans=[("delivered", "Paris")])
    make_order(world.shop_a, world.shopper, "SRCHSB2345", days_ago=2)
    answer = reply(context(world.shop_a, world.shopper, "es"), "hola, quiero devolver algo")
    assert answer.tool == "return_request"
    assert "SRCHSA2345" in answer.text and "SRCHSB2345" in answer.text
    assert "Qué pedido" in answer.text
    assert not ReturnRequest.objects.exists()


def test_return_without_a_number_uses_the_only_returnable_order(world: CatalogWorld) -> None:
    order = make_order(world.shop_a, world.shopper, "SRONLY2345")
    reply(context(world.shop_a, world.shopper), "I want to return my dress")
    assert ReturnRequest.objects.filter(order=order).count() == 1


def test_answering_which_order_carries_on_with_the_return(world: CatalogWorld) -> None:
    from dataclasses import replace

    from support.agent.interface import Turn

    first = make_order(world.shop_a, world.shopper, "SRCARA2345", days_ago=9)
    make_order(world.shop_a, world.shopper, "SRCARB2345", days_ago=2)
    agent_context = replace(
        context(world.shop_a, world.shopper),
        history=[
            Turn("shopper", "I want to return something"),
            Turn("agent", "Which order would you like to return? SRCARA2345, SRCARB2345."),
        ],
    )
    answer = reply(agent_context, "SRCARA2345")
    assert answer.tool == "return_request"
    assert ReturnRequest.objects.filter(order=first).count() == 1
