"""Wiring the relay process together: hooks, services, control API, registry, shutdown."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiohttp import web

from liverooms.relay.aiortc_compat import use_ice_host_addresses, verify_hooks
from liverooms.relay.api import build_app
from liverooms.relay.config import RelayConfig
from liverooms.relay.events import WebhookSender
from liverooms.relay.registry import NodeRegistry
from liverooms.relay.relay import Relay

logger = logging.getLogger("liverooms.relay")


def node_description(config: RelayConfig, relay: Relay) -> dict[str, Any]:
    return {
        "id": config.node_id,
        "url": config.public_url,
        "region": config.region,
        "load": relay.load,
        "rooms": sorted(relay.rooms),
    }


async def serve(config: RelayConfig, stop: asyncio.Event | None = None) -> None:
    """Run until ``stop`` is set (or SIGTERM/SIGINT), then shut down cleanly.

    Clean shutdown closes every room (recordings finalized and reported), flushes webhooks
    and removes the node from the registry.
    """
    verify_hooks()
    use_ice_host_addresses(config.ice_addresses)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    events = WebhookSender(url=config.webhook_url, secret=config.secret, node=config.node_id)
    relay = Relay(config, events)
    await relay.start()
    # Whatever this node forwarded before a crash is gone: the web tier forgets it on this.
    events.emit("relay.started", room="", data={"started_at": relay.started})
    runner = web.AppRunner(build_app(relay, config.secret), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, config.host, config.port)
    await site.start()
    registry = None
    if config.redis_url:
        registry = NodeRegistry(
            url=config.redis_url,
            prefix=config.redis_prefix,
            node_id=config.node_id,
            describe=lambda: node_description(config, relay),
        )
        await registry.start()
    logger.info(
        "relay %s listening on http://%s:%s (ICE addresses %s, recording %s)",
        config.node_id,
        config.host,
        config.port,
        ",".join(config.ice_addresses) or "auto",
        config.record,
    )
    try:
        await stop.wait()
    finally:
        logger.info("relay %s shutting down", config.node_id)
        await site.stop()
        await relay.shutdown()
        await events.close()
        if registry is not None:
            await registry.stop()
        await runner.cleanup()
