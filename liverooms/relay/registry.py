"""Registering this relay node in Redis, so the web tier can assign rooms to live nodes.

The key ``{prefix}:relay:node:{id}`` holds ``{id, url, region, load, rooms, updated}`` with a
15 s TTL refreshed every 5 s: a node that dies disappears on its own; a clean shutdown
deletes it at once. Redis being down is logged and retried, never fatal to media.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis_async
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

TTL = 15
INTERVAL = 5.0


def node_key(prefix: str, node_id: str) -> str:
    return f"{prefix}:relay:node:{node_id}"


class NodeRegistry:
    def __init__(
        self,
        *,
        url: str,
        prefix: str,
        node_id: str,
        describe: Callable[[], dict[str, Any]],
        ttl: int = TTL,
        interval: float = INTERVAL,
    ) -> None:
        self.key = node_key(prefix, node_id)
        self._client = redis_async.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._describe = describe
        self._ttl = ttl
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def write(self) -> bool:
        value = {**self._describe(), "updated": time.time()}
        try:
            await self._client.set(self.key, json.dumps(value), ex=self._ttl)
        except (RedisError, OSError) as exc:
            logger.warning("relay registry: cannot write %s: %s", self.key, exc)
            return False
        return True

    async def start(self) -> None:
        await self.write()
        self._task = asyncio.get_running_loop().create_task(self._refresh())

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self.write()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await self._client.delete(self.key)
        except (RedisError, OSError) as exc:
            logger.warning("relay registry: cannot delete %s: %s", self.key, exc)
        await self._client.aclose()
