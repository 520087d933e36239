"""The shopper's support widget socket (/ws/support/): history, anonymous sessions, streamed
agent replies and their interruption, handoff to humans, who may read what, fuzzed input."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from support.chat.consumers import VISITOR_SESSION_KEY
from support.chat.models import (
    Conversation,
    ConversationStatus,
    SenderKind,
    SupportMessage,
    Ticket,
    TicketKind,
)
from support.chat.protocol import CLOSE_FLOOD, CLOSE_SHOP_NOT_FOUND, INBOUND_TYPES
from support.chat.services import conversation_handoff
from tests.factories import CatalogWorld, build_world, make_user
from tests.fuzz import inbound_frames, message_of
from tests.support.support_chat import receive, say, silent, until, visitor_session, widget

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_db_connections():  # type: ignore[no-untyped-def]
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


@pytest_asyncio.fixture
async def world() -> CatalogWorld:
    return await sync_to_async(build_world)()


@pytest.fixture(autouse=True)
def _quick_agent(settings: Any) -> None:
    settings.AI_PROVIDER = "builtin"
    settings.AI_TOKEN_DELAY = 0


async def reply_of(socket: Any, seen: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The agent's whole reply: its ``agent.done`` frame."""
    return await until(socket, "agent.done", seen=seen)


# History and sessions ----------------------------------------------------------------------


async def test_a_signed_in_shopper_sees_their_history(world: CatalogWorld) -> None:
    # Given a shopper who asked something and got an answer
    socket = await widget(world.shopper)
    first = await receive(socket)
    assert first["type"] == "support.snapshot" and first["conversation"] is None
    await say(socket, "hello, do you ship to Spain?")
    done = await reply_of(socket)
    assert done["message"]["sender"] == "agent" and done["message"]["text"]
    await socket.disconnect()

    # When they come back later (another page, another device)
    again = await widget(world.shopper)
    snapshot = await receive(again)

    # Then the conversation is there with both sides of it
    assert snapshot["conversation"] is not None
    senders = [message["sender"] for message in snapshot["messages"]]
    assert senders == ["shopper", "agent"]
    assert snapshot["messages"][0]["text"] == "hello, do you ship to Spain?"

    # And once it is closed, a new message starts a new conversation, the old one in history
    await sync_to_async(Conversation.objects.filter(pk=snapshot["conversation"]["id"]).update)(
        status=ConversationStatus.CLOSED
    )
    sent = await say(again, "another question: is the silk dress lined?", ref="n")
    assert sent["conversation_id"] != snapshot["conversation"]["id"]
    await reply_of(again)
    await again.send_to(
        text_data=json.dumps(
            {"type": "support.open", "conversation_id": snapshot["conversation"]["id"], "ref": "o"}
        )
    )
    old = await until(again, "support.snapshot", ref="o")
    assert old["messages"][0]["text"] == "hello, do you ship to Spain?"
    assert {item["id"] for item in old["history"]} == {
        snapshot["conversation"]["id"],
        sent["conversation_id"],
    }
    await again.disconnect()


async def test_an_anonymous_visitor_keeps_the_conversation_by_session_until_sign_in(
    world: CatalogWorld,
) -> None:
    # Given the widget's config request gave an anonymous visitor a session
    def config_session() -> str:
        client = Client()
        assert client.get(reverse("support:widget-config")).status_code == 200
        return str(client.session[VISITOR_SESSION_KEY])

    visitor = await sync_to_async(config_session)()
    session = await sync_to_async(visitor_session)(visitor)

    # When they write, leave, and come back with the same session
    socket = await widget(session=session)
    await receive(socket)
    await say(socket, "do you have the dress in red?")
    await reply_of(socket)
    await socket.disconnect()
    back = await widget(session=session)
    snapshot = await receive(back)
    await back.disconnect()

    # Then their conversation is there; another visitor sees nothing
    assert snapshot["messages"][0]["text"] == "do you have the dress in red?"
    stranger = await widget(session=await sync_to_async(visitor_session)("someone-else"))
    assert (await receive(stranger))["conversation"] is None
    await stranger.disconnect()

    # And when the visitor signs in (the session keeps its data), the conversation is theirs
    signed_in = await widget(world.shopper, session=session)
    mine = await receive(signed_in)
    await signed_in.disconnect()
    assert mine["conversation"]["id"] == snapshot["conversation"]["id"]
    conversation = await sync_to_async(Conversation.objects.get)(pk=mine["conversation"]["id"])
    assert conversation.shopper_id == world.shopper.pk


