"""Writes of the support chat: shopper messages, agent replies, handoff, and the human inbox's
actions (claim, assign, reply, close, CSAT). Each service owns its transaction, locks the
conversation row where two writers could race, and publishes through ``support.chat.events``
after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shop.accounts.models import User
from shop.shops.models import Shop
from support.chat import events
from support.chat.models import (
    Conversation,
    ConversationStatus,
    Resolution,
    SenderKind,
    SupportMessage,
    Ticket,
    TicketKind,
    TicketStatus,
)
from support.chat.selectors import (
    INBOX_ROLES,
    ConversationNotFound,
    Shopper,
    access_conversation_for_shopper,
    conversation_payload,
    conversation_transcript,
    inbox_row,
    message_payload,
)

logger = logging.getLogger(__name__)


class SupportError(Exception):
    """A refused action; ``code`` is the protocol's stable error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# Translation (support.translation, when installed) -----------------------------------------
def detect_language(text: str) -> str | None:
    """The language of ``text`` among the site's languages, or None (service absent/unsure)."""
    try:
        from support.translation.services import detect_language as detect
    except ImportError:
        return None
    try:
        code = detect(text)
    except Exception:
        logger.exception("language detection failed")
        return None
    return code if code in settings.LANGUAGE_CODES else None


def translate(text: str, *, target: str, source: str | None, shop: Shop) -> str | None:
    """``text`` in ``target`` through the translation service, or None when it is absent,
    failed, or returned the text unchanged."""
    if not text or source == target:
        return None
    try:
        from support.translation.services import translate_text
    except ImportError:
        return None
    try:
        result = translate_text(text=text, target=target, source=source, shop=shop)
    except Exception:
        logger.exception("translating a support message into %s failed", target)
        return None
    translated = getattr(result, "text", "") or ""
    return translated if translated and translated != text else None


def message_translate(*, message: SupportMessage, language: str) -> SupportMessage:
    """Cache a translation of ``message`` into ``language`` on it (for a staff reader)."""
    if not language or language == message.language or language in message.translations:
        return message
    conversation = message.conversation
    translated = translate(
        message.text, target=language, source=message.language or None, shop=conversation.shop
    )
    if translated is not None:
        message.translations = {**message.translations, language: translated}
        SupportMessage.objects.filter(pk=message.pk).update(translations=message.translations)
    return message


# Publishing helpers ------------------------------------------------------------------------
def _publish_message(
    conversation: Conversation, message: SupportMessage, reply: str | None = None
) -> None:
    shopper_event: dict[str, Any] = {
        "type": "support.message",
        "message": message_payload(message, conversation.language),
    }
    if reply:
        shopper_event["reply"] = reply
    events.to_conversation(conversation.pk, shopper_event)
    events.to_inbox(
        conversation.shop_id, {"type": "inbox.message", "message": message_payload(message)}
    )
    _publish_row(conversation)


def _publish_row(conversation: Conversation) -> None:
    events.to_inbox(
        conversation.shop_id,
        {"type": "inbox.conversation", "conversation": inbox_row(conversation)},
    )


def _publish_status(conversation: Conversation) -> None:
    events.to_conversation(
        conversation.pk,
        {"type": "support.status", "conversation": conversation_payload(conversation)},
    )
    _publish_row(conversation)


def _locked(conversation_id: int) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("shop", "assigned_to", "shopper")
        .get(pk=conversation_id)
    )


# Shopper side ------------------------------------------------------------------------------
def conversation_attach_visitor(*, user: User, visitor: str) -> int:
    """After sign-in: the conversations the visitor had anonymously become the account's.
    Returns how many were attached."""
    if not visitor or not user.is_authenticated:
        return 0
    return Conversation.objects.filter(shopper__isnull=True, session_key=visitor).update(
        shopper=user
    )


