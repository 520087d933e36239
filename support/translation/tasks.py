"""Celery jobs: thin, idempotent, bounded retries (services do the work)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="support.translation.tasks.translate_chat_message",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=3,
)
def translate_chat_message(message_id: int) -> list[str]:
    from support.translation.chat import chat_message_translate

    return chat_message_translate(message_id=message_id)


@shared_task(
    name="support.translation.tasks.translate_room_chat",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=3,
)
def translate_room_chat(room_id: int) -> list[int]:
    from support.translation.chat import room_chat_translate_pending

    return room_chat_translate_pending(room_id=room_id)


@shared_task(
    name="support.translation.tasks.draft_product_translations",
    acks_late=True,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
    max_retries=3,
)
def draft_product_translations(product_id: int) -> list[str]:
    from support.translation.products import product_draft_translations

    return product_draft_translations(product_id=product_id)
