"""Relay nodes register themselves in Redis for the web tier to find (real Redis)."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable

import pytest
import redis

from config.services import redis_answers
from liverooms.relay.registry import NodeRegistry, node_key
from tests.relay.conftest import RelayProcess

LOCAL_REDIS = "redis://127.0.0.1:6379/15"


def test_redis_url() -> str:
    url = os.environ.get("SHOWROOM_TEST_REDIS_URL", "")
    if url:
        return url
    if redis_answers(LOCAL_REDIS):
        return LOCAL_REDIS
    pytest.skip("no Redis: SHOWROOM_TEST_REDIS_URL is unset and 127.0.0.1:6379 does not answer")


test_redis_url.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture
def redis_url() -> str:
    return test_redis_url()


@pytest.fixture
def prefix() -> str:
    return f"relaytest-{uuid.uuid4().hex[:8]}"


def test_a_node_registers_itself_and_leaves_on_shutdown(
    relay_factory: Callable[..., RelayProcess], redis_url: str, prefix: str
) -> None:
    relay = relay_factory(
        RELAY_REDIS_URL=redis_url,
        RELAY_REDIS_PREFIX=prefix,
        RELAY_REGION="eu-west",
        RELAY_PUBLIC_URL="https://relay-1.example.test",
        RELAY_NODE_ID="relay-1",
    )
    client = redis.Redis.from_url(redis_url)
    key = node_key(prefix, "relay-1")
    try:
        # The node registers right after its control API starts listening (which is what
        # relay_factory waits for), so give the first write a moment.
        deadline = time.monotonic() + 5
        while client.get(key) is None and time.monotonic() < deadline:
            time.sleep(0.02)
        value = json.loads(client.get(key) or b"null")
        ttl = client.ttl(key)

        assert key == f"{prefix}:relay:node:relay-1"
        assert value["id"] == "relay-1" and value["region"] == "eu-west"
        assert value["url"] == "https://relay-1.example.test"
        assert value["load"] == 0 and value["rooms"] == []
        assert abs(value["updated"] - time.time()) < 10
        assert 0 < ttl <= 15

        assert relay.stop() == 0
        assert client.get(key) is None, "a clean shutdown removes the node at once"
    finally:
        client.delete(key)
        client.close()


@pytest.mark.asyncio
async def test_the_registration_is_refreshed_with_the_current_load(
    redis_url: str, prefix: str
) -> None:
    load = {"id": "n1", "url": "http://n1", "region": "local", "load": 0, "rooms": []}
    registry = NodeRegistry(
        url=redis_url, prefix=prefix, node_id="n1", describe=lambda: dict(load), interval=0.1
    )
    client = redis.Redis.from_url(redis_url)
    try:
        await registry.start()
        load.update(load=7, rooms=["r1"])
        await asyncio.sleep(0.3)
        value = json.loads(client.get(registry.key) or b"null")
        assert value["load"] == 7 and value["rooms"] == ["r1"]
        await registry.stop()
        assert client.get(registry.key) is None
    finally:
        client.delete(registry.key)
        client.close()


def test_a_relay_without_redis_still_serves(relay_factory: Callable[..., RelayProcess]) -> None:
    relay = relay_factory(RELAY_REDIS_URL="redis://127.0.0.1:1/0")

    assert relay.health()["ok"] is True
