"""Signed webhooks to the web tier: lifecycle, recordings and stats events.

Events are queued per room and delivered in order by one task per room; a failed delivery is
retried with bounded backoff and the same ``id`` (the receiver dedupes on it). ``emit`` never
waits, so media never waits for the web tier. When a room's queue is full, stats events are
dropped first; lifecycle events are dropped only when the queue holds nothing else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections import deque
from typing import Any

import aiohttp

from liverooms.relay.tokens import sign_webhook

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Relay-Signature"
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0)
QUEUE_LIMIT = 1000
DROPPABLE = "peer.stats"


def make_event(
    type: str,
    *,
    room: str,
    node: str,
    identity: str | None = None,
    peer_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": type,
        "room": room,
        "identity": identity,
        "at": time.time(),
        "node": node,
        "data": data or {},
    }
    if peer_id is not None:
        event["peer_id"] = peer_id
    return event


class WebhookSender:
    """Posts events to ``url`` signed with ``secret``; a no-op sink when ``url`` is empty."""

    def __init__(
        self,
        *,
        url: str | None,
        secret: str,
        node: str,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> None:
        self.url = url or None
        self.secret = secret
        self.node = node
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        self._queues: dict[str, deque[dict[str, Any]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def emit(
        self,
        type: str,
        *,
        room: str,
        identity: str | None = None,
        peer_id: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = make_event(
            type, room=room, node=self.node, identity=identity, peer_id=peer_id, data=data
        )
        logger.debug("event %s room=%s identity=%s", type, room, identity)
        if self.url is None:
            return event
        pending = self._queues.setdefault(room, deque())
        if len(pending) >= QUEUE_LIMIT and not self._make_room(pending, event):
            self.dropped += 1
            logger.error("webhook queue for room %s is full; dropped %s", room, type)
            return event
        pending.append(event)
        if room not in self._workers:
            self._workers[room] = asyncio.get_running_loop().create_task(self._drain(room))
        return event

    def _make_room(self, pending: deque[dict[str, Any]], event: dict[str, Any]) -> bool:
        if event["type"] == DROPPABLE:
            return False
        for queued in pending:
            if queued["type"] == DROPPABLE:
                pending.remove(queued)
                self.dropped += 1
                return True
        return False

    async def _drain(self, room: str) -> None:
        pending = self._queues[room]
        try:
            while pending:
                await self._deliver(pending[0])
                pending.popleft()
        finally:
            self._workers.pop(room, None)
            if not pending:
                self._queues.pop(room, None)

    async def _deliver(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, separators=(",", ":")).encode()
        for attempt, delay in enumerate((*self.retry_delays, None)):
            try:
                outcome = await self._post(body)
                if outcome == "delivered":
                    self.delivered += 1
                    return
                if outcome == "rejected":
                    self.failed += 1
                    return
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                logger.warning("webhook %s attempt %d failed: %s", event["type"], attempt, exc)
            if delay is None:
                break
            await asyncio.sleep(delay)
        self.failed += 1
        logger.error("webhook %s %s given up after retries", event["type"], event["id"])

    async def _post(self, body: bytes) -> str:
        """``delivered``, ``rejected`` (a 4xx that retrying will not fix) or ``retry``."""
        assert self.url is not None
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_webhook(self.secret, body),
        }
        async with self._session.post(self.url, data=body, headers=headers) as response:
            await response.read()
            if response.status < 300:
                return "delivered"
            if 400 <= response.status < 500 and response.status not in (408, 409, 429):
                logger.error("webhook rejected with %d; not retried", response.status)
                return "rejected"
            return "retry"

    async def close(self, flush_timeout: float = 3.0) -> None:
        """Give queued events a moment to go out, then stop."""
        workers = list(self._workers.values())
        if workers:
            _done, still = await asyncio.wait(workers, timeout=flush_timeout)
            for task in still:
                task.cancel()
        if self._session is not None:
            await self._session.close()
            self._session = None
