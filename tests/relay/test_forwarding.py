"""Forwarding rules without the network: keyframes, slow subscribers, reconnects, audio order."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import MediaStreamError

from liverooms.relay.forwarding import QUEUE_LIMITS, Feed, ForwardingTrack, Source
from liverooms.relay.keyframes import REPEAT_AFTER, KeyframeRequester

KEY = b"\x10\x02\x00\x9d\x01\x2a\x40\x01\xf0\x00" + b"k" * 20
DELTA = b"\x11\x02\x00" + b"d" * 20


class Plis:
    """Stands in for the publisher side: counts the PLIs a feed sends."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    def __call__(self, ssrc: int) -> None:
        self.sent.append(ssrc)


def video_source() -> tuple[Source, Feed, Plis]:
    source = Source(room="r", identity="host", kind="video")
    plis = Plis()
    feed = Feed(source, plis)
    feed.on_rtp(1234, 1, 0, b"x", 1)  # the feed learns the publisher's SSRC
    source.attach_feed(feed)
    return source, feed, plis


def frame(feed: Feed, number: int, keyframe: bool = False) -> None:
    feed.on_frame(KEY if keyframe else DELTA, number * 3000)


async def drain(track: ForwardingTrack) -> list[int]:
    pts = []
    while track._queue:
        pts.append((await track.recv()).pts)
    return pts


@pytest.mark.asyncio
async def test_a_joiner_starts_at_a_keyframe_it_asked_for() -> None:
    source, feed, plis = video_source()
    track = ForwardingTrack(source)
    for number in range(3):
        frame(feed, number)
    asking = asyncio.ensure_future(track.recv())  # the sender starts: the track joins
    await asyncio.sleep(0)
    frame(feed, 3)
    frame(feed, 4, keyframe=True)
    frame(feed, 5)

    first = await asking

    assert plis.sent, "joining must send a PLI toward the publisher"
    assert first.pts == 4 * 3000
    assert await drain(track) == [5 * 3000]


@pytest.mark.asyncio
async def test_a_stalled_subscriber_skips_to_a_keyframe_and_others_get_everything() -> None:
    source, feed, _ = video_source()
    stalled, healthy = ForwardingTrack(source), ForwardingTrack(source)
    for track in (stalled, healthy):
        source.add_sink(track)
    frame(feed, 0, keyframe=True)
    received: list[int] = []
    assert source.keyframes is not None
    requested_before = source.keyframes.requested

    for number in range(1, QUEUE_LIMITS["video"] + 5):
        frame(feed, number)
        received.append((await healthy.recv()).pts)  # only this one keeps reading

    assert received == [n * 3000 for n in range(QUEUE_LIMITS["video"] + 5)][: len(received)]
    assert len(received) == QUEUE_LIMITS["video"] + 4
    assert stalled.waiting_keyframe and stalled.overflows == 1 and not stalled._queue
    assert source.keyframes.requested > requested_before
    frame(feed, 100, keyframe=True)
    assert await drain(stalled) == [100 * 3000]


@pytest.mark.asyncio
async def test_keyframe_requests_are_merged_but_never_dropped() -> None:
    clock = [100.0]
    sent: list[float] = []
    requester = KeyframeRequester(
        lambda: sent.append(clock[0]), min_interval=0.1, clock=lambda: clock[0]
    )

    for _ in range(5):
        requester.request()
    assert len(sent) == 1 and requester.pending
    clock[0] += 0.1
    await asyncio.sleep(0.15)  # the deferred request's timer runs

    assert len(sent) == 2, "the deferred request must still fire"
    requester.request()
    assert len(sent) == 2 and requester.pending  # inside the quiet interval again
    requester.cancel()


@pytest.mark.asyncio
async def test_the_watchdog_repeats_the_request_while_someone_waits() -> None:
    source, feed, _ = video_source()
    clock = [1000.0]
    source.keyframes = KeyframeRequester(source._send_pli, clock=lambda: clock[0])
    track = ForwardingTrack(source)
    source.add_sink(track)  # the joiner's request goes out at once
    track.waiting_since = clock[0]
    sent = source.keyframes.sent

    source.watchdog(clock[0] + REPEAT_AFTER / 2)
    assert source.keyframes.sent == sent
    clock[0] += REPEAT_AFTER + 0.01
    source.watchdog(clock[0])
    assert source.keyframes.sent == sent + 1

    frame(feed, 1, keyframe=True)  # satisfied: no more requests
    clock[0] += 10 * REPEAT_AFTER
    source.watchdog(clock[0])
    assert source.keyframes.sent == sent + 1


@pytest.mark.asyncio
async def test_a_reconnecting_publisher_continues_the_same_timeline() -> None:
    source, first_feed, _ = video_source()
    track = ForwardingTrack(source)
    source.add_sink(track)
    frame(first_feed, 0, keyframe=True)
    frame(first_feed, 1)
    second_feed = Feed(source, Plis())
    second_feed.on_rtp(99, 1, 0, b"x", 1)

    source.attach_feed(second_feed)
    frame(first_feed, 2)  # the replaced connection is no longer forwarded
    frame(second_feed, 0)  # not a keyframe: subscribers wait for one
    frame(second_feed, 1, keyframe=True)

    pts = await drain(track)
    assert pts[:2] == [0, 3000]
    assert len(pts) == 3 and pts[2] > 3000, "timestamps must keep increasing across feeds"


@pytest.mark.asyncio
async def test_audio_is_forwarded_per_packet_and_late_packets_are_dropped() -> None:
    source = Source(room="r", identity="host", kind="audio")
    feed = Feed(source)
    source.attach_feed(feed)
    track = ForwardingTrack(source)
    source.add_sink(track)
    base = 2**32 - 960 * 2  # the RTP timestamp wraps in the middle

    for sequence, timestamp in [(1, base), (2, base + 960), (4, base + 960 * 3), (3, base + 1920)]:
        feed.on_rtp(7, sequence, timestamp & 0xFFFFFFFF, b"opus", 10)

    assert await drain(track) == [0, 960, 2880]  # a hole is skipped, not waited for
    assert feed.loss.expected == 4 and feed.loss.received == 4


@pytest.mark.asyncio
async def test_an_unpublished_source_ends_its_tracks() -> None:
    source, _, _ = video_source()
    track = ForwardingTrack(source)
    waiting = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)

    source.end()

    with pytest.raises(MediaStreamError):
        await waiting


@pytest.mark.asyncio
async def test_a_pushing_sender_gets_frames_as_they_come_and_falls_back_to_the_queue() -> None:
    source, feed, _ = video_source()
    track = ForwardingTrack(source)
    pushed: list[int] = []
    accept = True

    def send(encoded: object) -> bool:
        if accept:
            pushed.append(encoded.pts)  # type: ignore[attr-defined]
        return accept

    track.push_to(send)
    asking = asyncio.ensure_future(track.next_frame())  # the sender starts: the track joins
    await asyncio.sleep(0)
    frame(feed, 0)  # not a keyframe: still dropped for a joiner
    frame(feed, 1, keyframe=True)
    frame(feed, 2)
    assert pushed == [3000, 6000] and track.frames_sent == 2 and not track._queue
    accept = False
    frame(feed, 3)  # refused: queued, and queueing from here on
    accept = True
    frame(feed, 4)

    assert (await asking).pts == 9000
    assert await drain(track) == [12000]
    assert pushed == [3000, 6000] and track.frames_sent == 4
