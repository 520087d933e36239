"""The answer hot path, in Redis: a question's answers are taken by one Lua script each
(deadline, option, one answer per shopper, all atomically), with no database write; the
reveal closes the question and moves the answers to the database in one go.

Keys (TTL 1 day): ``<prefix>:quiz:<question run id>:meta`` (room, deadline and start in ms of
Redis' clock, the option ids, closed flag, answer count) and ``...:answers`` (user id ->
"option id:elapsed ms"). Redis' own clock decides lateness, the same clock for every web
process.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import redis.asyncio as aioredis
from django.conf import settings

from liverooms.realtime import events

KEY_TTL = 24 * 3600


class Outcome(IntEnum):
    ACCEPTED = 1
    NOT_FOUND = -1
    CLOSED = -2
    ALREADY_ANSWERED = -3
    BAD_OPTION = -4


# KEYS: meta, answers. ARGV: room id, user id, option id.
ANSWER_SCRIPT = """
local meta = redis.call('HMGET', KEYS[1], 'room', 'deadline_ms', 'started_ms', 'closed', 'options')
if not meta[1] or meta[1] ~= ARGV[1] then return {-1, 0} end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if meta[4] == '1' or now_ms > tonumber(meta[2]) then return {-2, 0} end
if not string.find(meta[5], ',' .. ARGV[3] .. ',', 1, true) then return {-4, 0} end
local elapsed = math.max(0, now_ms - tonumber(meta[3]))
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3] .. ':' .. elapsed) == 0 then return {-3, 0} end
return {1, redis.call('HINCRBY', KEYS[1], 'count', 1)}
"""

# KEYS: meta, answers. Closes the question and returns every answer, atomically: an answer
# either ran before (and is returned) or after (and was refused as closed).
CLOSE_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'closed', '1') end
return redis.call('HGETALL', KEYS[2])
"""

# KEYS: meta, answers. ARGV: room id, time limit ms, options ",1,2,", ttl. Returns start ms.
OPEN_SCRIPT = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'room', ARGV[1], 'started_ms', now_ms,
    'deadline_ms', now_ms + tonumber(ARGV[2]), 'options', ARGV[3], 'closed', '0', 'count', 0)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return now_ms
"""


def _keys(question_run_id: int) -> list[str]:
    base = f"{settings.REALTIME_PREFIX}:quiz:{question_run_id}"
    return [f"{base}:meta", f"{base}:answers"]


def progress_key(question_run_id: int) -> str:
    return f"{settings.REALTIME_PREFIX}:quiz:{question_run_id}:progress"


def question_open(
    *, question_run_id: int, room_id: int, time_limit_ms: int, option_ids: list[int]
) -> int:
    """Start taking answers; returns the start in ms of Redis' clock (epoch)."""
    options = "," + ",".join(str(option) for option in option_ids) + ","
    return int(
        events.sync_client().eval(
            OPEN_SCRIPT, 2, *_keys(question_run_id), room_id, time_limit_ms, options, KEY_TTL
        )
    )


async def answer_submit(
    client: aioredis.Redis, *, question_run_id: int, room_id: int, user_id: int, option_id: int
) -> tuple[Outcome, int]:
    """Record one answer; returns the outcome and, when accepted, the answers so far."""
    outcome, count = await client.eval(
        ANSWER_SCRIPT, 2, *_keys(question_run_id), room_id, user_id, option_id
    )
    return Outcome(int(outcome)), int(count)


async def answer_count(client: aioredis.Redis, question_run_id: int) -> int:
    return int(await client.hget(_keys(question_run_id)[0], "count") or 0)


@dataclass(frozen=True)
class TakenAnswer:
    user_id: int
    option_id: int
    elapsed_ms: int


def question_close(question_run_id: int) -> list[TakenAnswer]:
    """Stop taking answers and return all that were taken."""
    flat = events.sync_client().eval(CLOSE_SCRIPT, 2, *_keys(question_run_id))
    answers = []
    for user, value in zip(flat[::2], flat[1::2], strict=True):
        option, elapsed = value.split(":")
        answers.append(TakenAnswer(int(user), int(option), int(elapsed)))
    return answers