async def test_an_unknown_shop_is_refused_with_a_documented_code(world: CatalogWorld) -> None:
    socket = await widget(world.shopper, shop="no-such-shop")
    error = await receive(socket)
    assert error == {"type": "error", "code": "shop_not_found", "message": "No such shop."}
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_SHOP_NOT_FOUND}


# Streaming and interruption ----------------------------------------------------------------


async def test_a_second_message_stops_the_streamed_reply_within_one_token(
    world: CatalogWorld, settings: Any
) -> None:
    # Given the agent streams slowly (a token every 0.3 s)
    settings.AI_TOKEN_DELAY = 0.3
    socket = await widget(world.shopper)
    await receive(socket)
    await say(socket, "what is your returns policy?", ref="first")
    start = await until(socket, "agent.start")
    first_reply = start["reply"]
    first_delta = await until(socket, "agent.delta", reply=first_reply)

    # When the shopper writes again while the reply is streaming
    seen: list[dict[str, Any]] = []
    await socket.send_to(
        text_data=json.dumps({"type": "support.send", "text": "hello?", "ref": "second"})
    )
    await until(socket, "support.sent", ref="second", seen=seen)

    # Then the first reply ended as interrupted before the acknowledgement ...
    done = [f for f in seen if f["type"] == "agent.done" and f["reply"] == first_reply]
    assert len(done) == 1 and done[0]["interrupted"] is True
    streamed = first_delta["text"] + "".join(
        f["text"] for f in seen if f["type"] == "agent.delta" and f["reply"] == first_reply
    )
    # ... and no token of it arrives afterwards, while the new message gets its own reply
    after: list[dict[str, Any]] = []
    second = await until(socket, "agent.start", seen=after)
    assert second["reply"] != first_reply
    settings.AI_TOKEN_DELAY = 0
    await until(socket, "agent.done", seen=after, reply=second["reply"])
    assert not [f for f in after if f["type"] == "agent.delta" and f["reply"] == first_reply]
    await socket.disconnect()

    # And the stored partial reply is exactly what was streamed, marked interrupted
    replies = await sync_to_async(list)(
        SupportMessage.objects.filter(sender_kind=SenderKind.AGENT).order_by("id")
    )
    assert replies[0].interrupted is True and replies[0].text == streamed
    assert replies[1].interrupted is False
    assert done[0]["message"]["text"] == streamed and done[0]["message"]["interrupted"] is True


async def test_a_message_from_another_tab_interrupts_the_reply_too(
    world: CatalogWorld, settings: Any
) -> None:
    # Given a reply streaming slowly to the shopper's first tab
    settings.AI_TOKEN_DELAY = 0.3
    first_tab = await widget(world.shopper)
    await receive(first_tab)
    await say(first_tab, "what is your returns policy?", ref="first")
    start = await until(first_tab, "agent.start")
    await until(first_tab, "agent.delta", reply=start["reply"])

    # When they write from a second tab (its own socket)
    second_tab = await widget(world.shopper)
    assert (await receive(second_tab))["conversation"] is not None
    await say(second_tab, "never mind, hello", ref="other")

    # Then the first tab's reply stops: it ends interrupted, and no token follows
    seen: list[dict[str, Any]] = []
    done = await until(first_tab, "agent.done", seen=seen, reply=start["reply"])
    assert done["interrupted"] is True
    await until(first_tab, "support.message", seen=seen)
    later = await silent(first_tab, 0.8)
    assert not [f for f in later if f["type"] == "agent.delta" and f["reply"] == start["reply"]]
    settings.AI_TOKEN_DELAY = 0
    await until(second_tab, "agent.done")
    for socket in (first_tab, second_tab):
        await socket.disconnect()


