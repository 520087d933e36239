"""The one place that publishes room events.

Each event gets the room's next sequence number, is kept in a short per-room history (for
clients that reconnect) and is published once on the room's Redis channel; every web process
subscribes once per room it has viewers in (hub.py) and hands the same frame to its sockets.
Redis work per event is constant: it never grows with the number of viewers.
"""

from __future__ import annotations

import json
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings
from django.db import transaction

HISTORY_LENGTH = 500
HISTORY_TTL = 24 * 3600

# KEYS: seq, history, channel. ARGV: event JSON without its opening brace, history length, ttl.
PUBLISH_SCRIPT = """
local seq = redis.call('INCR', KEYS[1])
local frame = '{"seq":' .. seq .. ',' .. ARGV[1]
redis.call('RPUSH', KEYS[2], frame)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]) * 7)
redis.call('PUBLISH', KEYS[3], frame)
return seq
"""


def key(room_id: int, name: str) -> str:
    return f"{settings.REALTIME_PREFIX}:room:{room_id}:{name}"


def channel(room_id: int) -> str:
    return key(room_id, "events")


def _body(event_type: str, payload: dict[str, Any]) -> str:
    encoded = json.dumps({"type": event_type, **payload}, ensure_ascii=False, separators=(",", ":"))
    return encoded[1:]  # the script prepends '{"seq":N,'


def _keys(room_id: int) -> list[str]:
    return [key(room_id, "seq"), key(room_id, "history"), channel(room_id)]


_sync_clients: dict[str, redis.Redis] = {}


def sync_client() -> redis.Redis:
    url = settings.REALTIME_REDIS_URL
    if url not in _sync_clients:
        _sync_clients[url] = redis.Redis.from_url(url, decode_responses=True)
    return _sync_clients[url]


def publish_now(room_id: int, event_type: str, payload: dict[str, Any]) -> int:
    """Publish immediately (synchronous code). Returns the event's seq."""
    client = sync_client()
    return int(
        client.eval(
            PUBLISH_SCRIPT,
            3,
            *_keys(room_id),
            _body(event_type, payload),
            HISTORY_LENGTH,
            HISTORY_TTL,
        )
    )


# Events for the viewers of one language only (chat.translated) start with this; the hub
# delivers them to members of that language. They carry no seq (each language's viewers see
# different ones, so a seq would look like gaps to the others) and are not kept in history.
LANGUAGE_FRAME_PREFIX = '{"language":"'
PRESENCE_SECONDS = 30
LANGUAGE_RECENT = 100  # about the chat lines a snapshot shows


def publish_for_language(
    room_id: int, language: str, event_type: str, payload: dict[str, Any]
) -> None:
    """Publish to the room's viewers whose language is ``language`` (no seq, no history).

    The last LANGUAGE_RECENT frames per language are kept so a joining viewer gets the
    translations of the chat lines its snapshot shows (``recent_for_language``)."""
    body = json.dumps(
        {"language": language, "type": event_type, **payload},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    recent = key(room_id, f"recent:{language}")
    pipe = sync_client().pipeline(transaction=True)
    pipe.rpush(recent, body).ltrim(recent, -LANGUAGE_RECENT, -1).expire(recent, HISTORY_TTL)
    pipe.publish(channel(room_id), body)
    pipe.execute()


async def recent_for_language(client: aioredis.Redis, room_id: int, language: str) -> list[str]:
    return list(await client.lrange(key(room_id, f"recent:{language}"), 0, -1))


# Events the room consumer looks at before sending them to its socket (it keeps the room's
# status current, and closes the socket of a banned user): they always take the ASGI send.
# A JSON string cannot contain these markers unescaped, so chat text never matches them.
ROOM_STATUS_MARKER = '"type":"room.status"'
ROOM_KICK_MARKER = '"type":"room.kick"'
CONSUMER_MARKERS = (ROOM_STATUS_MARKER, ROOM_KICK_MARKER)


def seen_by_consumer(frame: str) -> bool:
    return any(marker in frame for marker in CONSUMER_MARKERS)


def frame_language(frame: str) -> str | None:
    """The language a frame is meant for, or None for frames every viewer gets (cheap)."""
    if not frame.startswith(LANGUAGE_FRAME_PREFIX):
        return None
    start = len(LANGUAGE_FRAME_PREFIX)
    return frame[start : frame.index('"', start)]


def languages_present(room_id: int) -> set[str]:
    """Languages of the room's current viewers (hubs refresh them with presence)."""
    import time

    since = time.time() - PRESENCE_SECONDS
    return set(sync_client().zrangebyscore(key(room_id, "languages"), since, "+inf"))


def publish_on_commit(room_id: int, event_type: str, payload: dict[str, Any]) -> None:
    """Publish when the surrounding transaction commits (services call this)."""
    transaction.on_commit(lambda: publish_now(room_id, event_type, payload))


async def apublish(
    client: aioredis.Redis, room_id: int, event_type: str, payload: dict[str, Any]
) -> int:
    return int(
        await client.eval(
            PUBLISH_SCRIPT,
            3,
            *_keys(room_id),
            _body(event_type, payload),
            HISTORY_LENGTH,
            HISTORY_TTL,
        )
    )


async def current_seq(client: aioredis.Redis, room_id: int) -> int:
    return int(await client.get(key(room_id, "seq")) or 0)


async def frames_since(client: aioredis.Redis, room_id: int, last_seq: int) -> list[str] | None:
    """Frames after ``last_seq`` from the history, or None if some are no longer there."""
    frames = await client.lrange(key(room_id, "history"), 0, -1)
    current = await current_seq(client, room_id)
    if last_seq == current:
        return []
    if last_seq > current:
        return None  # a seq from another life of this room (or made up): start again
    missed = [frame for frame in frames if _seq_of(frame) > last_seq]
    if not missed or _seq_of(missed[0]) != last_seq + 1:
        return None
    return missed


def _seq_of(frame: str) -> int:
    # Frames start with '{"seq":N,' (see PUBLISH_SCRIPT).
    return int(frame[7 : frame.index(",")])


def viewer_counts(room_ids: list[int]) -> dict[int, int]:
    """Current viewers per room (presence kept by the hubs), for listings."""
    import time

    if not room_ids:
        return {}
    pipe = sync_client().pipeline(transaction=False)
    since = time.time() - 30
    for room_id in room_ids:
        pipe.zcount(key(room_id, "viewers"), since, "+inf")
    return dict(zip(room_ids, (int(n) for n in pipe.execute()), strict=True))
