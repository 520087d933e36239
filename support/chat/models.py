"""Support conversations between a shopper and a shop: the AI agent answers first, humans
take over on handoff. Messages keep their language and translations; tickets carry handoffs
and return requests to the shop's support inbox.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Shop


class ConversationStatus(models.TextChoices):
    AGENT = "agent", _("With the AI agent")
    WAITING = "waiting", _("Waiting for a human")
    ASSIGNED = "assigned", _("With a human")
    CLOSED = "closed", _("Closed")


class Resolution(models.TextChoices):
    NONE = "", _("Unresolved")
    AGENT = "agent", _("Resolved by the AI agent")
    HUMAN = "human", _("Resolved by a human")


class Conversation(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="conversations")
    # A signed-in shopper, or an anonymous visitor known by their session.
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="support_conversations",
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConversationStatus.choices,
        default=ConversationStatus.AGENT,
        db_index=True,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
        verbose_name=_("assigned to"),
    )
    # Where the shopper opened the widget (a page path, or a live room).
    origin = models.CharField(_("started on"), max_length=300, blank=True)
    room = models.ForeignKey(
        "rooms.LiveRoom", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent_failures = models.PositiveSmallIntegerField(default=0)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    first_human_reply_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=Resolution.choices, default="", blank=True
    )
    csat_requested_at = models.DateTimeField(null=True, blank=True)
    csat_score = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    csat_comment = models.TextField(_("satisfaction comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_message_at", "-id"]
        indexes = [models.Index(fields=["shop", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(csat_score__isnull=True)
                | models.Q(csat_score__gte=1, csat_score__lte=5),
                name="csat_score_1_to_5",
            )
        ]
        verbose_name = _("support conversation")
        verbose_name_plural = _("support conversations")

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.get_status_display()})"


class SenderKind(models.TextChoices):
    SHOPPER = "shopper", _("Shopper")
    AGENT = "agent", _("AI agent")
    HUMAN = "human", _("Support staff")
    SYSTEM = "system", _("System")


class SupportMessage(models.Model):
    shop_scope_path = "conversation__shop"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender_kind = models.CharField(max_length=10, choices=SenderKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(max_length=4000)
    # The language the text is written in (detected for shoppers), and machine/memory
    # translations of it per language code.
    language = models.CharField(max_length=10, blank=True)
    translations = models.JSONField(default=dict, blank=True)
    # For agent replies: the tool calls made ({"tool", "arguments", "ok"}), for audits and evals.
    tool_calls = models.JSONField(default=list, blank=True)
    # The reply stopped early because the shopper wrote again (the text is what was streamed).
    interrupted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("support message")
        verbose_name_plural = _("support messages")

    def __str__(self) -> str:
        return f"{self.sender_kind}: {self.text[:60]}"


class TicketKind(models.TextChoices):
    HANDOFF = "handoff", _("Handoff to a human")
    RETURN = "return", _("Return or refund request")


class TicketStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Ticket(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="support_tickets")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, null=True, blank=True, related_name="tickets"
    )
    kind = models.CharField(max_length=10, choices=TicketKind.choices)
    status = models.CharField(
        max_length=10, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    # The whole conversation as text at the time of the handoff.
    transcript = models.TextField(_("transcript"), blank=True)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One handoff ticket per conversation, however many times handoff is triggered.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=models.Q(kind="handoff"),
                name="one_handoff_ticket_per_conversation",
            )
        ]
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class CannedReply(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="canned_replies")
    title = models.CharField(_("title"), max_length=80)
    # Per language code, e.g. {"en": "...", "es": "..."}; the inbox picks the conversation's.
    texts = models.JSONField(_("texts"), default=dict)

    class Meta:
        ordering = ["title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self) -> str:
        return self.title
