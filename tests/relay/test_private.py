"""1v1 private rooms (consultations): two parties each publish and watch the other; a third
identity is refused; every connection's connect time is reported."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from tests.relay.conftest import RelayProcess
from tests.relay.media import Publisher, RelayCallError, Subscriber, gaps, use_loopback
from tests.relay.test_recording import WebhookReceiver

ROOM = "private-call"


def private_token(relay: RelayProcess, identity: str, **grants: Any) -> str:
    return relay.token(ROOM, identity, publish=True, subscribe=True, kind="private", **grants)


async def room_state(relay: RelayProcess, session: aiohttp.ClientSession) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {relay.admin(ROOM)}"}
    async with session.get(f"{relay.url}/v1/rooms/{ROOM}", headers=headers) as response:
        return await response.json()


def increasing(counters: list[int]) -> bool:
    return len(counters) > 1 and all(a < b for a, b in itertools.pairwise(counters))


async def refused(start: Any) -> tuple[int, str]:
    with pytest.raises(RelayCallError) as error:
        await start
    return error.value.status, error.value.body["error"]


@pytest.mark.asyncio
async def test_two_parties_call_each_other_and_a_third_is_refused(
    relay_factory: Callable[..., RelayProcess],
) -> None:
    use_loopback()
    receiver = WebhookReceiver()
    relay = relay_factory(RELAY_WEBHOOK_URL=await receiver.start(), RELAY_RECORD="off")
    try:
        async with aiohttp.ClientSession() as session:
            alice = Publisher(relay.url, private_token(relay, "alice"))
            bob = Publisher(relay.url, private_token(relay, "bob"))
            await asyncio.gather(alice.start(session), bob.start(session))
            alice_sees = Subscriber(relay.url, private_token(relay, "alice"), "bob")
            bob_sees = Subscriber(relay.url, private_token(relay, "bob"), "alice")
            await asyncio.gather(alice_sees.start(session), bob_sees.start(session))
            await asyncio.gather(alice_sees.wait_video(30), bob_sees.wait_video(30))

            for watcher in (alice_sees, bob_sees):
                assert increasing(watcher.received.counters), watcher.received.counters
                assert gaps(watcher.received) == []
                assert watcher.received.audio_frames > 0

            connected = {
                identity: [e["data"] for e in receiver.of("peer.connected", identity)]
                for identity in ("alice", "bob")
            }
            for _ in range(100):  # the webhooks may trail the media a little
                if all(len(events) == 2 for events in connected.values()):
                    break
                await asyncio.sleep(0.05)
                connected = {
                    identity: [e["data"] for e in receiver.of("peer.connected", identity)]
                    for identity in ("alice", "bob")
                }
            for identity, events in connected.items():
                assert sorted(e["role"] for e in events) == ["publisher", "subscriber"], events
                assert all(0 < e["connect_ms"] < 5000 for e in events), events
                other = "bob" if identity == "alice" else "alice"
                assert [e["publisher"] for e in events if e["role"] == "subscriber"] == [other]

            before = await room_state(relay, session)
            assert before["kind"] == "private"
            assert {p["identity"] for p in before["participants"]} == {"alice", "bob"}
            assert len(before["peers"]) == 4
            for peer in before["peers"]:
                assert 0 < peer["connect_ms"] < 5000, peer
                if peer["role"] == "subscriber":
                    assert peer["connect_ms"] <= peer["first_frame_ms"] < 5000, peer

            # A third identity can neither publish nor watch.
            carol_pub = Publisher(relay.url, private_token(relay, "carol"))
            assert await refused(carol_pub.start(session)) == (409, "room_full")
            carol_sub = Subscriber(relay.url, private_token(relay, "carol"), "alice")
            assert await refused(carol_sub.start(session)) == (409, "room_full")
            # A live-kind token for the private room is refused too, even for alice.
            live = relay.token(ROOM, "alice", publish=True, kind="live")
            assert await refused(Publisher(relay.url, live).start(session)) == (
                409,
                "room_kind_mismatch",
            )
            live_sub = Subscriber(relay.url, relay.token(ROOM, "alice", kind="live"), "bob")
            assert await refused(live_sub.start(session)) == (409, "room_kind_mismatch")

            after = await room_state(relay, session)
            assert {p["identity"] for p in after["participants"]} == {"alice", "bob"}
            assert {p["peer_id"] for p in after["peers"]} == {p["peer_id"] for p in before["peers"]}
            for watcher in (alice_sees, bob_sees):
                reached = len(watcher.received.counters)
                await watcher.wait_video(reached + 15, timeout=5)
                assert increasing(watcher.received.counters[reached - 1 :])
                assert watcher.pc.connectionState == "connected"

            # The same identity reconnecting is not a third party: it takes its tracks over.
            alice_again = Publisher(relay.url, private_token(relay, "alice"))
            await alice_again.start(session)
            await alice.close()
            reached = len(bob_sees.received.counters)
            await bob_sees.wait_video(reached + 15, timeout=5)
            state = await room_state(relay, session)
            host = next(p for p in state["participants"] if p["identity"] == "alice")
            assert host["publisher_peer_id"] == alice_again.peer_id

            for peer in (alice_sees, bob_sees, alice_again, bob):
                await peer.close()
    finally:
        await receiver.stop()
    assert receiver.bad_signatures == 0
