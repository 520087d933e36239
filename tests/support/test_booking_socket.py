"""Live slots over /ws/consultations/<service_id>/slots/ with real Redis and PostgreSQL:
a hold disappears for every viewer at once, expiry and cancel bring it back, bad input only
ever gets error events."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.routing import websocket_urlpatterns
from support.consultations.models import Booking, BookingStatus
from support.consultations.selectors.slots import Slot
from support.consultations.services.bookings import (
    booking_cancel,
    booking_hold,
    holds_release_expired,
)
from support.consultations.slot_protocol import CLOSE_SERVICE_NOT_FOUND, OUTBOUND
from tests.factories import make_shop, make_user
from tests.support.booking_world import make_consultant, make_service, upcoming_slots

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

application = URLRouter(websocket_urlpatterns)


@pytest_asyncio.fixture(autouse=True)
async def _close_socket_db_connections():  # type: ignore[no-untyped-def]
    yield
    from channels.db import database_sync_to_async
    from django.db import connections

    await database_sync_to_async(connections.close_all)()


def world() -> tuple[Any, Any, list[Slot]]:
    shop = make_shop("atelier")
    service = make_service(shop)
    consultant = make_consultant(shop, [service], hours=(dt.time(10), dt.time(13)))
    return service, consultant, upcoming_slots(service)


async def viewer(service_id: int, tz: str = "UTC") -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        application, f"/ws/consultations/{service_id}/slots/?tz={tz}"
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_event(
    communicator: WebsocketCommunicator, event_type: str, timeout: float = 3.0
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await communicator.receive_from(timeout=max(remaining, 0.01)))
        OUTBOUND.validate_python(frame)  # every frame matches the documented schema
        if frame["type"] == event_type:
            return frame


def iso(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


async def test_a_viewer_gets_a_snapshot_of_open_slots_in_their_zone() -> None:
    service, _consultant, slots = await sync_to_async(world)()

    sydney = await viewer(service.pk, "Australia/Sydney")
    snapshot = await next_event(sydney, "slots.snapshot")

    assert snapshot["tz"] == "Australia/Sydney"
    starts = [slot["starts_at"] for slot in snapshot["slots"]]
    assert iso(slots[0].starts_at) in starts
    await sydney.disconnect()


async def test_a_hold_disappears_for_the_other_viewer_and_comes_back_when_it_expires() -> None:
    # Given two buyers looking at the same service
    service, consultant, slots = await sync_to_async(world)()
    first, second = await viewer(service.pk), await viewer(service.pk, "Asia/Tokyo")
    await next_event(first, "slots.snapshot")
    await next_event(second, "slots.snapshot")
    slot = slots[0]

    # When the first one holds a slot
    buyer = await sync_to_async(make_user)()
    booking = await sync_to_async(booking_hold)(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer,
        starts_at=slot.starts_at,
        buyer_time_zone="UTC",
        language="en",
    )

    # Then the other viewer is told at once
    taken = await next_event(second, "slot.taken")
    assert taken == {
        "type": "slot.taken",
        "service_id": service.pk,
        "consultant_id": consultant.pk,
        "starts_at": iso(slot.starts_at),
        "ends_at": iso(slot.ends_at),
    }
    assert (await next_event(first, "slot.taken"))["starts_at"] == iso(slot.starts_at)

    # And when the hold runs out and the beat task releases it, the slot comes back
    await sync_to_async(
        lambda: Booking.objects.filter(pk=booking.pk).update(
            hold_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    )()
    assert await sync_to_async(holds_release_expired)() == 1
    released = await next_event(second, "slot.released")
    assert released["starts_at"] == iso(slot.starts_at)
    assert released["consultant_id"] == consultant.pk
    await first.disconnect()
    await second.disconnect()


async def test_a_cancelled_booking_reappears_for_viewers() -> None:
    service, consultant, slots = await sync_to_async(world)()
    watcher = await viewer(service.pk)
    await next_event(watcher, "slots.snapshot")
    buyer = await sync_to_async(make_user)()
    booking = await sync_to_async(booking_hold)(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer,
        starts_at=slots[1].starts_at,
        buyer_time_zone="UTC",
        language="en",
    )
    await next_event(watcher, "slot.taken")

    await sync_to_async(booking_cancel)(booking_id=booking.pk, actor=buyer)

    released = await next_event(watcher, "slot.released")
    assert released["starts_at"] == iso(slots[1].starts_at)
    status = await sync_to_async(lambda: Booking.objects.get(pk=booking.pk).status)()
    assert status == BookingStatus.CANCELLED
    await watcher.disconnect()


async def test_a_hold_closes_overlapping_slots_of_the_consultants_other_services() -> None:
    # A consultant offering a 60 and a 30 minute service: holding 10:00-11:00 of the first
    # takes 10:00 and 10:30 of the second from its viewers too
    def build() -> tuple[Any, Any, Any, list[Slot]]:
        service, consultant, slots = world()
        short = make_service(service.shop, duration_minutes=30, names={"en": "Quick look"})
        consultant.services.add(short)
        return service, short, consultant, slots

    service, short, consultant, slots = await sync_to_async(build)()
    watcher = await viewer(short.pk)
    await next_event(watcher, "slots.snapshot")
    buyer = await sync_to_async(make_user)()
    await sync_to_async(booking_hold)(
        service_id=service.pk,
        consultant_id=consultant.pk,
        buyer=buyer,
        starts_at=slots[0].starts_at,
        buyer_time_zone="UTC",
        language="en",
    )

    first = await next_event(watcher, "slot.taken")
    second = await next_event(watcher, "slot.taken")
    assert {first["starts_at"], second["starts_at"]} == {
        iso(slots[0].starts_at),
        iso(slots[0].starts_at + dt.timedelta(minutes=30)),
    }
    assert first["service_id"] == short.pk
    await watcher.disconnect()


async def test_an_unknown_zone_gets_an_error_and_a_utc_snapshot_and_resync_changes_zone() -> None:
    service, _consultant, _slots = await sync_to_async(world)()
    communicator = await viewer(service.pk, "Mars/Olympus")

    error = await next_event(communicator, "error")
    snapshot = await next_event(communicator, "slots.snapshot")
    assert error["code"] == "invalid_time_zone"
    assert snapshot["tz"] == "UTC"

    await communicator.send_to(
        text_data=json.dumps({"type": "slots.resync", "tz": "Asia/Tokyo", "ref": "r1"})
    )
    resynced = await next_event(communicator, "slots.snapshot")
    assert (resynced["tz"], resynced["ref"]) == ("Asia/Tokyo", "r1")
    await communicator.disconnect()


async def test_an_unknown_service_is_refused_with_a_close_code() -> None:
    communicator = WebsocketCommunicator(application, "/ws/consultations/999999/slots/")
    communicator.scope["user"] = AnonymousUser()
    connected, code = await communicator.connect()
    assert not connected
    assert code == CLOSE_SERVICE_NOT_FOUND


junk = st.one_of(
    st.text(min_size=1, max_size=300),
    st.binary(min_size=1, max_size=200).map(lambda raw: raw.decode("latin-1")),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=True)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from(["type", "tz", "ref", "x"]), children, max_size=4)
        ),
        max_leaves=12,
    ).map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["ping", "slots.resync", "slot.taken", "chat.send", ""])},
        optional={
            "tz": st.text(max_size=80) | st.integers(),
            "ref": st.text(max_size=80) | st.none(),
            "extra": st.text(max_size=5),
        },
    ).map(json.dumps),
    st.just("x" * 5000),
)


async def test_fuzzed_messages_only_ever_get_error_events_and_the_socket_stays_up() -> None:
    service, _consultant, _slots = await sync_to_async(world)()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(messages=st.lists(junk, min_size=1, max_size=4))
    def check(messages: list[str]) -> None:
        async def run() -> None:
            communicator = await viewer(service.pk)
            await next_event(communicator, "slots.snapshot")
            for raw in messages:
                await communicator.send_to(text_data=raw)
                reply = json.loads(await communicator.receive_from(timeout=3))
                OUTBOUND.validate_python(reply)
                valid = reply["type"] in ("pong", "slots.snapshot")
                if valid:  # a well-formed ping/resync slipped in: fine, it was answered
                    parsed = json.loads(raw)
                    assert parsed["type"] in ("ping", "slots.resync")
                else:
                    assert reply["type"] == "error" and reply["code"]
            await communicator.send_to(text_data='{"type": "ping", "ref": "alive"}')
            pong = json.loads(await communicator.receive_from(timeout=3))
            assert pong == {"type": "pong", "ref": "alive"}
            await communicator.disconnect()

        asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=30)

    loop = asyncio.get_running_loop()
    await asyncio.to_thread(check)


async def test_a_flooding_connection_is_told_then_closed() -> None:
    service, _consultant, _slots = await sync_to_async(world)()
    communicator = await viewer(service.pk)
    await next_event(communicator, "slots.snapshot")

    codes = []
    for _ in range(40):
        await communicator.send_to(text_data="not json")
    while True:
        output = await communicator.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output["code"] == 4008
            break
        codes.append(json.loads(output["text"])["code"])
    assert "rate_limited" in codes or "invalid_json" in codes
