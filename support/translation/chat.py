"""Room chat translation: each chat line is translated once per language its room's viewers
use (not once per viewer) and published to the viewers of that language only.

Viewer languages per room live in Redis (a sorted set language -> last seen, refreshed by the
hubs with presence), so a language nobody uses any more drops out within 30 s.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from liverooms.realtime import events
from liverooms.rooms.models import ChatMessage
from support.translation.languages import normalize_language
from support.translation.services import detect_language, translate_text

logger = logging.getLogger(__name__)

DONE_TTL = 24 * 3600


# A busy room's lines are translated by one job per burst, not one per line: a Celery publish
# costs the web process far more than a chat line does (measured: per-line jobs took ~0.13 of
# a core at 50 lines/s). Each line costs two Redis round trips; the first line of a burst
# also queues the room's job, which starts COALESCE_SECONDS later and takes every line
# waiting by then.
COALESCE_SECONDS = 0.2
PENDING_TTL = 3600


def _pending_key(room_id: int) -> str:
    return events.key(room_id, "translate:pending")


def _scheduled_key(room_id: int) -> str:
    return events.key(room_id, "translate:scheduled")


def chat_message_queue_translation(*, message: ChatMessage) -> None:
    """After commit, put the line on its room's translation list when the room has viewers of
    a language the line may not be in, and queue the room's job unless one is already coming
    (nothing at all for a one-language room whose language the line is known to be in)."""
    if not settings.ROOM_CHAT_TRANSLATION:
        return
    room_id, message_id = message.room_id, message.pk
    source = normalize_language(message.language)

    def queue() -> None:
        present = events.languages_present(room_id)
        if not present or (source is not None and present <= {source}):
            return
        pipe = events.sync_client().pipeline(transaction=False)
        pipe.rpush(_pending_key(room_id), message_id).expire(_pending_key(room_id), PENDING_TTL)
        pipe.set(_scheduled_key(room_id), "1", nx=True, ex=60)
        *_pushed, scheduled = pipe.execute()
        if scheduled:
            from support.translation.tasks import translate_room_chat

            translate_room_chat.apply_async((room_id,), countdown=COALESCE_SECONDS)

    transaction.on_commit(queue)


def room_chat_translate_pending(*, room_id: int) -> list[int]:
    """Translate every line waiting on the room's list (the room's coalesced job).

    The "scheduled" flag is dropped before the list is read, so a line pushed meanwhile
    either is read now or queues the next job: none is left waiting. Returns the lines."""
    redis = events.sync_client()
    redis.delete(_scheduled_key(room_id))
    pipe = redis.pipeline(transaction=True)
    pipe.lrange(_pending_key(room_id), 0, -1).delete(_pending_key(room_id))
    raw, _deleted = pipe.execute()
    message_ids = sorted({int(value) for value in raw})
    for message_id in message_ids:
        try:
            chat_message_translate(message_id=message_id)
        except Exception:
            # One line's failure (an engine down) never loses the others of the burst.
            logger.exception("translating chat line %s failed", message_id)
    return message_ids


def _done_key(room_id: int, message_id: int, language: str) -> str:
    return events.key(room_id, f"translated:{message_id}:{language}")


def chat_message_translate(*, message_id: int) -> list[str]:
    """Translate a chat line into each language present in its room and publish
    ``chat.translated`` {message_id, language, text} to that language's viewers.

    Idempotent: a language already published for the line is skipped (a Redis marker), and
    the translation itself is cached. Returns the languages published this time.
    """
    message = (
        ChatMessage.objects.select_related("room")
        .filter(pk=message_id, deleted_at__isnull=True)
        .first()
    )
    if message is None:
        return []
    room_id = message.room_id
    source = normalize_language(message.language) or detect_language(message.text)
    redis = events.sync_client()
    published: list[str] = []
    for target in sorted(events.languages_present(room_id) - {source}):
        if redis.exists(_done_key(room_id, message_id, target)):
            continue
        result = translate_text(
            text=message.text, target=target, source=source, shop=message.room.shop_id
        )
        if not result.translated or result.text.strip() == message.text.strip():
            continue
        events.publish_for_language(
            room_id,
            target,
            "chat.translated",
            {"message_id": message_id, "text": result.text, "source": result.source},
        )
        redis.set(_done_key(room_id, message_id, target), "1", ex=DONE_TTL)
        published.append(target)
        message.translations[target] = result.text
    # Kept on the line: the replay shows what the live viewers of each language saw.
    changed = {"translations": message.translations} if published else {}
    if source and not message.language:
        changed["language"] = source
    if changed:
        ChatMessage.objects.filter(pk=message_id).update(**changed)
    return published
