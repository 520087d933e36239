"""Relay settings from environment variables, each overridable by a command-line flag."""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

RECORD_MODES = ("live", "all", "off")


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class RelayConfig:
    secret: str
    host: str = "127.0.0.1"
    port: int = 7880
    node_id: str = ""
    public_url: str = ""
    region: str = "local"
    ice_addresses: tuple[str, ...] = ("127.0.0.1",)
    redis_url: str | None = None
    redis_prefix: str = "showroom"
    webhook_url: str | None = None
    recordings_dir: Path = Path("var/recordings")
    record: str = "live"
    """``live``: record kind=live rooms (default); ``all``: private rooms too; ``off``."""
    publisher_grace: float = 15.0
    """Seconds a publisher that lost its connection keeps its tracks, waiting for a reconnect."""
    stats_interval: float = 5.0
    max_peers: int = 1000
    log_level: str = "INFO"

    def records(self, room_kind: str) -> bool:
        return self.record == "all" or (self.record == "live" and room_kind == "live")


def _record_mode(value: str) -> str:
    lowered = value.strip().lower()
    aliases = {"on": "live", "1": "live", "true": "live", "yes": "live"}
    aliases.update({"0": "off", "false": "off", "no": "off", "none": "off"})
    mode = aliases.get(lowered, lowered)
    if mode not in RECORD_MODES:
        raise ConfigError(f"RELAY_RECORD must be one of {RECORD_MODES} (or on/off), not {value!r}")
    return mode


def _parser(env: Mapping[str, str]) -> argparse.ArgumentParser:
    def default(name: str, fallback: str = "") -> str:
        return env.get(name, fallback)

    parser = argparse.ArgumentParser(
        prog="python -m liverooms.relay",
        description="Showroom media relay (WebRTC SFU). Every flag defaults to its RELAY_* "
        "environment variable.",
    )
    parser.add_argument("--secret", default=default("RELAY_SECRET"), help="RELAY_SECRET")
    parser.add_argument("--host", default=default("RELAY_HOST", "127.0.0.1"))
    parser.add_argument("--port", default=default("RELAY_PORT", "7880"))
    parser.add_argument("--node-id", default=default("RELAY_NODE_ID"))
    parser.add_argument("--public-url", default=default("RELAY_PUBLIC_URL"))
    parser.add_argument("--region", default=default("RELAY_REGION", "local"))
    parser.add_argument("--ice-addresses", default=default("RELAY_ICE_ADDRESSES", "127.0.0.1"))
    parser.add_argument("--redis-url", default=default("RELAY_REDIS_URL"))
    parser.add_argument("--redis-prefix", default=default("RELAY_REDIS_PREFIX", "showroom"))
    parser.add_argument("--webhook-url", default=default("RELAY_WEBHOOK_URL"))
    parser.add_argument(
        "--recordings-dir", default=default("RELAY_RECORDINGS_DIR", "./var/recordings")
    )
    parser.add_argument("--record", default=default("RELAY_RECORD", "live"))
    parser.add_argument("--publisher-grace", default=default("RELAY_PUBLISHER_GRACE", "15"))
    parser.add_argument("--stats-interval", default=default("RELAY_STATS_INTERVAL", "5"))
    parser.add_argument("--max-peers", default=default("RELAY_MAX_PEERS", "1000"))
    parser.add_argument("--log-level", default=default("RELAY_LOG_LEVEL", "INFO"))
    return parser


def _number(name: str, value: str, kind: type[int] | type[float], minimum: float) -> float:
    try:
        number = kind(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {value!r}") from exc
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    return number


def load_config(
    argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None
) -> RelayConfig:
    """Settings from ``env`` (default: os.environ) overridden by ``argv`` flags."""
    env = os.environ if env is None else env
    args = _parser(env).parse_args(argv)
    if not args.secret:
        raise ConfigError("RELAY_SECRET is required (the HMAC key shared with the web tier)")
    port = int(_number("RELAY_PORT", args.port, int, 0))
    addresses = tuple(a.strip() for a in args.ice_addresses.split(",") if a.strip())
    public_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    return RelayConfig(
        secret=args.secret,
        host=args.host,
        port=port,
        node_id=args.node_id or f"{socket.gethostname()}-{port}",
        public_url=(args.public_url or f"http://{public_host}:{port}").rstrip("/"),
        region=args.region,
        ice_addresses=addresses,
        redis_url=args.redis_url or None,
        redis_prefix=args.redis_prefix,
        webhook_url=args.webhook_url or None,
        recordings_dir=Path(args.recordings_dir),
        record=_record_mode(args.record),
        publisher_grace=_number("RELAY_PUBLISHER_GRACE", args.publisher_grace, float, 0),
        stats_interval=_number("RELAY_STATS_INTERVAL", args.stats_interval, float, 0.1),
        max_peers=int(_number("RELAY_MAX_PEERS", args.max_peers, int, 1)),
        log_level=args.log_level.upper(),
    )
