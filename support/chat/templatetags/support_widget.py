"""``{% support_widget %}``: the support launcher and panel, for the shop of the current page
(product, shop listing and live room pages know it; other pages let the shopper pick)."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.context import Context
from django.utils.translation import gettext as _

register = template.Library()


def _page_shop(context: Context) -> tuple[str, str]:
    """(slug, name) of the shop the page is about, or ("", "")."""
    shop = context.get("support_shop") or context.get("shop")
    if shop is None:
        room = context.get("room")
        shop = getattr(room, "shop", None)
    if shop is not None and hasattr(shop, "slug"):
        return shop.slug, shop.name
    product = context.get("product")
    slug = getattr(product, "shop_slug", "") or ""
    if not slug:
        request = context.get("request")
        match = getattr(request, "resolver_match", None)
        slug = (match.kwargs.get("shop_slug", "") if match else "") or ""
    return slug, getattr(product, "shop_name", "") or ""


@register.inclusion_tag("support/widget.html", takes_context=True)
def support_widget(context: Context) -> dict[str, Any]:
    slug, name = _page_shop(context)
    room = context.get("room")
    request = context.get("request")
    return {
        "request": request,
        "shop_slug": slug,
        "shop_name": name,
        "room_slug": getattr(room, "slug", "") if room is not None else "",
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE", ""),
        "strings": widget_strings(),
    }


def widget_strings() -> dict[str, str]:
    """The widget script's texts, in the page's language."""
    return {
        "agent": _("AI assistant"),
        "human": _("Support"),
        "you": _("You"),
        "status_agent": _("AI assistant · a human can take over"),
        "status_waiting": _("Waiting for a colleague…"),
        "status_assigned": _("%(name)s is helping you"),
        "status_closed": _("This conversation is closed. Write to start a new one."),
        "interrupted": _("(stopped)"),
        "thanks": _("Thanks for your rating!"),
        "error": _("Something went wrong. Please try again."),
        "offline": _("Reconnecting…"),
        "conversation": _("Conversation of %(date)s"),
    }
