"""The consultation call: who gets in (page and socket), when the room opens, join links, the
call socket's messages (chat, product cards in the buyer's currency, connect times, the end),
fuzzed input, the checkout drawer's order source, notes and the summary e-mail."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from shop.orders.models import Order, SourceType
from shop.shipping.models import ShippingRate
from support.consultations.call_protocol import (
    CLOSE_AUTH_REQUIRED,
    CLOSE_CALL_CLOSED,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    OUTBOUND_TYPES,
)
from support.consultations.models import (
    Booking,
    BookingStatus,
    BuyerNote,
    CallConnectSample,
    CallMessage,
    CallProduct,
)
from support.consultations.routing import websocket_urlpatterns
from support.consultations.services import booking_cancel, calls
from support.consultations.services.calls import (
    JOIN_LINK_SALT,
    call_join_token,
    call_join_url,
    call_summary_send,
)
from support.consultations.tasks import complete_overdue_calls
from tests.factories import ROOM_BUY, make_shipping
from tests.fuzz import inbound_frames, message_of
from tests.support.calls import CallWorld, book_call, build_call_world, open_call

application = URLRouter(websocket_urlpatterns)


@pytest.fixture
def call(db: Any) -> CallWorld:
    return build_call_world()


def page(booking: Booking, query: str = "") -> str:
    return reverse("consultations:call", args=[booking.pk]) + query


def client_for(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# The page ----------------------------------------------------------------------------------


def test_only_the_buyer_and_the_assigned_consultant_open_the_call_page(call: CallWorld) -> None:
    # Given a confirmed booking whose call is open now
    booking = open_call(call)

    # When each kind of visitor opens the call page
    buyer = client_for(call.buyer).get(page(booking))
    consultant = client_for(call.consultant_user).get(page(booking))
    stranger = client_for(call.stranger).get(page(booking))
    colleague = client_for(call.other_consultant_user).get(page(booking))
    owner = client_for(call.world.owner_a).get(page(booking))
    other_shop = client_for(call.world.owner_b).get(page(booking))
    anonymous = client_for().get(page(booking))
    missing = client_for(call.buyer).get(reverse("consultations:call", args=[booking.pk + 999]))

    # Then the two parties get the call, each with their own tools
    assert buyer.status_code == 200 and consultant.status_code == 200
    assert b'id="join-call"' in buyer.content and b'id="card-buy"' in buyer.content
    assert b'id="push-form"' in consultant.content and b'id="card-buy"' not in consultant.content
    assert b'id="call-quality"' in consultant.content
    # And everyone else is refused: other users and staff (even of the same shop) with a page
    # that says why, anonymous visitors are sent to sign in, an unknown booking is a 404
    for refused in (stranger, colleague, owner, other_shop):
        assert refused.status_code == 403
        assert b"Only the buyer and the consultant" in refused.content
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert missing.status_code == 404


def test_the_room_opens_ten_minutes_before_the_start(call: CallWorld) -> None:
    # Given bookings starting in 12 and in 8 minutes (15-minute grid: pick exact starts)
    later = book_call(call, starts_in=dt.timedelta(hours=2))
    buyer = client_for(call.buyer)

    # When the buyer opens the page two hours early
    early = buyer.get(page(later))

    # Then they wait with a countdown to the opening time, 10 minutes before the start
    assert early.status_code == 200
    assert b'id="call-waiting"' in early.content
    opens = later.starts_at - dt.timedelta(minutes=10)
    assert opens.isoformat().encode() in early.content

    # And a booking starting within 10 minutes is open
    soon = open_call(call)
    assert b'id="join-call"' in buyer.get(page(soon)).content


def test_a_cancelled_or_ended_call_is_closed(call: CallWorld) -> None:
    booking = open_call(call)
    booking_cancel(booking_id=booking.pk, actor=call.consultant_user)
    response = client_for(call.buyer).get(page(booking))
    assert response.status_code == 200
    assert b'id="call-closed"' in response.content and b"cancelled" in response.content

    # A call long over (past its end and the grace period) is closed too
    old = book_call(call, starts_in=dt.timedelta(hours=-3))
    closed = client_for(call.buyer).get(page(old))
    assert b'id="call-closed"' in closed.content and b'id="join-call"' not in closed.content


def test_join_links_sign_the_buyer_in_and_refuse_wrong_or_expired_tokens(
    call: CallWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = open_call(call)
    link = call_join_url(booking=booking, user=call.buyer, absolute=False)

    # A signed-out buyer with their link is signed in and joins
    visitor = client_for()
    response = visitor.get(link)
    assert response.status_code == 200 and b'id="join-call"' in response.content
    assert visitor.get(page(booking)).status_code == 200  # the session stays

    # A tampered token, a token for another booking, a token in the wrong format: refused
    token = link.split("?t=")[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other = book_call(call, starts_in=dt.timedelta(hours=5))
    for bad in (tampered, call_join_token(booking=other, user=call.buyer), "nonsense"):
        refused = client_for().get(page(booking, f"?t={bad}"))
        assert refused.status_code == 403
        assert b'data-reason="link_invalid"' in refused.content
        assert b"not valid" in refused.content

    # An expired token: refused with its own explanation, even for the signed-in buyer
    signer = signing.TimestampSigner(salt=JOIN_LINK_SALT)
    old = signer.sign_object({"b": booking.pk, "u": call.buyer.pk})
    with monkeypatch.context() as patched:  # every token is already too old
        patched.setattr(calls, "JOIN_LINK_MAX_AGE", dt.timedelta(seconds=-1))
        expired = client_for(call.buyer).get(page(booking, f"?t={old}"))
    assert expired.status_code == 403 and b'data-reason="link_expired"' in expired.content

    # The buyer's link in someone else's signed-in browser is refused, not switched
    wrong_account = client_for(call.stranger).get(link)
    assert wrong_account.status_code == 403
    assert b'data-reason="other_account"' in wrong_account.content

    # The consultant's own link never signs anyone in: staff sign in themselves
    staff_link = call_join_url(booking=booking, user=call.consultant_user, absolute=False)
    assert client_for().get(staff_link).status_code == 302
    assert client_for(call.consultant_user).get(staff_link).status_code == 200


# The socket --------------------------------------------------------------------------------


@pytest_asyncio.fixture
async def async_call(transactional_db: Any) -> Any:
    yield await sync_to_async(build_call_world)()
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


async def connect(booking_id: int, user: Any = None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, f"/ws/calls/{booking_id}/")
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, timeout: float = 3.0) -> dict[str, Any]:
    frame = json.loads(await communicator.receive_from(timeout=timeout))
    assert frame["type"] in OUTBOUND_TYPES, frame
    return frame  # type: ignore[no-any-return]


async def until(communicator: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(5):
        while True:
            frame = await receive(communicator)
            if frame["type"] == kind:
                return frame


async def closed_with(communicator: WebsocketCommunicator) -> tuple[dict[str, Any], int]:
    error = await receive(communicator)
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return error, int(output["code"])


@pytest.mark.asyncio
async def test_only_the_two_parties_open_the_call_socket(async_call: CallWorld) -> None:
    call = async_call
    booking = await sync_to_async(open_call)(call)
    # The parties join and get the snapshot
    for user, role in ((call.buyer, "buyer"), (call.consultant_user, "consultant")):
        socket = await connect(booking.pk, user)
        snapshot = await receive(socket)
        assert snapshot["type"] == "call.snapshot" and snapshot["you"]["role"] == role
        await socket.disconnect()
    # Everyone else is closed with a documented code after an error that says why
    cases = [
        (AnonymousUser(), "auth_required", CLOSE_AUTH_REQUIRED),
        (call.stranger, "not_a_party", CLOSE_FORBIDDEN),
        (call.other_consultant_user, "not_a_party", CLOSE_FORBIDDEN),
        (call.world.owner_a, "not_a_party", CLOSE_FORBIDDEN),
        (call.world.owner_b, "not_a_party", CLOSE_FORBIDDEN),
    ]
    for user, code, close in cases:
        socket = await connect(booking.pk, user)
        error, close_code = await closed_with(socket)
        assert (error["type"], error["code"], close_code) == ("error", code, close)
    socket = await connect(booking.pk + 999, call.buyer)
    assert (await closed_with(socket))[1] == CLOSE_NOT_FOUND
    # A call that is not open yet refuses even its parties
    later = await sync_to_async(book_call)(call, starts_in=dt.timedelta(hours=3))
    socket = await connect(later.pk, call.buyer)
    error, close_code = await closed_with(socket)
    assert (error["code"], close_code) == ("call_closed", CLOSE_CALL_CLOSED)


@pytest.mark.asyncio
async def test_chat_product_cards_connect_times_and_the_end(async_call: CallWorld) -> None:
    call = async_call
    # Given an open call booked by a buyer who shops in JPY and reads Spanish
    booking = await sync_to_async(open_call)(call, currency="JPY", language="es")
    buyer = await connect(booking.pk, call.buyer)
    consultant = await connect(booking.pk, call.consultant_user)
    await receive(buyer), await receive(consultant)

    # Chat is stored and reaches both; markup stays text
    await buyer.send_to(text_data=json.dumps({"type": "chat.send", "text": "<b>hola</b>"}))
    for socket in (buyer, consultant):
        line = await until(socket, "chat.message")
        assert line["text"] == "<b>hola</b>" and line["author"] == "Bea Buyer"

    # The buyer cannot push products; the consultant can, in the buyer's currency
    dress = call.world.dress
    await buyer.send_to(
        text_data=json.dumps({"type": "product.push", "product_id": dress.pk, "ref": "b1"})
    )
    refused = await until(buyer, "error")
    assert (refused["code"], refused["ref"]) == ("consultant_only", "b1")
    await consultant.send_to(text_data=json.dumps({"type": "product.push", "product_id": dress.pk}))
    pushed = (await until(buyer, "product.pushed"))["product"]
    # (119 EUR, the shop's own price, through USD: 119 / 0.9 x 150.25, no decimals in yen)
    assert pushed["currency"] == "JPY" and pushed["price"] == "19.866\xa0JPY"  # es format
    assert pushed["price_amount"] == "19866" and pushed["stock_state"] in ("in_stock", "low")
    assert pushed["url"].startswith("/es/")
    assert pushed["variants"][0]["stock"] > 0
    # Another shop's product or a draft is refused
    for product in (call.world.watch, call.world.coat_draft):
        await consultant.send_to(
            text_data=json.dumps({"type": "product.push", "product_id": product.pk})
        )
        assert (await until(consultant, "error"))["code"] == "product_not_found"

    # Media: only the other party can be received; without a relay node the error says so
    await buyer.send_to(
        text_data=json.dumps(
            {"type": "rtc.subscribe", "publisher": "user-999999", "sdp": "v=0 " * 5, "ref": "s1"}
        )
    )
    assert (await until(buyer, "error"))["code"] == "not_the_other_party"
    await buyer.send_to(
        text_data=json.dumps({"type": "rtc.publish", "sdp": "v=0 " * 5, "ref": "p1"})
    )
    assert (await until(buyer, "error"))["code"] == "relay_unavailable"

    # Connect times are stored
    await buyer.send_to(text_data=json.dumps({"type": "call.connected", "connect_ms": 420}))
    assert (await until(buyer, "call.connect_recorded"))["connect_ms"] == 420

    # A rejoining party gets the history and the products shown
    again = await connect(booking.pk, call.buyer)
    snapshot = await receive(again)
    assert [m["text"] for m in snapshot["messages"]] == ["<b>hola</b>"]
    assert [p["id"] for p in snapshot["products"]] == [dress.pk]
    await again.disconnect()

    # Only the consultant ends the call; both hear it
    await buyer.send_to(text_data=json.dumps({"type": "call.end"}))
    assert (await until(buyer, "error"))["code"] == "consultant_only"
    await consultant.send_to(text_data=json.dumps({"type": "call.end"}))
    for socket in (buyer, consultant):
        await until(socket, "call.ended")
    await buyer.disconnect(), await consultant.disconnect()

    stored = await sync_to_async(Booking.objects.get)(pk=booking.pk)
    assert stored.status == BookingStatus.COMPLETED and stored.call_ended_at is not None
    assert await sync_to_async(CallMessage.objects.filter(booking=booking).count)() == 1
    assert await sync_to_async(CallProduct.objects.filter(booking=booking).count)() == 1
    samples = await sync_to_async(list)(
        CallConnectSample.objects.filter(booking=booking).values_list("user_id", "connect_ms")
    )
    assert samples == [(call.buyer.pk, 420)]
    # The summary went out once (Celery runs eagerly in tests), in Spanish, with the price
    summaries = [m for m in mail.outbox if m.to == [call.buyer.email] and "Silk" in m.body]
    assert len(summaries) == 1 and "19.866\xa0JPY" in summaries[0].body
    assert summaries[0].subject == "Tu visita privada con Shop A: las piezas que viste"
    assert "/es/s/shop-a/p/silk-dress/" in summaries[0].body
    assert await sync_to_async(call_summary_send)(booking_id=booking.pk) is False
    assert len([m for m in mail.outbox if "Silk" in m.body]) == 1


INBOUND_KINDS = [
    "rtc.publish",
    "rtc.subscribe",
    "rtc.leave",
    "chat.send",
    "product.push",
    "call.connected",
    "call.end",
    "ping",
]
fuzzed = inbound_frames(
    INBOUND_KINDS, ["ref", "text", "product_id", "connect_ms", "sdp", "publisher", "peer_id"]
)


def _harmless(frame: str) -> bool:
    """A message that could legitimately succeed: skipped, the fuzz is about refusals."""
    body = message_of(frame)
    kind = body.get("type") if body else None
    return kind == "ping" or (kind == "chat.send" and isinstance(body.get("text"), str))


@pytest.mark.asyncio
async def test_fuzzed_messages_only_get_error_events(async_call: CallWorld) -> None:
    call = async_call
    booking = await sync_to_async(open_call)(call)
    socket = await connect(booking.pk, call.buyer)
    await receive(socket)
    frames: list[str] = []

    @settings(
        max_examples=80, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(fuzzed)
    def collect(frame: str) -> None:
        if not _harmless(frame):
            frames.append(frame)

    collect()
    for frame in frames:
        # Slow enough for the per-type rate limits' refusals not to close the socket
        await socket.send_to(text_data=frame)
        reply = await receive(socket)
        assert reply["type"] == "error", (frame, reply)
        assert isinstance(reply["code"], str) and reply["code"] != "internal_error", (frame, reply)
        if reply["code"] == "rate_limited":
            await asyncio.sleep(1)
        await asyncio.sleep(0.35)  # stay under the flood limit (30 refusals in 10 s)
    # Then the socket still works
    await socket.send_to(text_data=json.dumps({"type": "ping", "ref": "alive"}))
    assert (await until(socket, "pong"))["ref"] == "alive"
    await socket.disconnect()
    booking_after = await sync_to_async(Booking.objects.get)(pk=booking.pk)
    assert booking_after.status == BookingStatus.CONFIRMED  # no fuzz ended the call


# Buying from a pushed card -----------------------------------------------------------------


@pytest.fixture
def shipping_a(call: CallWorld) -> Iterator[ShippingRate]:
    yield make_shipping(call.world.shop_a, prices={"USD": "5.00", "EUR": "5.00"})


def test_an_order_from_the_call_drawer_records_the_consultation(
    call: CallWorld, shipping_a: ShippingRate
) -> None:
    # Given an open call in EUR where the consultant showed the dress
    booking = open_call(call, currency="EUR")
    CallProduct.objects.create(
        booking=booking, product=call.world.dress, shown_by=call.consultant_user
    )
    variant = call.world.dress.variants.first()
    buyer = client_for(call.buyer)
    quote = buyer.get(
        reverse("consultations:call-buy-quote", args=[booking.pk]),
        {"variant": variant.pk, "quantity": 1, "country": "ES"},
    ).json()
    assert quote["ok"] and quote["currency"] == "EUR"

    # When the buyer pays in the drawer
    response = buyer.post(
        reverse("consultations:call-buy", args=[booking.pk]),
        {
            **ROOM_BUY,
            "variant": variant.pk,
            "shipping_rate": shipping_a.pk,
            "expected_total": quote["expected_total"],
        },
    )

    # Then the order is paid, in the booking's currency, and its source is the consultation
    body = response.json()
    assert body["ok"] and body["status"] == "paid", body
    order = Order.objects.get(number=body["order"])
    assert (order.source_type, order.source_id) == (SourceType.CONSULTATION, str(booking.pk))
    assert order.currency == "EUR"

    # And only the buyer buys here, and only what was shown in the call
    consultant = client_for(call.consultant_user).get(
        reverse("consultations:call-buy-quote", args=[booking.pk]),
        {"variant": variant.pk, "quantity": 1},
    )
    assert consultant.status_code == 404
    watch_variant = call.world.watch.variants.first()
    not_shown = buyer.get(
        reverse("consultations:call-buy-quote", args=[booking.pk]),
        {"variant": watch_variant.pk, "quantity": 1},
    )
    assert not_shown.status_code == 400 and not_shown.json()["code"] == "not_shown"


def test_notes_after_the_call_are_the_consultants(call: CallWorld) -> None:
    booking = open_call(call)
    url = reverse("consultations:call-notes", args=[booking.pk])
    saved = client_for(call.consultant_user).post(
        url, {"text": "Prefers silk."}, HTTP_ACCEPT="application/json"
    )
    assert saved.json() == {"ok": True}
    note = BuyerNote.objects.get()
    assert (note.booking_id, note.buyer_id, note.author_id, note.shop_id) == (
        booking.pk,
        call.buyer.pk,
        call.consultant_user.pk,
        call.world.shop_a.pk,
    )
    by_buyer = client_for(call.buyer).post(url, {"text": "hi"}, HTTP_ACCEPT="application/json")
    assert by_buyer.json()["code"] == "consultant_only"
    assert client_for(call.stranger).post(url, {"text": "x"}).status_code == 403
    assert BuyerNote.objects.count() == 1


def test_a_call_nobody_ended_is_completed_and_summarised_once(
    call: CallWorld, django_capture_on_commit_callbacks: Any
) -> None:
    # Given a call that took place three hours ago but was never ended, and one never started
    held = book_call(call, starts_in=dt.timedelta(hours=-3))
    Booking.objects.filter(pk=held.pk).update(call_started_at=held.starts_at)
    CallProduct.objects.create(booking=held, product=call.world.dress, shown_by=None)
    missed = book_call(call, starts_in=dt.timedelta(hours=-4))
    mail.outbox.clear()

    # When the beat task runs (twice)
    with django_capture_on_commit_callbacks(execute=True):
        assert complete_overdue_calls() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert complete_overdue_calls() == 0

    # Then the held call is completed and its summary sent once; the missed one is untouched
    held.refresh_from_db()
    missed.refresh_from_db()
    assert held.status == BookingStatus.COMPLETED and held.summary_sent_at is not None
    assert missed.status == BookingStatus.CONFIRMED and missed.call_ended_at is None
    assert [m.to for m in mail.outbox] == [[call.buyer.email]]
    assert "Silk dress" in mail.outbox[0].body
