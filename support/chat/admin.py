"""Merchant admin for the support chat (shop-scoped): canned replies are edited here; tickets
and conversations are looked up here and worked on in the inbox (/support/inbox/)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from shop.shops.admin import ShopScopedAdmin, ShopScopedReadOnlyAdmin
from support.chat.models import CannedReply, Conversation, Ticket


@admin.register(CannedReply)
class CannedReplyAdmin(ShopScopedAdmin):
    list_display = ["title", "shop", "languages"]
    search_fields = ["title"]

    @admin.display(description="languages")
    def languages(self, obj: CannedReply) -> str:
        return ", ".join(sorted(obj.texts or {}))


class _ReadOnly(ShopScopedReadOnlyAdmin):
    allow_delete = True


@admin.register(Conversation)
class ConversationAdmin(_ReadOnly):
    list_display = ["__str__", "shop", "shopper", "language", "status", "csat_score", "inbox"]
    list_filter = ["status", "resolution", "language"]
    date_hierarchy = "created_at"

    @admin.display(description="inbox")
    def inbox(self, obj: Conversation) -> str:
        return format_html('<a href="{}">open</a>', reverse("support:conversation", args=[obj.pk]))


@admin.register(Ticket)
class TicketAdmin(_ReadOnly):
    list_display = ["__str__", "shop", "kind", "status", "reason", "order", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = ["transcript"]
