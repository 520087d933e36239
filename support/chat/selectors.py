"""Reads of support conversations, and the checks that scope them: a shopper sees only their
own conversations (by account, or by the anonymous visitor id kept in their session); staff
see only the conversations of shops where they hold the support or owner role."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from shop.accounts.models import User
from shop.shops.models import Role, Shop
from shop.shops.selectors import shop_ids_for_user
from support.agent.interface import AgentContext, Turn
from support.chat.models import (
    CannedReply,
    Conversation,
    ConversationStatus,
    Resolution,
    SenderKind,
    SupportMessage,
)

INBOX_ROLES = {Role.SUPPORT.value, Role.OWNER.value}


class ConversationNotFound(Exception):
    """No such conversation, or not the reader's: the two are indistinguishable on purpose."""


@dataclass(frozen=True)
class Shopper:
    """Who is chatting: a signed-in user, or an anonymous visitor id from the session."""

    user: User | None
    visitor: str = ""

    @classmethod
    def of(cls, user: User | AnonymousUser | None, visitor: str = "") -> Shopper:
        signed_in = user is not None and user.is_authenticated
        return cls(user=user if signed_in else None, visitor=visitor)  # type: ignore[arg-type]


def conversations_of(shopper: Shopper) -> QuerySet[Conversation]:
    if shopper.user is not None:
        return Conversation.objects.filter(shopper=shopper.user)
    if shopper.visitor:
        return Conversation.objects.filter(shopper__isnull=True, session_key=shopper.visitor)
    return Conversation.objects.none()


def access_conversation_for_shopper(shopper: Shopper, conversation_id: int) -> Conversation:
    """The shopper's own conversation ``conversation_id``, else ``ConversationNotFound``."""
    conversation = (
        conversations_of(shopper).select_related("shop").filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def conversation_current(shopper: Shopper, shop: Shop) -> Conversation | None:
    """The shopper's open conversation with ``shop`` (the newest), else a closed one still
    waiting for the rating the shop asked for (closed within a week), if any."""
    mine = conversations_of(shopper).filter(shop=shop).select_related("shop", "assigned_to")
    current = mine.exclude(status=ConversationStatus.CLOSED).order_by("-created_at", "-id").first()
    if current is not None:
        return current
    return (
        mine.filter(
            status=ConversationStatus.CLOSED,
            csat_requested_at__isnull=False,
            csat_score__isnull=True,
            closed_at__gte=timezone.now() - dt.timedelta(days=7),
        )
        .order_by("-closed_at", "-id")
        .first()
    )


def conversation_history(shopper: Shopper, shop: Shop, limit: int = 20) -> list[dict[str, Any]]:
    """The shopper's conversations with ``shop``, newest first, with a preview line."""
    items = []
    for conversation in conversations_of(shopper).filter(shop=shop).order_by("-created_at")[:limit]:
        first = conversation.messages.filter(sender_kind=SenderKind.SHOPPER).first()
        items.append(
            {
                "id": conversation.pk,
                "status": conversation.status,
                "preview": (first.text[:80] if first else ""),
                "created_at": conversation.created_at.isoformat(),
            }
        )
    return items


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email.split("@")[0] or user.username


def message_payload(message: SupportMessage, reader_language: str | None = None) -> dict[str, Any]:
    """A message as the protocol's ``MessageOut``; ``text`` in the reader's language when a
    translation into it exists."""
    text = message.text
    if reader_language and reader_language != message.language:
        text = message.translations.get(reader_language) or message.text
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": message.sender_kind,
        "author": display_name(message.author) if message.sender_kind == SenderKind.HUMAN else "",
        "text": text,
        "original": message.text,
        "language": message.language,
        "interrupted": message.interrupted,
        "tools": [str(call.get("tool", "")) for call in message.tool_calls],
        "created_at": message.created_at.isoformat(),
    }


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "shop": conversation.shop.slug,
        "status": conversation.status,
        "language": conversation.language,
        "assigned_to": display_name(conversation.assigned_to),
        "csat_requested": conversation.csat_requested_at is not None,
        "csat_score": conversation.csat_score,
        "created_at": conversation.created_at.isoformat(),
    }


def conversation_messages(conversation: Conversation) -> list[dict[str, Any]]:
    """The transcript for the shopper's widget, in the conversation's language."""
    messages = conversation.messages.select_related("author")
    return [message_payload(message, conversation.language) for message in messages]


def conversation_transcript(conversation: Conversation) -> str:
    """The whole conversation as plain text (for the handoff ticket)."""
    names = {
        SenderKind.SHOPPER: "Shopper",
        SenderKind.AGENT: "AI agent",
        SenderKind.HUMAN: "Support",
        SenderKind.SYSTEM: "System",
    }
    lines = []
    for message in conversation.messages.all():
        stamp = message.created_at.strftime("%Y-%m-%d %H:%M UTC")
        cut = " [interrupted]" if message.interrupted else ""
        lines.append(f"[{stamp}] {names.get(message.sender_kind, '?')}: {message.text}{cut}")
    return "\n".join(lines)


def agent_context(conversation: Conversation, *, language: str, currency: str) -> AgentContext:
    """What the agent knows for its next turn: earlier turns, oldest first (the newest
    shopper message is passed separately), and its consecutive failures."""
    turns = [
        Turn(role=message.sender_kind, text=message.text) for message in conversation.messages.all()
    ]
    return AgentContext(
        shop=conversation.shop,
        shopper=conversation.shopper,
        language=language,
        currency=currency,
        conversation_id=conversation.pk,
        history=turns[:-1],
        failures=conversation.agent_failures,
    )


