"""A lossy publisher uplink: video recovers (NACK/RTX, PLI) and audio thins out but flows.

The publisher reaches the relay through a UDP proxy that drops a share of its RTP packets.
Before the relay took audio packet by packet, aiortc's audio jitter buffer let only ~9 of 50
packets a second through at 30 % loss.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from tests.relay.conftest import RelayProcess
from tests.relay.media import (
    LossyProxy,
    Publisher,
    Subscriber,
    gaps,
    route_answer_through,
    use_loopback,
)

WINDOW = 3.0


@pytest.mark.asyncio
@pytest.mark.parametrize("loss", [0.1, 0.3])
async def test_media_keeps_flowing_through_packet_loss(relay: RelayProcess, loss: float) -> None:
    use_loopback()
    room = f"loss-{int(loss * 100)}"
    proxy = LossyProxy(loss)
    await proxy.start()
    async with aiohttp.ClientSession() as session:
        publisher = Publisher(
            relay.url,
            relay.token(room, "host", publish=True),
            answer_filter=route_answer_through(proxy),
        )
        await publisher.start(session)
        subscriber = Subscriber(relay.url, relay.token(room, "viewer"), "host")
        await subscriber.start(session)
        await subscriber.wait_video(5, timeout=10)
        since = time.monotonic()
        await asyncio.sleep(WINDOW)

        counters = subscriber.received.counters_since(since)
        missing = gaps(subscriber.received, since)
        audio_per_second = subscriber.received.audio_since(since) / WINDOW
        await subscriber.close()
        await publisher.close()
    proxy.close()
    print(
        f"loss {loss}: {len(counters) / WINDOW:.1f} fps, audio {audio_per_second:.1f}/s, "
        f"dropped {proxy.dropped} of {proxy.dropped + proxy.forwarded} datagrams"
    )

    assert proxy.dropped > 0, "the proxy did not drop anything: the test tests nothing"
    assert missing == [], "NACK/RTX should recover every frame, late rather than never"
    assert len(counters) >= WINDOW * 10, f"video nearly stopped: {len(counters)} frames"
    assert counters == sorted(counters) and counters[-1] - counters[0] >= WINDOW * 10
    # 50 packets/s are sent; graceful means roughly the share that got through.
    assert audio_per_second >= 0.6 * (1 - loss) * 50, f"audio {audio_per_second:.1f} packets/s"
