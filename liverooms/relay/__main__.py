"""``python -m liverooms.relay``: run a relay node (settings: RELAY_* env vars or flags)."""

from __future__ import annotations

import asyncio
import logging
import sys

from liverooms.relay.aiortc_compat import AiortcCompatError
from liverooms.relay.config import ConfigError, load_config
from liverooms.relay.server import serve


def main(argv: list[str] | None = None) -> int:
    try:
        config = load_config(argv)
    except ConfigError as exc:
        print(f"relay: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=config.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aioice/aiortc log every failed connectivity check at INFO.
    logging.getLogger("aioice").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        asyncio.run(serve(config))
    except AiortcCompatError as exc:
        logging.getLogger("liverooms.relay").critical("refusing to start: %s", exc)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