def conversation_shopper_message_post(
    *,
    shop: Shop,
    shopper: Shopper,
    conversation_id: int | None,
    text: str,
    language: str,
    origin: str = "",
    room_id: int | None = None,
) -> tuple[Conversation, SupportMessage]:
    """Store the shopper's message in their open conversation ``conversation_id`` (a closed
    or missing one starts a new conversation with ``shop``). The message's language is
    detected (falling back to the widget's ``language``), and the conversation answers in it.

    Locks the conversation row. Publishes ``support.message`` to the conversation and
    ``inbox.message`` / ``inbox.conversation`` to the shop's inbox.
    """
    detected = detect_language(text)
    with transaction.atomic():
        conversation: Conversation | None = None
        if conversation_id is not None:
            try:
                access_conversation_for_shopper(shopper, conversation_id)
            except ConversationNotFound:
                conversation = None
            else:
                conversation = _locked(conversation_id)
                if (
                    conversation.status == ConversationStatus.CLOSED
                    or conversation.shop_id != shop.pk
                ):
                    conversation = None
        if conversation is None:
            conversation = Conversation.objects.create(
                shop=shop,
                shopper=shopper.user,
                session_key="" if shopper.user else shopper.visitor,
                language=language,
                origin=origin[:300],
                room_id=room_id,
            )
            conversation = _locked(conversation.pk)
        message_language = detected or conversation.language or language
        message = SupportMessage.objects.create(
            conversation=conversation,
            sender_kind=SenderKind.SHOPPER,
            author=shopper.user,
            text=text,
            language=message_language,
        )
        conversation.language = message_language
        conversation.last_message_at = message.created_at
        conversation.save(update_fields=["language", "last_message_at"])
        _publish_message(conversation, message)
    return conversation, message


def conversation_csat_submit(
    *, shopper: Shopper, conversation_id: int, score: int, comment: str = ""
) -> Conversation:
    """Store the shopper's rating (1-5) of their conversation. Only after the shop asked
    (``csat_requested_at``); a second rating replaces the first. Publishes the inbox row."""
    if not 1 <= score <= 5:
        raise SupportError("Rate from 1 to 5.", "invalid_message")
    access_conversation_for_shopper(shopper, conversation_id)
    with transaction.atomic():
        conversation = _locked(conversation_id)
        if conversation.csat_requested_at is None:
            raise SupportError("The shop has not asked for a rating.", "csat_not_requested")
        conversation.csat_score = score
        conversation.csat_comment = comment[:2000]
        conversation.save(update_fields=["csat_score", "csat_comment"])
        _publish_row(conversation)
    return conversation


# Agent side --------------------------------------------------------------------------------
def conversation_agent_understood(*, conversation_id: int, helped: bool) -> int:
    """Count consecutive turns the agent could not help with (reset when it helps).
    Returns the new count."""
    conversations = Conversation.objects.filter(pk=conversation_id)
    if helped:
        conversations.update(agent_failures=0)
        return 0
    conversations.update(agent_failures=F("agent_failures") + 1)
    return int(conversations.values_list("agent_failures", flat=True).first() or 0)


def conversation_agent_reply_store(
    *,
    conversation_id: int,
    text: str,
    language: str,
    tool_calls: list[dict[str, Any]],
    interrupted: bool,
    reply: str = "",
) -> SupportMessage | None:
    """Store what the agent streamed (``interrupted``: the shopper's new message cut it).
    Nothing is stored for an empty reply. Publishes like any message, with the reply's stream
    id so widgets swap the streamed bubble for the stored message."""
    if not text.strip() and not tool_calls:
        return None
    with transaction.atomic():
        conversation = _locked(conversation_id)
        message = SupportMessage.objects.create(
            conversation=conversation,
            sender_kind=SenderKind.AGENT,
            text=text[:4000],
            language=language,
            tool_calls=tool_calls,
            interrupted=interrupted,
        )
        conversation.last_message_at = message.created_at
        conversation.save(update_fields=["last_message_at"])
        _publish_message(conversation, message, reply=reply or None)
    return message


def conversation_handoff(*, conversation_id: int, reason: str) -> Ticket:
    """Hand the conversation to the shop's humans: status ``waiting`` and one handoff ticket
    with the whole transcript. Idempotent: a second handoff returns the first ticket.

    Locks the conversation row (two handoffs of one conversation serialise here; the unique
    constraint on handoff tickets is the last guard). Publishes ``support.status`` to the
    shopper and the updated row (``handed_off``) to the shop's inbox.
    """
    with transaction.atomic():
        conversation = _locked(conversation_id)
        existing = Ticket.objects.filter(conversation=conversation, kind=TicketKind.HANDOFF).first()
        if existing is not None:
            return existing
        if conversation.status == ConversationStatus.AGENT:
            conversation.status = ConversationStatus.WAITING
        conversation.handed_off_at = timezone.now()
        conversation.save(update_fields=["status", "handed_off_at"])
        try:
            with transaction.atomic():
                ticket = Ticket.objects.create(
                    shop=conversation.shop,
                    conversation=conversation,
                    kind=TicketKind.HANDOFF,
                    reason=reason[:200],
                    transcript=conversation_transcript(conversation),
                )
        except IntegrityError:  # another process won the race before our lock
            return Ticket.objects.get(conversation=conversation, kind=TicketKind.HANDOFF)
        _publish_status(conversation)
    return ticket


