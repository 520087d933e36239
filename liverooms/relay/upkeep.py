"""The relay's periodic work: the keyframe watchdog and per-peer stats.

Kept apart from the request-driven services in relay.py; both loops only read the relay's
state and call into sources, peers and the event sender.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from liverooms.relay.relay import Relay

logger = logging.getLogger(__name__)

REMOVAL_MEMORY = 3600.0
"""Seconds a removed participant's old publish tokens stay refused (tokens live minutes)."""


async def watchdog_loop(relay: Relay, interval: float) -> None:
    """Repeat keyframe requests for sinks that still wait (a PLI or its keyframe was lost)."""
    while True:
        await asyncio.sleep(interval)
        now = time.monotonic()
        for room in list(relay.rooms.values()):
            for participant in list(room.participants.values()):
                for source in participant.sources.values():
                    source.watchdog(now)


async def stats_loop(relay: Relay, interval: float) -> None:
    """Sample every connected peer's stats (GET room shows them) and send ``peer.stats``."""
    while True:
        await asyncio.sleep(interval)
        try:
            await report_stats(relay)
        except Exception:
            logger.exception("collecting peer stats")
        cutoff = time.time() - REMOVAL_MEMORY
        relay.removed = {key: at for key, at in relay.removed.items() if at > cutoff}


async def report_stats(relay: Relay) -> None:
    for peer in list(relay.peers.values()):
        if peer.closed or peer.connected_at is None:
            continue
        stats = await peer.sample_stats()
        relay.events.emit(
            "peer.stats",
            room=peer.room,
            identity=peer.identity,
            peer_id=peer.peer_id,
            data=stats,
        )