# Staff -------------------------------------------------------------------------------------
def inbox_shop_ids(user: User | AnonymousUser) -> set[int]:
    """Shops whose support inbox ``user`` may work in; raises ``PermissionDenied`` if none."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in as shop support staff.")
    if user.is_superuser:
        return set(Shop.objects.filter(is_active=True).values_list("pk", flat=True))
    shop_ids = shop_ids_for_user(user, roles=INBOX_ROLES)
    if not shop_ids:
        raise PermissionDenied("Only a shop's support staff and owners use its inbox.")
    return shop_ids


def access_conversation_for_staff(user: User | AnonymousUser, conversation_id: int) -> Conversation:
    """The conversation if it belongs to a shop whose inbox ``user`` works in; a conversation
    of another shop is ``ConversationNotFound`` (its existence is not revealed)."""
    shop_ids = inbox_shop_ids(user)
    conversation = (
        Conversation.objects.select_related("shop", "assigned_to", "shopper")
        .filter(pk=conversation_id, shop_id__in=shop_ids)
        .first()
    )
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    return conversation


def shopper_label(conversation: Conversation) -> str:
    if conversation.shopper is not None:
        return display_name(conversation.shopper)
    return f"Visitor {conversation.session_key[:6]}"


def inbox_row(conversation: Conversation) -> dict[str, Any]:
    """One line of the inbox list (the ``inbox.conversation`` event's ``conversation``)."""
    if hasattr(conversation, "last_text"):  # annotated by inbox_conversations (no N+1)
        last_text, last_sender = conversation.last_text or "", conversation.last_sender or ""
    else:
        last = conversation.messages.order_by("-created_at", "-id").first()
        last_text, last_sender = (last.text, last.sender_kind) if last else ("", "")
    return {
        **conversation_payload(conversation),
        "shop_name": conversation.shop.name,
        "shopper": shopper_label(conversation),
        "preview": last_text[:120],
        "last_sender": last_sender,
        "last_message_at": (
            conversation.last_message_at.isoformat() if conversation.last_message_at else ""
        ),
        "handed_off": conversation.handed_off_at is not None,
    }


def inbox_conversations(shop_ids: set[int], *, status: str = "") -> list[dict[str, Any]]:
    """Open conversations of the shops, those waiting for a human first."""
    latest = SupportMessage.objects.filter(conversation=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    conversations = (
        Conversation.objects.filter(shop_id__in=shop_ids)
        .exclude(status=ConversationStatus.CLOSED)
        .select_related("shop", "assigned_to", "shopper")
        .annotate(
            last_text=Subquery(latest.values("text")[:1]),
            last_sender=Subquery(latest.values("sender_kind")[:1]),
        )
    )
    if status:
        conversations = conversations.filter(status=status)
    rows = [inbox_row(conversation) for conversation in conversations[:200]]
    waiting = sorted(
        (row for row in rows if row["status"] == "waiting"), key=lambda row: row["last_message_at"]
    )
    others = sorted(
        (row for row in rows if row["status"] != "waiting"),
        key=lambda row: row["last_message_at"],
        reverse=True,
    )
    return waiting + others


def inbox_colleagues(conversation: Conversation) -> list[User]:
    """Who a conversation can be assigned to: the shop's support staff and owners."""
    return list(
        User.objects.filter(
            memberships__shop=conversation.shop, memberships__role__in=INBOX_ROLES
        ).order_by("email")
    )


def canned_replies_for(conversation: Conversation) -> list[dict[str, str]]:
    """The shop's canned replies in the conversation's language (else English, else any)."""
    replies = []
    for canned in CannedReply.objects.filter(shop=conversation.shop):
        texts = canned.texts or {}
        text = texts.get(conversation.language) or texts.get("en") or next(iter(texts.values()), "")
        if text:
            replies.append({"id": str(canned.pk), "title": canned.title, "text": text})
    return replies


def inbox_metrics(shop_ids: set[int]) -> dict[str, Any]:
    """First response time (median seconds from handoff to the first human reply), how closed
    conversations were resolved, and the CSAT average."""
    conversations = Conversation.objects.filter(shop_id__in=shop_ids)
    waits = [
        (replied - handed).total_seconds()
        for handed, replied in conversations.filter(
            handed_off_at__isnull=False, first_human_reply_at__isnull=False
        ).values_list("handed_off_at", "first_human_reply_at")
    ]
    counts = conversations.filter(status=ConversationStatus.CLOSED).aggregate(
        agent=Count("pk", filter=Q(resolution=Resolution.AGENT)),
        human=Count("pk", filter=Q(resolution=Resolution.HUMAN)),
    )
    csat = conversations.filter(csat_score__isnull=False).aggregate(
        average=Avg("csat_score"), count=Count("pk")
    )
    open_counts = conversations.exclude(status=ConversationStatus.CLOSED).aggregate(
        waiting=Count("pk", filter=Q(status=ConversationStatus.WAITING)),
        open=Count("pk"),
    )
    resolved = counts["agent"] + counts["human"]
    return {
        "first_response_median_seconds": statistics.median(waits) if waits else None,
        "first_responses": len(waits),
        "resolved_by_agent": counts["agent"],
        "resolved_by_human": counts["human"],
        "agent_resolution_rate": (counts["agent"] / resolved) if resolved else None,
        "csat_average": round(float(csat["average"]), 2) if csat["average"] is not None else None,
        "csat_count": csat["count"],
        "waiting": open_counts["waiting"],
        "open": open_counts["open"],
    }
