"""``Member``: frames reach a socket in order whether the server's send completes at once
(sent in the hub's own pass) or suspends (finished by a task, later frames queue behind it);
a broken socket loses its frames without raising into the hub; a slow one is resynchronised."""

from __future__ import annotations

import asyncio

from liverooms.realtime import hub
from liverooms.realtime.hub import Member


async def _all_sent(member: Member, sent: list[str], expected: list[str]) -> None:
    """Wait until as many frames went out as were expected, then compare them."""
    async with asyncio.timeout(5):
        while len(sent) < len(expected):
            await asyncio.sleep(0.005)
    member.close()
    assert sent == expected


def test_frames_keep_their_order_when_sends_suspend() -> None:
    async def scenario() -> None:
        sent: list[str] = []
        gate = asyncio.Event()
        gate.set()

        async def send(frame: str) -> None:
            if frame.endswith("slow"):
                gate.clear()
                asyncio.get_running_loop().call_later(0.01, gate.set)
            await gate.wait()  # completes at once unless a slow frame closed the gate
            sent.append(frame)

        async def resync() -> None:
            sent.append("SNAPSHOT")

        member = Member(send, resync)
        member.deliver("before-ready")  # queued: the snapshot has not gone out yet
        member.ready.set()
        await asyncio.sleep(0)
        expected = ["before-ready"]
        for i in range(200):
            frame = f"{i}-slow" if i % 37 == 0 else str(i)
            expected.append(frame)
            member.deliver(frame)
            if i % 11 == 0:
                await asyncio.sleep(0)
        await _all_sent(member, sent, expected)

    asyncio.run(scenario())


def test_sends_that_never_suspend_skip_the_writer_task() -> None:
    async def scenario() -> None:
        sent: list[str] = []

        async def send(frame: str) -> None:
            sent.append(frame)

        async def resync() -> None:  # pragma: no cover - never needed here
            raise AssertionError

        member = Member(send, resync)
        member.ready.set()
        await asyncio.sleep(0)
        for i in range(50):
            member.deliver(str(i))
        # No await in between: every frame went out within deliver() itself.
        assert sent == [str(i) for i in range(50)]
        member.close()

    asyncio.run(scenario())


def test_a_broken_socket_drops_frames_quietly_and_a_slow_one_is_resynced() -> None:
    async def scenario() -> None:
        async def broken(frame: str) -> None:
            raise ConnectionResetError

        async def nothing() -> None:
            return None

        member = Member(broken, nothing)
        member.ready.set()
        member.deliver("a")  # raises inside send: swallowed
        member.close()

        release = asyncio.Event()
        got: list[str] = []

        async def stuck(frame: str) -> None:
            await release.wait()
            got.append(frame)

        async def snapshot() -> None:
            got.append("SNAPSHOT")

        slow = Member(stuck, snapshot)
        slow.ready.set()
        await asyncio.sleep(0)
        for i in range(hub.QUEUE_LIMIT + 10):
            slow.deliver(str(i))  # "0" goes out at once and hangs; the rest queue
        release.set()
        total = hub.QUEUE_LIMIT + 10
        async with asyncio.timeout(5):
            while not got or got[-1] != str(total - 1):
                await asyncio.sleep(0.005)
        # The stuck frame, then a snapshot instead of the backlog, then what came after it.
        overflow_at = hub.QUEUE_LIMIT + 1
        assert got == ["0", "SNAPSHOT", *(str(i) for i in range(overflow_at + 1, total))]
        slow.close()

    asyncio.run(scenario())


def test_prepared_writes_and_asgi_sends_keep_one_order() -> None:
    """Frames the server's prepared write takes and frames it declines (they go through the
    ASGI send, which sometimes suspends) reach the socket in the order they were delivered."""

    async def scenario() -> None:
        out: list[str] = []
        gate = asyncio.Event()
        gate.set()

        def write(prepared: bytes) -> bool:
            text = prepared.decode()
            if text.endswith("declined") or not gate.is_set():
                return False  # what the server does under backpressure
            out.append(text)
            return True

        async def send(frame: str) -> None:
            if frame.endswith("slow-declined"):
                gate.clear()
                asyncio.get_running_loop().call_later(0.01, gate.set)
            await gate.wait()
            out.append(frame)

        async def resync() -> None:  # pragma: no cover - the queue never fills here
            raise AssertionError

        member = Member(send, resync, write)
        member.ready.set()
        expected = []
        for i in range(200):  # fewer than QUEUE_LIMIT behind one slow send
            frame = str(i)
            if i % 7 == 0:
                frame += "-declined"
            if i % 41 == 0:
                frame += "-slow-declined"
            expected.append(frame)
            member.deliver(frame, frame.encode())  # the test's "prepared" bytes: the text
            if i % 13 == 0:
                await asyncio.sleep(0)
        await _all_sent(member, out, expected)

    asyncio.run(scenario())


def test_the_presence_ticker_stops_when_cancelled_even_if_a_call_hides_it(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A library call that turns the task's cancellation into another error (redis-py's pool
    did, under a cancelled test loop) must not keep the hub's loop running for ever."""
    monkeypatch.setattr(hub, "VIEWER_TICK", 0.01)

    async def scenario() -> None:
        room_hub = hub.RoomHub("redis://127.0.0.1:1/0")  # never reached: no members
        room_hub.rooms[1] = hub.RoomState()

        async def publish_viewers(room_id: int, *, force: bool = False) -> None:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                raise ConnectionError("connection reset") from None

        room_hub.publish_viewers = publish_viewers  # type: ignore[method-assign]
        ticker = asyncio.create_task(room_hub._tick())
        await asyncio.sleep(0.05)
        ticker.cancel()
        try:
            await asyncio.wait({ticker}, timeout=2)
            assert ticker.done()
        finally:
            room_hub.rooms.clear()  # ends the loop anyway, so a failure does not hang

    asyncio.run(scenario())


def test_the_pacer_stretches_batches_while_fan_out_is_busy_and_comes_back() -> None:
    """Fan-out that costs `cost` seconds per frame, one frame per interval: the interval
    settles where fan-out takes TARGET_FANOUT_SHARE of the time, within the bounds."""
    now = [0.0]
    pacer = hub.FanoutPacer(clock=lambda: now[0])

    def run(cost: float, seconds: int) -> None:
        for _ in range(seconds):
            frames = max(1, round(1.0 / pacer.interval))
            for _ in range(frames):
                now[0] += 1.0 / frames
                pacer.record(cost)

    run(0.01, 5)  # a small room: fan-out is cheap
    assert pacer.interval == hub.BATCH_INTERVAL
    run(0.12, 20)  # thousands of sockets: 120 ms per frame
    settled = 0.12 / hub.TARGET_FANOUT_SHARE
    assert abs(pacer.interval - settled) < 0.03, pacer.interval
    run(2.0, 10)  # more than any interval can absorb: capped
    assert pacer.interval == hub.MAX_BATCH_INTERVAL
    run(0.01, 10)  # the crowd left
    assert pacer.interval == hub.BATCH_INTERVAL
