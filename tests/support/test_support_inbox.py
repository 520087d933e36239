"""The human support inbox: shop scoping, claim/assign/reply/close, CSAT, metrics, the live
list over /ws/support/inbox/, and messages translated for staff and back for the shopper."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.accounts.models import User
from shop.shops.models import Role
from support.chat.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Resolution,
    SenderKind,
    SupportMessage,
)
from support.chat.protocol import CLOSE_FORBIDDEN
from support.chat.selectors import Shopper, inbox_metrics
from support.chat.services import conversation_shopper_message_post
from support.translation.services import memory_store
from tests.factories import CatalogWorld, build_world, make_staff, make_user
from tests.support.support_chat import inbox, receive, say, until, widget


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def conversation_with(
    world: CatalogWorld, shop: Any, text: str, user: User | None = None
) -> Conversation:
    conversation, _message = conversation_shopper_message_post(
        shop=shop,
        shopper=Shopper(user=user or world.shopper),
        conversation_id=None,
        text=text,
        language="en",
    )
    return conversation


def act(client: Client, conversation: Conversation, action: str, **data: str) -> Any:
    url = reverse("support:conversation-action", args=[conversation.pk, action])
    return client.post(url, data)


# Scoping (plain database tests) ------------------------------------------------------------


@pytest.mark.django_db
def test_staff_see_only_their_own_shops_conversations(world: CatalogWorld) -> None:
    # Given a conversation with each shop, and support staff of shop A
    in_a = conversation_with(world, world.shop_a, "Where is my silk dress?")
    in_b = conversation_with(world, world.shop_b, "Is the diver watch waterproof?")
    support_a = make_staff(world.shop_a, Role.SUPPORT, "support-a@example.test")

    # When each kind of staff opens the inbox
    page_a = client_for(support_a).get(reverse("support:inbox"))
    page_owner_b = client_for(world.owner_b).get(reverse("support:inbox"))

    # Then each sees their own shop's conversations only
    assert page_a.status_code == 200 and page_owner_b.status_code == 200
    assert b"Where is my silk dress?" in page_a.content
    assert b"diver watch" not in page_a.content
    assert b"diver watch" in page_owner_b.content
    assert b"silk dress" not in page_owner_b.content
    # And another shop's conversation is not found, not forbidden (its existence stays hidden)
    detail = reverse("support:conversation", args=[in_b.pk])
    assert client_for(support_a).get(detail).status_code == 404
    assert act(client_for(support_a), in_b, "reply", text="hi").status_code == 404
    assert not SupportMessage.objects.filter(conversation=in_b, sender_kind="human").exists()
    assert (
        client_for(world.owner_a).get(reverse("support:conversation", args=[in_a.pk])).status_code
        == 200
    )
    # And staff without the support or owner role, shoppers and visitors are kept out
    assert client_for(world.host_a).get(reverse("support:inbox")).status_code == 403
    assert client_for(world.shopper).get(reverse("support:inbox")).status_code == 403
    assert Client().get(reverse("support:inbox")).status_code == 302


@pytest.mark.django_db
def test_claim_assign_reply_close_and_csat(world: CatalogWorld) -> None:
    # Given a waiting conversation in shop A and two support colleagues
    conversation = conversation_with(world, world.shop_a, "I need a person")
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.WAITING, handed_off_at=timezone.now()
    )
    alice = make_staff(world.shop_a, Role.SUPPORT, "alice@example.test")
    bob = make_staff(world.shop_a, Role.SUPPORT, "bob@example.test")
    alice_client = client_for(alice)

    # When Alice claims it, then assigns it to Bob
    act(alice_client, conversation, "claim")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ASSIGNED and conversation.assigned_to == alice
    act(alice_client, conversation, "assign", assignee=str(bob.pk))
    conversation.refresh_from_db()
    assert conversation.assigned_to == bob
    # (never to someone outside the shop's support staff)
    act(alice_client, conversation, "assign", assignee=str(world.owner_b.pk))
    conversation.refresh_from_db()
    assert conversation.assigned_to == bob

    # When Bob replies, asks for a rating and closes it
    bob_client = client_for(bob)
    act(bob_client, conversation, "reply", text="Hi, Bob here. Your parcel left today.")
    act(bob_client, conversation, "csat")
    act(bob_client, conversation, "close", resolution="human")

    # Then the reply is in the transcript, the first response time and resolution are kept
    conversation.refresh_from_db()
    reply = SupportMessage.objects.get(conversation=conversation, sender_kind=SenderKind.HUMAN)
    assert reply.author == bob and reply.text.startswith("Hi, Bob here.")
    assert conversation.first_human_reply_at is not None
    assert conversation.status == ConversationStatus.CLOSED
    assert conversation.resolution == Resolution.HUMAN and conversation.closed_at is not None
    assert conversation.csat_requested_at is not None
    page = bob_client.get(reverse("support:conversation", args=[conversation.pk]))
    assert b"Your parcel left today." in page.content
    # And a closed conversation takes no more replies; it left the open list
    assert act(bob_client, conversation, "claim").status_code == 302
    act(bob_client, conversation, "reply", text="One more thing")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert not SupportMessage.objects.filter(text="One more thing").exists()
    assert b"I need a person" not in bob_client.get(reverse("support:inbox")).content


@pytest.mark.django_db
def test_assign_with_a_malformed_assignee_is_refused_not_a_server_error(
    world: CatalogWorld,
) -> None:
    # Given a conversation in shop A and its support staff
    conversation = conversation_with(world, world.shop_a, "Anyone there?")
    alice = make_staff(world.shop_a, Role.SUPPORT, "alice@example.test")
    alice_client = client_for(alice)

    # When the assignee posted is not a user id
    for bad in ("abc", "", "1.5", "99999999999999999999"):
        response = act(alice_client, conversation, "assign", assignee=bad)
        # Then the form redirects back with an error (no 500) and nothing changed
        assert response.status_code == 302, bad
    url = reverse("support:conversation-action", args=[conversation.pk, "assign"])
    answer = alice_client.post(url, {"assignee": "abc"}, HTTP_ACCEPT="application/json")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_message"
    conversation.refresh_from_db()
    assert conversation.assigned_to is None


@pytest.mark.django_db
def test_canned_replies_are_offered_in_the_conversations_language(world: CatalogWorld) -> None:
    conversation = conversation_with(world, world.shop_a, "hola")
    Conversation.objects.filter(pk=conversation.pk).update(language="es")
    CannedReply.objects.create(
        shop=world.shop_a,
        title="Shipping times",
        texts={"en": "Parcels take 3-5 days.", "es": "Los paquetes tardan 3-5 días."},
    )
    CannedReply.objects.create(shop=world.shop_b, title="Other shop", texts={"es": "¡No!"})
    page = client_for(world.owner_a).get(reverse("support:conversation", args=[conversation.pk]))
    assert "Los paquetes tardan 3-5 días." in page.content.decode()
    assert "Parcels take" not in page.content.decode()
    assert "¡No!" not in page.content.decode()


@pytest.mark.django_db
def test_metrics(world: CatalogWorld) -> None:
    # Given conversations handed off and answered after 60, 120 and 600 seconds
    now = timezone.now()
    for index, wait in enumerate((60, 120, 600)):
        conversation = conversation_with(world, world.shop_a, f"question {index}")
        Conversation.objects.filter(pk=conversation.pk).update(
            handed_off_at=now - dt.timedelta(hours=1),
            first_human_reply_at=now - dt.timedelta(hours=1) + dt.timedelta(seconds=wait),
            status=ConversationStatus.CLOSED,
            resolution=Resolution.HUMAN,
            csat_score=[5, 4, 2][index],
        )
    # And two closed by the agent alone, one still open, and one in another shop
    for index in range(2):
        conversation = conversation_with(world, world.shop_a, f"agent did it {index}")
        Conversation.objects.filter(pk=conversation.pk).update(
            status=ConversationStatus.CLOSED, resolution=Resolution.AGENT
        )
    conversation_with(world, world.shop_a, "still open")
    other = conversation_with(world, world.shop_b, "elsewhere")
    Conversation.objects.filter(pk=other.pk).update(
        status=ConversationStatus.CLOSED, resolution=Resolution.HUMAN, csat_score=1
    )

    # When the metrics of shop A are computed
    metrics = inbox_metrics({world.shop_a.pk})

    # Then
    assert metrics["first_response_median_seconds"] == 120
    assert metrics["resolved_by_agent"] == 2 and metrics["resolved_by_human"] == 3
    assert metrics["agent_resolution_rate"] == pytest.approx(0.4)
    assert metrics["csat_average"] == pytest.approx(3.67, abs=0.01)
    assert metrics["csat_count"] == 3 and metrics["open"] == 1
    page = client_for(world.owner_a).get(reverse("support:inbox")).content.decode()
    assert 'id="metric-first-response">120 s' in page
    assert 'id="metric-agent">2<' in page and 'id="metric-human">3<' in page


# Live (sockets) ----------------------------------------------------------------------------


@pytest_asyncio.fixture
async def live(transactional_db: Any):  # type: ignore[no-untyped-def]
    yield await sync_to_async(build_world)()
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def _quick_agent(settings: Any) -> None:
    settings.AI_PROVIDER = "builtin"
    settings.AI_TOKEN_DELAY = 0


@pytest.mark.asyncio
async def test_the_inbox_list_updates_live_for_its_own_shop_only(live: CatalogWorld) -> None:
    world = live
    # Given support staff of each shop with the inbox open
    staff_a = await inbox(world.owner_a)
    staff_b = await inbox(world.owner_b)
    assert (await receive(staff_a))["type"] == "inbox.snapshot"
    assert (await receive(staff_b))["conversations"] == []

    # When a shopper writes to shop A
    shopper = await widget(world.shopper)
    await receive(shopper)
    sent = await say(shopper, "Hola, ¿tenéis el vestido en rojo?")

    # Then shop A's inbox gets the new row and the message without a reload
    seen: list[dict[str, Any]] = []
    row = await until(staff_a, "inbox.conversation", seen=seen)
    assert row["conversation"]["id"] == sent["conversation_id"]
    assert row["conversation"]["preview"].startswith("Hola")
    message = next(frame for frame in seen if frame["type"] == "inbox.message")
    assert message["message"]["original"] == "Hola, ¿tenéis el vestido en rojo?"
    # And a handoff shows up as waiting
    await until(shopper, "agent.done")
    await say(shopper, "quiero hablar con una persona", ref="h")
    waiting = await until(staff_a, "inbox.conversation", timeout=8)
    while waiting["conversation"]["status"] != "waiting":
        waiting = await until(staff_a, "inbox.conversation")
    assert waiting["conversation"]["handed_off"] is True
    # And shop B's inbox hears nothing of it
    assert await staff_b.receive_nothing(timeout=0.5)
    for socket in (staff_a, staff_b, shopper):
        await socket.disconnect()


@pytest.mark.asyncio
async def test_the_inbox_socket_refuses_non_support_users(live: CatalogWorld) -> None:
    for user in (live.shopper, live.host_a):
        socket = await inbox(user)
        error = await receive(socket)
        assert error["code"] == "forbidden"
        assert await socket.receive_output(timeout=2) == {
            "type": "websocket.close",
            "code": CLOSE_FORBIDDEN,
        }


@pytest.mark.asyncio
async def test_a_staff_reply_reaches_the_shopper_translated_and_csat_is_stored(
    live: CatalogWorld,
) -> None:
    world = live
    # Given a Spanish-speaking shopper handed off to a human, and a known translation
    shopper = await widget(world.shopper, lang="es")
    await receive(shopper)
    sent = await say(shopper, "quiero hablar con una persona")
    await until(shopper, "agent.done")
    conversation = await sync_to_async(Conversation.objects.get)(pk=sent["conversation_id"])
    assert conversation.language == "es"
    await sync_to_async(memory_store)(
        source_language="en",
        source_text="Your parcel is on its way.",
        target_language="es",
        target_text="Tu paquete está en camino.",
        shop=world.shop_a,
    )

    # When the shop owner (reading in English) replies
    staff = await sync_to_async(client_for)(world.owner_a)
    await sync_to_async(act)(staff, conversation, "reply", text="Your parcel is on its way.")

    # Then the shopper sees it instantly, in Spanish, with the original on tap
    message = await until(shopper, "support.message", timeout=5)
    while message["message"]["sender"] != "human":
        message = await until(shopper, "support.message")
    assert message["message"]["text"] == "Tu paquete está en camino."
    assert message["message"]["original"] == "Your parcel is on its way."
    assert message["message"]["author"]

    # When the owner asks for a rating, and the shopper gives 4 stars
    await sync_to_async(act)(staff, conversation, "csat")
    await until(shopper, "support.csat_request")
    await shopper.send_to(
        text_data=json.dumps({"type": "support.rate", "score": 4, "comment": "rápido", "ref": "r"})
    )
    rated = await until(shopper, "support.rated", ref="r")
    assert rated["score"] == 4
    await shopper.disconnect()
    conversation = await sync_to_async(Conversation.objects.get)(pk=conversation.pk)
    assert conversation.csat_score == 4 and conversation.csat_comment == "rápido"


@pytest.mark.asyncio
async def test_rating_before_the_shop_asks_is_refused(live: CatalogWorld) -> None:
    shopper = await widget(live.shopper)
    await receive(shopper)
    await say(shopper, "hello")
    await shopper.send_to(text_data=json.dumps({"type": "support.rate", "score": 5, "ref": "r"}))
    error = await until(shopper, "error")
    assert error["code"] == "csat_not_requested"
    await shopper.disconnect()


@pytest.mark.django_db
def test_shopper_messages_are_shown_translated_for_staff_with_the_original(
    world: CatalogWorld,
) -> None:
    memory_store(
        source_language="es",
        source_text="¿Dónde está mi pedido?",
        target_language="en",
        target_text="Where is my order?",
        shop=world.shop_a,
    )
    conversation, _message = conversation_shopper_message_post(
        shop=world.shop_a,
        shopper=Shopper(user=world.shopper),
        conversation_id=None,
        text="¿Dónde está mi pedido?",
        language="es",
    )
    staff = make_user("support-en@example.test", preferred_language="en")
    make_staff_membership(world, staff)
    page = client_for(staff).get(reverse("support:conversation", args=[conversation.pk]))
    html = page.content.decode()
    assert '<span class="text" dir="auto" data-field="text">Where is my order?</span>' in html
    assert "¿Dónde está mi pedido?" in html  # the original, on tap


def make_staff_membership(world: CatalogWorld, user: User) -> None:
    from shop.shops.models import StaffMembership

    StaffMembership.objects.create(shop=world.shop_a, user=user, role=Role.SUPPORT)


@pytest.mark.django_db
def test_support_staff_edit_their_shops_canned_replies_in_the_admin(world: CatalogWorld) -> None:
    support_a = make_staff(world.shop_a, Role.SUPPORT, "support-admin-a@example.test")
    support_a.is_staff = True
    support_a.save(update_fields=["is_staff"])
    CannedReply.objects.create(shop=world.shop_a, title="Our own reply", texts={"en": "Hi"})
    CannedReply.objects.create(shop=world.shop_b, title="Their reply", texts={"en": "Yo"})
    page = client_for(support_a).get(reverse("admin:support_chat_cannedreply_changelist"))
    assert page.status_code == 200
    assert b"Our own reply" in page.content and b"Their reply" not in page.content


@pytest.mark.asyncio
async def test_a_closed_conversation_can_still_be_rated_when_the_shop_asked(
    live: CatalogWorld,
) -> None:
    # Given a conversation the shop closed after asking for a rating
    world = live
    shopper = await widget(world.shopper)
    await receive(shopper)
    sent = await say(shopper, "hello")
    await until(shopper, "agent.done")
    await shopper.disconnect()
    conversation = await sync_to_async(Conversation.objects.get)(pk=sent["conversation_id"])
    staff = await sync_to_async(client_for)(world.owner_a)
    await sync_to_async(act)(staff, conversation, "csat")
    await sync_to_async(act)(staff, conversation, "close", resolution="agent")

    # When the shopper opens the widget again
    again = await widget(world.shopper)
    snapshot = await receive(again)

    # Then the closed conversation is shown with the rating request, and the rating is kept
    assert snapshot["conversation"]["id"] == conversation.pk
    assert snapshot["conversation"]["status"] == "closed"
    assert snapshot["conversation"]["csat_requested"] is True
    await again.send_to(text_data=json.dumps({"type": "support.rate", "score": 5, "ref": "r"}))
    assert (await until(again, "support.rated", ref="r"))["score"] == 5
    # And the next message starts a new conversation
    assert (await say(again, "one more thing", ref="n"))["conversation_id"] != conversation.pk
    await again.disconnect()


@pytest.mark.asyncio
async def test_the_inbox_socket_only_answers_ping(live: CatalogWorld) -> None:
    socket = await inbox(live.owner_a)
    await receive(socket)
    for frame in ("not json", json.dumps({"type": "support.send", "text": "x"}), "[]"):
        await socket.send_to(text_data=frame)
        reply = await receive(socket)
        assert reply["type"] == "error" and reply["code"] != "internal_error"
    await socket.send_to(text_data=json.dumps({"type": "ping", "ref": "p"}))
    assert (await until(socket, "pong"))["ref"] == "p"
    await socket.disconnect()