async def test_tool_calls_are_recorded_on_the_reply(world: CatalogWorld) -> None:
    socket = await widget(world.shopper)
    await receive(socket)
    await say(socket, "where is my order?")
    done = await reply_of(socket)
    await socket.disconnect()
    reply = await sync_to_async(SupportMessage.objects.get)(pk=done["message"]["id"])
    assert reply.tool_calls, "the order tool was called"
    assert done["message"]["tools"] == [call["tool"] for call in reply.tool_calls]


# Handoff -----------------------------------------------------------------------------------


async def test_handoff_makes_one_ticket_with_the_transcript_and_the_agent_stops(
    world: CatalogWorld,
) -> None:
    # Given a shopper chatting with the agent
    socket = await widget(world.shopper)
    await receive(socket)
    await say(socket, "is the silk dress lined?", ref="q")
    await reply_of(socket)

    # When they ask for a human
    await say(socket, "I want to talk to a human please", ref="h")
    seen: list[dict[str, Any]] = []
    done = await reply_of(socket, seen=seen)

    # Then the agent says so in its own words, and the conversation waits for a human
    assert done["message"]["sender"] == "agent" and done["message"]["text"]
    status = [f for f in seen if f["type"] == "support.status"]
    assert status and status[-1]["conversation"]["status"] == "waiting"
    conversation = await sync_to_async(Conversation.objects.get)(shopper=world.shopper)
    assert conversation.status == ConversationStatus.WAITING
    tickets = await sync_to_async(list)(Ticket.objects.filter(conversation=conversation))
    assert len(tickets) == 1 and tickets[0].kind == TicketKind.HANDOFF
    assert "is the silk dress lined?" in tickets[0].transcript
    assert "I want to talk to a human please" in tickets[0].transcript

    # And later messages go to humans only: no agent reply
    sent = await say(socket, "hello? anyone?", ref="later")
    assert sent["conversation_id"] == conversation.pk
    frames = await silent(socket, 1.0)
    assert not [f for f in frames if f["type"].startswith("agent.")]
    await socket.disconnect()

    # And handing off again (another process, at the same time) makes no second ticket
    def handoff_twice() -> None:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                conversation_handoff(conversation_id=conversation.pk, reason="failures")
            except BaseException as error:
                errors.append(error)
            finally:
                from django.db import connection

                connection.close()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors

    await sync_to_async(handoff_twice)()
    assert await sync_to_async(Ticket.objects.filter(conversation=conversation).count)() == 1


async def test_repeated_failures_are_counted_and_end_in_a_handoff(
    world: CatalogWorld, settings: Any
) -> None:
    settings.AI_HANDOFF_AFTER_FAILURES = 2
    socket = await widget(world.shopper)
    await receive(socket)
    for index, text in enumerate(["qwzx plorb vemk", "zzkv drulp wexo", "blorf quangle"]):
        await say(socket, text, ref=f"f{index}")
        await reply_of(socket)
        conversation = await sync_to_async(Conversation.objects.get)(shopper=world.shopper)
        if conversation.status == ConversationStatus.WAITING:
            break
    await socket.disconnect()
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.agent_failures >= 2
    assert await sync_to_async(Ticket.objects.filter(conversation=conversation).count)() == 1


# Who may read what -------------------------------------------------------------------------


async def test_a_shopper_cannot_open_or_read_another_shoppers_conversation(
    world: CatalogWorld,
) -> None:
    # Given shopper A's conversation
    socket_a = await widget(world.shopper)
    await receive(socket_a)
    sent = await say(socket_a, "my address is 1 Secret Street", ref="a")
    await reply_of(socket_a)
    await socket_a.disconnect()

    # When shopper B (signed in) and an anonymous visitor ask for it by id
    other = await sync_to_async(make_user)("other-shopper@example.test")
    for user, session in ((other, None), (AnonymousUser(), None)):
        socket = await widget(user, session=session)
        snapshot = await receive(socket)
        assert snapshot["conversation"] is None and snapshot["history"] == []
        await socket.send_to(
            text_data=json.dumps(
                {"type": "support.open", "conversation_id": sent["conversation_id"], "ref": "x"}
            )
        )
        refused = await receive(socket)

        # Then they get an error (and nothing of its content)
        assert refused["type"] == "error" and refused["code"] == "conversation_not_found"
        assert "Secret" not in json.dumps(refused)
        # And writing does not append to A's conversation
        mine = await say(socket, "hi", ref="b")
        assert mine["conversation_id"] != sent["conversation_id"]
        await socket.disconnect()
    count = await sync_to_async(
        SupportMessage.objects.filter(
            conversation_id=sent["conversation_id"], sender_kind=SenderKind.SHOPPER
        ).count
    )()
    assert count == 1