# Staff side --------------------------------------------------------------------------------
def _check_assignee(conversation: Conversation, user: User) -> None:
    if user.is_superuser:
        return
    if not user.memberships.filter(shop=conversation.shop, role__in=INBOX_ROLES).exists():
        raise SupportError("Assign to the shop's support staff only.", "forbidden")


def conversation_assign(*, conversation: Conversation, actor: User, assignee: User) -> Conversation:
    """Give the conversation to ``assignee`` (``actor`` claiming it is assigning to self).
    The caller checked ``actor`` with ``access_conversation_for_staff``. The agent stops
    answering an assigned conversation. Publishes the status and the inbox row."""
    _check_assignee(conversation, assignee)
    with transaction.atomic():
        locked = _locked(conversation.pk)
        if locked.status == ConversationStatus.CLOSED:
            raise SupportError("The conversation is closed.", "conversation_closed")
        locked.assigned_to = assignee
        locked.status = ConversationStatus.ASSIGNED
        locked.save(update_fields=["assigned_to", "status"])
        _publish_status(locked)
    return locked


def conversation_claim(*, conversation: Conversation, actor: User) -> Conversation:
    return conversation_assign(conversation=conversation, actor=actor, assignee=actor)


def conversation_human_reply(
    *, conversation: Conversation, staff: User, text: str, language: str
) -> SupportMessage:
    """A staff reply written in ``language`` (the staff member's), translated into the
    conversation's language when the translation service can (else sent as written).
    An unassigned conversation becomes the replier's; the first human reply time is kept for
    the metrics. Publishes the message to the shopper (instantly) and to the inbox."""
    text = text.strip()
    if not text:
        raise SupportError("Write a reply.", "invalid_message")
    translated = translate(
        text, target=conversation.language, source=language, shop=conversation.shop
    )
    with transaction.atomic():
        locked = _locked(conversation.pk)
        if locked.status == ConversationStatus.CLOSED:
            raise SupportError("The conversation is closed.", "conversation_closed")
        message = SupportMessage.objects.create(
            conversation=locked,
            sender_kind=SenderKind.HUMAN,
            author=staff,
            text=text[:4000],
            language=language,
            translations={locked.language: translated} if translated else {},
        )
        fields = ["last_message_at"]
        locked.last_message_at = message.created_at
        if locked.first_human_reply_at is None:
            locked.first_human_reply_at = message.created_at
            fields.append("first_human_reply_at")
        if locked.assigned_to_id is None or locked.status in (
            ConversationStatus.AGENT,
            ConversationStatus.WAITING,
        ):
            locked.assigned_to = locked.assigned_to or staff
            locked.status = ConversationStatus.ASSIGNED
            fields += ["assigned_to", "status"]
        locked.save(update_fields=fields)
        if "status" in fields:
            _publish_status(locked)
        _publish_message(locked, message)
    return message


def conversation_close(
    *, conversation: Conversation, actor: User, resolution: str = Resolution.HUMAN
) -> Conversation:
    """Close with how it was resolved (``human`` or ``agent``); its tickets are done."""
    if resolution not in (Resolution.HUMAN, Resolution.AGENT):
        raise SupportError("Resolution is human or agent.", "invalid_message")
    with transaction.atomic():
        locked = _locked(conversation.pk)
        locked.status = ConversationStatus.CLOSED
        locked.closed_at = timezone.now()
        locked.resolution = resolution
        locked.save(update_fields=["status", "closed_at", "resolution"])
        Ticket.objects.filter(conversation=locked, kind=TicketKind.HANDOFF).update(
            status=TicketStatus.DONE
        )
        _publish_status(locked)
    return locked


def conversation_csat_request(*, conversation: Conversation, actor: User) -> Conversation:
    """Ask the shopper for a 1-5 rating (the widget shows stars). Publishes
    ``support.csat_request`` to the shopper."""
    with transaction.atomic():
        locked = _locked(conversation.pk)
        locked.csat_requested_at = timezone.now()
        locked.save(update_fields=["csat_requested_at"])
        events.to_conversation(
            locked.pk, {"type": "support.csat_request", "conversation_id": locked.pk}
        )
        _publish_row(locked)
    return locked
