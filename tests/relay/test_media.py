"""Media through the real relay process: aiortc publisher and subscribers on loopback.

Subscribers decode what arrives and read the frame counter the publisher drew in, so these
tests see what a viewer would see: every frame, in order, soon after joining.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator

import aiohttp
import pytest
import pytest_asyncio
from aiortc import RTCSessionDescription

from tests.relay.conftest import ROOT, RelayProcess, start_relay
from tests.relay.media import (
    Publisher,
    RelayCallError,
    Subscriber,
    gaps,
    use_loopback,
    wait_connected,
)
from tests.subprocess_env import child_env


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    process = start_relay(
        tmp_path_factory.mktemp("relay"),
        RELAY_RECORD="off",
        RELAY_STATS_INTERVAL="1",
        RELAY_PUBLISHER_GRACE="10",
    )
    yield process
    process.stop()


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    use_loopback()
    async with aiohttp.ClientSession() as client:
        yield client


async def publish(relay: RelayProcess, session: aiohttp.ClientSession, room: str) -> Publisher:
    publisher = Publisher(relay.url, relay.token(room, "host", publish=True))
    await publisher.start(session)
    return publisher


async def subscribe(
    relay: RelayProcess, session: aiohttp.ClientSession, room: str, identity: str
) -> Subscriber:
    subscriber = Subscriber(relay.url, relay.token(room, identity), "host")
    await subscriber.start(session)
    return subscriber


async def room_state(relay: RelayProcess, session: aiohttp.ClientSession, room: str) -> dict:
    headers = {"Authorization": f"Bearer {relay.admin(room)}"}
    async with session.get(f"{relay.url}/v1/rooms/{room}", headers=headers) as response:
        return await response.json()


@pytest.mark.asyncio
async def test_three_subscribers_get_every_frame_in_order(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    publisher = await publish(relay, session, "media-three")
    subscribers = [await subscribe(relay, session, "media-three", f"v{i}") for i in range(3)]

    await asyncio.gather(*(s.wait_video(75) for s in subscribers))
    state = await room_state(relay, session, "media-three")

    for subscriber in subscribers:
        counters = subscriber.received.counters
        assert counters == sorted(counters) and len(set(counters)) == len(counters)
        assert gaps(subscriber.received) == [], "frames the publisher sent never arrived"
        assert subscriber.received.audio_frames > 0
    host = next(p for p in state["participants"] if p["identity"] == "host")
    assert {t["kind"]: t["subscribers"] for t in host["tracks"]} == {"audio": 3, "video": 3}
    publisher_peer = next(p for p in state["peers"] if p["role"] == "publisher")
    assert publisher_peer["stats"]["fps"] > 10 and publisher_peer["stats"]["bitrate_kbps"] > 0
    assert publisher_peer["stats"]["subscribers"] == 3
    viewer_peer = next(p for p in state["peers"] if p["role"] == "subscriber")
    assert set(viewer_peer["stats"]) >= {"bitrate_kbps", "rtt_ms", "loss_pct", "fps"}
    for subscriber in subscribers:
        await subscriber.close()
    await publisher.close()


@pytest.mark.asyncio
async def test_a_late_joiner_sees_video_within_a_second(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    publisher = await publish(relay, session, "media-late")
    early = await subscribe(relay, session, "media-late", "early")
    await early.wait_video(60)  # two seconds in: no natural keyframe for minutes

    late = await subscribe(relay, session, "media-late", "late")
    await late.wait_video(1, timeout=5)

    assert late.received.first_video_at is not None
    assert late.received.first_video_at - late.started_at < 1.0
    await late.wait_video(15)
    assert gaps(late.received) == []
    await early.close()
    await late.close()
    await publisher.close()


@pytest.mark.asyncio
async def test_a_frozen_subscriber_does_not_slow_the_others(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    """A viewer whose process stops dead (SIGSTOP) while the relay keeps sending to it."""
    publisher = await publish(relay, session, "media-frozen")
    watcher = await subscribe(relay, session, "media-frozen", "watcher")
    frozen = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.relay.subscriber_worker",
            "--url",
            relay.url,
            "--publisher",
            "host",
            "--token",
            relay.token("media-frozen", "frozen"),
            "--seconds",
            "4",
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert frozen.stdout is not None
        ready = await asyncio.get_running_loop().run_in_executor(None, frozen.stdout.readline)
        assert json.loads(ready) == {"ready": 1}
        await watcher.wait_video(10)
        os.kill(frozen.pid, signal.SIGSTOP)
        stopped_at = time.monotonic()
        await asyncio.sleep(2.5)
        os.kill(frozen.pid, signal.SIGCONT)
        await asyncio.sleep(0.5)

        during = watcher.received.counters_since(stopped_at)
        assert len(during) >= 2.5 * 20, f"only {len(during)} frames while a viewer was frozen"
        assert gaps(watcher.received, since=stopped_at) == []
        summary = await asyncio.get_running_loop().run_in_executor(None, frozen.stdout.readline)
        assert json.loads(summary)["frames"] > 0, "the frozen viewer never recovered"
    finally:
        os.kill(frozen.pid, signal.SIGCONT)
        frozen.kill()
        frozen.wait()
    await watcher.close()
    await publisher.close()


@pytest.mark.asyncio
async def test_a_reconnecting_publisher_keeps_its_subscribers(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    first = await publish(relay, session, "media-reconnect")
    viewer = await subscribe(relay, session, "media-reconnect", "viewer")
    await viewer.wait_video(30)
    reached = max(viewer.received.counters)

    await first.close()  # the host's connection drops without a goodbye
    await asyncio.sleep(0.3)
    second = await publish(relay, session, "media-reconnect")
    resumed_at = time.monotonic()
    await viewer.wait_video(len(viewer.received.counters) + 15, timeout=5)

    after = viewer.received.counters_since(resumed_at)
    # The old connection's last frame may still come first (it was waiting in a buffer).
    fresh = after[next(i for i, counter in enumerate(after) if counter < reached) :]
    assert fresh == sorted(fresh) and fresh[-1] - fresh[0] >= 10, after
    assert viewer.pc.connectionState == "connected"
    assert viewer.received.first_video_at is not None
    state = await room_state(relay, session, "media-reconnect")
    host = next(p for p in state["participants"] if p["identity"] == "host")
    assert host["publisher_peer_id"] == second.peer_id
    await viewer.close()
    await second.close()


@pytest.mark.asyncio
async def test_leaving_the_old_connection_while_a_new_one_connects_keeps_the_tracks(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    """What a browser host does after its room socket dropped: the web tier leaves the peer the
    old socket made while the page is already publishing again on the new one."""
    room = "media-leave-while-reconnecting"
    first = await publish(relay, session, room)
    viewer = await subscribe(relay, session, room, "viewer")
    await viewer.wait_video(10)

    second = Publisher(relay.url, relay.token(room, "host", publish=True))
    await second.pc.setLocalDescription(await second.pc.createOffer())
    offer = {"token": second.token, "sdp": second.pc.localDescription.sdp, "type": "offer"}
    async with session.post(f"{relay.url}/v1/publish", json=offer) as response:
        answer = await response.json()
    async with session.post(
        f"{relay.url}/v1/leave", json={"token": first.token, "peer_id": first.peer_id}
    ) as response:
        assert response.status == 200
    await second.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    await wait_connected(second.pc)

    await viewer.wait_video(len(viewer.received.counters) + 15, timeout=5)
    late = await subscribe(relay, session, room, "late")  # the tracks are still published
    await late.wait_video(10)
    state = await room_state(relay, session, room)
    host = next(p for p in state["participants"] if p["identity"] == "host")
    assert host["publisher_peer_id"] == answer["peer_id"]
    for peer in (viewer, late, first, second):
        await peer.close()


@pytest.mark.asyncio
async def test_a_host_removes_a_cohost_for_everyone(
    relay: RelayProcess, session: aiohttp.ClientSession
) -> None:
    room = "media-cohost"
    cohost_token = relay.token(room, "cohost", publish=True)
    cohost = Publisher(relay.url, cohost_token)
    await cohost.start(session)
    viewer = Subscriber(relay.url, relay.token(room, "viewer"), "cohost")
    await viewer.start(session)
    await viewer.wait_video(10)

    async with session.post(
        f"{relay.url}/v1/rooms/{room}/remove",
        json={"token": relay.admin(room), "identity": "cohost"},
    ) as response:
        assert response.status == 200, await response.text()

    deadline = time.monotonic() + 5
    while viewer.pc.connectionState != "closed" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert viewer.pc.connectionState in ("closed", "failed")
    state = await room_state(relay, session, room)
    assert all(p["identity"] != "cohost" for p in state.get("participants", []))
    again = Publisher(relay.url, cohost_token)
    with pytest.raises(RelayCallError) as refused:
        await again.start(session)
    assert refused.value.body["error"] == "participant_removed"
    await viewer.close()
    await cohost.close()


async def wait_closed(subscriber: Subscriber, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while subscriber.pc.connectionState not in ("closed", "failed"):
        if time.monotonic() > deadline:
            raise AssertionError(f"the relay kept {subscriber.peer_id} open")
        await asyncio.sleep(0.05)


@pytest.mark.asyncio
async def test_leaving_and_a_lost_publisher_close_what_they_should(
    relay_factory: Callable[..., RelayProcess], session: aiohttp.ClientSession
) -> None:
    relay = relay_factory(RELAY_PUBLISHER_GRACE="0.5")
    room = "media-leave"
    publisher = await publish(relay, session, room)
    leaver = await subscribe(relay, session, room, "leaver")
    stayer = await subscribe(relay, session, room, "stayer")
    await asyncio.gather(leaver.wait_video(5), stayer.wait_video(5))

    async with session.post(
        f"{relay.url}/v1/leave",
        json={"token": relay.token(room, "stayer"), "peer_id": publisher.peer_id},
    ) as response:
        assert (await response.json())["error"] == "peer_not_owned"
    async with session.post(
        f"{relay.url}/v1/leave",
        json={"token": relay.token(room, "leaver"), "peer_id": leaver.peer_id},
    ) as response:
        assert response.status == 200
    await wait_closed(leaver)
    state = await room_state(relay, session, room)
    assert {p["identity"] for p in state["participants"]} == {"host", "stayer"}

    await publisher.close()  # gone without leaving: tracks stay for the grace period, then end
    await wait_closed(stayer)
    state = await room_state(relay, session, room)
    assert state == {"error": "room_not_found", "message": state.get("message")}
    await leaver.close()
    await stayer.close()


@pytest.mark.asyncio
async def test_a_full_relay_says_so(
    relay_factory: Callable[..., RelayProcess], session: aiohttp.ClientSession
) -> None:
    relay = relay_factory(RELAY_MAX_PEERS="1")
    publisher = await publish(relay, session, "media-full")

    with pytest.raises(RelayCallError) as refused:
        await subscribe(relay, session, "media-full", "viewer")

    assert (refused.value.status, refused.value.body["error"]) == (503, "relay_full")
    await publisher.close()
