"""Turning a finished reply into a stream of small ``Token`` events."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from django.conf import settings

from support.agent.interface import Token

# A Han character pair, or a word with the spaces after it, or leftover spaces.
_CHUNK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]{1,2}|\S+\s*|\s+")


def chunks(text: str) -> list[str]:
    return _CHUNK.findall(text)


async def stream_text(text: str) -> AsyncIterator[Token]:
    """Yield ``text`` a word (or two Han characters) at a time, awaiting between pieces so a
    cancelled consumer stops the stream within one token."""
    delay = float(getattr(settings, "AI_TOKEN_DELAY", 0))
    for piece in chunks(text):
        await asyncio.sleep(delay)
        yield Token(piece)