# Fuzzing -----------------------------------------------------------------------------------

fuzzed = inbound_frames(INBOUND_TYPES, ["ref", "text", "conversation_id", "score", "comment"])


def _harmless(frame: str) -> bool:
    """A message that could legitimately succeed: skipped, the fuzz is about refusals."""
    body = message_of(frame)
    kind = body.get("type") if body else None
    return kind in ("ping", "support.new") or (
        kind == "support.send" and isinstance(body.get("text"), str)
    )


async def test_fuzzed_messages_only_get_error_events(world: CatalogWorld) -> None:
    socket = await widget(world.shopper)
    await receive(socket)
    frames: list[str] = []

    @hypothesis_settings(
        max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(fuzzed)
    def collect(frame: str) -> None:
        if not _harmless(frame):
            frames.append(frame)

    collect()
    frames.append("x" * 9000)  # over the size cap
    for frame in frames:
        await socket.send_to(text_data=frame)
        reply = await receive(socket)
        assert reply["type"] == "error", (frame, reply)
        assert reply["code"] != "internal_error", (frame, reply)
        if reply["code"] == "rate_limited":
            await asyncio.sleep(1)
        await asyncio.sleep(0.35)  # under the flood limit (30 refusals in 10 s)
    # Then the socket still works, and nothing was stored
    await socket.send_to(text_data=json.dumps({"type": "ping", "ref": "alive"}))
    assert (await until(socket, "pong"))["ref"] == "alive"
    await socket.disconnect()
    assert await sync_to_async(SupportMessage.objects.count)() == 0


async def test_a_flooding_socket_is_told_then_closed(world: CatalogWorld) -> None:
    socket = await widget(world.shopper)
    await receive(socket)
    codes = []
    for index in range(40):
        await socket.send_to(text_data=json.dumps({"type": "nope", "ref": str(index)}))
    while True:
        output = await socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            assert output["code"] == CLOSE_FLOOD
            break
        codes.append(json.loads(output["text"])["code"])
    assert set(codes) <= {"unknown_type", "rate_limited"} and "rate_limited" in codes


async def test_the_widget_of_one_shop_does_not_open_a_conversation_with_another(
    world: CatalogWorld,
) -> None:
    in_b = await widget(world.shopper, shop="shop-b")
    await receive(in_b)
    sent = await say(in_b, "hello shop B")
    await reply_of(in_b)
    await in_b.disconnect()
    in_a = await widget(world.shopper, shop="shop-a")
    snapshot = await receive(in_a)
    assert snapshot["conversation"] is None and snapshot["history"] == []
    await in_a.send_to(
        text_data=json.dumps(
            {"type": "support.open", "conversation_id": sent["conversation_id"], "ref": "x"}
        )
    )
    assert (await receive(in_a))["code"] == "conversation_not_found"
    await in_a.disconnect()


async def test_a_conversation_started_in_a_live_room_records_it(world: CatalogWorld) -> None:
    from liverooms.rooms.models import LiveRoom

    room = await sync_to_async(LiveRoom.objects.create)(
        shop=world.shop_a, slug="support-room", title="Show", scheduled_at=world.dress.created_at
    )
    socket = await widget(world.shopper, extra="&room=support-room&origin=/en/live/support-room/")
    await receive(socket)
    sent = await say(socket, "is the dress in the show lined?")
    await reply_of(socket)
    await socket.disconnect()
    conversation = await sync_to_async(Conversation.objects.get)(pk=sent["conversation_id"])
    assert conversation.room_id == room.pk and conversation.origin == "/en/live/support-room/"
