"""Room pages: the live listing, the room, "remind me", and the host console."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liverooms.giveaways.services import GiveawayError
from liverooms.giveaways.views import giveaway_action
from liverooms.media.pk import (
    PK_DEFAULT_SECONDS,
    PkError,
    pk_accept,
    pk_cancel,
    pk_candidates,
    pk_decline,
    pk_end,
    pk_invite,
)
from liverooms.media.selectors import user_identity
from liverooms.media.services import MediaError, cohost_decide, cohost_remove, room_media_close
from liverooms.quizzes.services import quiz_action
from liverooms.realtime.events import viewer_counts
from liverooms.rooms.deals import DealError, deal_active, flash_deal_end, flash_deal_start
from liverooms.rooms.models import ChatMessage, LiveRoom, SanctionKind
from liverooms.rooms.selectors import (
    access_room_moderation,
    can_moderate,
    room_sales,
    rooms_live,
    rooms_upcoming,
)
from liverooms.rooms.services import (
    RoomError,
    chat_delete,
    room_end,
    room_pin_message,
    room_pin_product,
    room_remind_me,
    room_sanction,
    room_set_slow_mode,
    room_start,
)
from shop.accounts.models import User
from shop.catalog.selectors import (
    ProductFilters,
    product_queryset,
    product_views,
    with_display_data,
)
from shop.orders.address import country_choices
from shop.payments.gateways import get_gateway


def live_list(request: HttpRequest) -> HttpResponse:
    return render(request, "rooms/list.html", rooms_context())


def live_cards(request: HttpRequest) -> HttpResponse:
    """The live-now and upcoming sections alone: /live/ and the home page poll this to stay
    current (a room going live, viewer counts, a show that ended) without a reload."""
    try:
        limit = min(max(int(request.GET.get("limit", 24)), 1), 24)
    except ValueError:
        limit = 24
    response = render(request, "rooms/includes/cards.html", rooms_context(limit))
    response["Cache-Control"] = "no-store"
    return response


def rooms_context(limit: int = 24) -> dict[str, object]:
    """Live rooms with their viewer counts, and upcoming rooms (also used by the home page)."""
    live = list(rooms_live()[:limit])
    counts = viewer_counts([room.pk for room in live])
    for room in live:
        room.viewers = counts.get(room.pk, 0)  # type: ignore[attr-defined]
    return {
        "live": live,
        "upcoming": list(rooms_upcoming()[:limit]),
        "rooms_limit": limit,
        "rooms_refresh_ms": settings.ROOM_LIST_REFRESH_SECONDS * 1000,
    }


def room_detail(request: HttpRequest, slug: str) -> HttpResponse:
    room = get_object_or_404(
        LiveRoom.objects.select_related("shop"), slug=slug, shop__is_active=True
    )
    context = {
        "room": room,
        "can_moderate": can_moderate(request.user, room),
        "countries": country_choices(get_language() or "en"),
        # A Stripe shop collects the card in the drawer with Stripe.js (no page change).
        "stripe": get_gateway(
            room.shop.payment_gateway or settings.PAYMENT_GATEWAY
        ).confirms_in_browser,
        "stripe_js": settings.STRIPE_JS_URL,
        "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
        "ice_servers_json": json.dumps(settings.RTC_ICE_SERVERS),
    }
    return render(request, "rooms/room.html", context)


class RemindForm(forms.Form):
    email = forms.EmailField()


@require_POST
def room_remind(request: HttpRequest, slug: str) -> HttpResponse:
    room = get_object_or_404(LiveRoom, slug=slug)
    form = RemindForm({"email": request.POST.get("email") or getattr(request.user, "email", "")})
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address."))
    else:
        try:
            room_remind_me(
                room=room,
                email=form.cleaned_data["email"],
                language=get_language() or "en",
                user=request.user if request.user.is_authenticated else None,
            )  # type: ignore[arg-type]
            messages.success(
                request, _("We will e-mail you when %(title)s starts.") % {"title": room.title}
            )
        except RoomError as refused:
            messages.error(request, str(refused))
    return redirect("rooms:list")


def host_console(request: HttpRequest, slug: str) -> HttpResponse:
    room = get_object_or_404(LiveRoom.objects.select_related("shop"), slug=slug)
    try:
        access_room_moderation(request.user, room)
    except PermissionDenied:
        if not request.user.is_authenticated:
            return redirect(f"/{get_language()}/accounts/login/?next={request.path}")
        raise
    products = product_views(
        list(with_display_data(product_queryset(ProductFilters(shop_slug=room.shop.slug)))[:60]),
        language=get_language() or "en",
        currency=room.shop.default_currency,
    )
    return render(
        request,
        "rooms/host.html",
        {
            "room": room,
            "products": products,
            "ice_servers_json": json.dumps(settings.RTC_ICE_SERVERS),
            "identity": user_identity(request.user),  # type: ignore[arg-type]
        },
    )


class HostActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            (a, a)
            for a in (
                "start",
                "end",
                "slow_mode",
                "delete_message",
                "mute",
                "ban",
                "pin",
                "unpin",
                "deal_start",
                "deal_end",
                "pin_message",
                "unpin_message",
                "cohost_accept",
                "cohost_decline",
                "cohost_remove",
                "pk_invite",
                "pk_accept",
                "pk_decline",
                "pk_cancel",
                "pk_end",
                "giveaway_open",
                "giveaway_close",
                "giveaway_draw",
                "coupon_drop",
                "coupon_stop",
                "quiz_start",
                "quiz_launch",
                "quiz_reveal",
                "quiz_end",
            )
        ]
    )
    product_id = forms.IntegerField(required=False, min_value=1)
    price = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=14, decimal_places=4
    )
    quantity = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    per_buyer_limit = forms.IntegerField(required=False, min_value=1, max_value=99)
    message_id = forms.IntegerField(required=False, min_value=1)
    seconds = forms.IntegerField(required=False, min_value=0, max_value=3600)
    minutes = forms.IntegerField(required=False, min_value=1, max_value=7 * 24 * 60)
    user_id = forms.IntegerField(required=False, min_value=1)
    target_room = forms.SlugField(required=False, max_length=50)  # pk_invite: the room's slug
    # giveaway_open (quantity: winners) and coupon_drop (quantity: codes, per_buyer_limit)
    prize = forms.CharField(required=False, max_length=200)
    keyword = forms.CharField(required=False, max_length=40)
    countries = forms.CharField(required=False, max_length=400)  # ISO codes, comma-separated
    requires_purchase = forms.BooleanField(required=False)
    giveaway_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    voucher_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    quiz_set = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)  # quiz_start


@require_POST
def host_action(request: HttpRequest, slug: str) -> HttpResponse:
    """Console actions (fetch or form post). Answers JSON: {"ok": true} or an error."""
    room = get_object_or_404(LiveRoom.objects.select_related("shop"), slug=slug)
    access_room_moderation(request.user, room)
    form = HostActionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "code": "invalid", "errors": form.errors}, status=400)
    data, actor = form.cleaned_data, request.user
    try:
        if data["action"] == "start":
            room_start(room=room, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "end":
            room_end(room=room, actor=actor)  # type: ignore[arg-type]
            room_media_close(room)  # the relay closes every peer and finishes the recording
        elif data["action"] in ("cohost_accept", "cohost_decline") and data["user_id"]:
            cohost_decide(
                room=room,
                user_id=data["user_id"],
                accept=data["action"] == "cohost_accept",
                actor=actor,  # type: ignore[arg-type]
            )
        elif data["action"].startswith("quiz_"):
            quiz_action(room=room, action=data["action"], data=data, actor=actor)  # type: ignore[arg-type]
        elif data["action"].startswith(("giveaway_", "coupon_")):
            giveaway_action(room=room, action=data["action"], data=data, actor=actor)  # type: ignore[arg-type]
        elif data["action"].startswith("pk_"):
            pk_action(room=room, action=data["action"], data=data, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "cohost_remove" and data["user_id"]:
            cohost_remove(room=room, user_id=data["user_id"], actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "pin" and data["product_id"]:
            room_pin_product(room=room, product_id=data["product_id"], actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "deal_start" and data["price"] and data["quantity"]:
            flash_deal_start(
                room=room,
                price=data["price"],
                currency=room.shop.default_currency,
                quantity=data["quantity"],
                per_buyer_limit=data["per_buyer_limit"] or 1,
                minutes=data["minutes"] or 5,
                actor=actor,  # type: ignore[arg-type]
            )
        elif data["action"] == "pin_message" and data["message_id"]:
            room_pin_message(room=room, message_id=data["message_id"], actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "unpin_message":
            room_pin_message(room=room, message_id=None, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "deal_end":
            deal = deal_active(room)
            if deal is not None:
                flash_deal_end(deal_id=deal.pk, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "unpin":
            room_pin_product(room=room, product_id=None, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "slow_mode":
            room_set_slow_mode(room=room, seconds=data["seconds"] or 0, actor=actor)  # type: ignore[arg-type]
        elif data["action"] == "delete_message" and data["message_id"]:
            chat_delete(room=room, message_id=data["message_id"], actor=actor)  # type: ignore[arg-type]
        elif data["action"] in ("mute", "ban") and data["message_id"]:
            # Moderators act on a chat line; the author's account is looked up here, so
            # viewers never see account ids.
            message = get_object_or_404(
                ChatMessage, pk=data["message_id"], room=room, user__isnull=False
            )
            room_sanction(
                room=room,
                user=message.user,
                kind=SanctionKind(data["action"]),
                actor=actor,
                minutes=data["minutes"],
            )  # type: ignore[arg-type]
        else:
            return JsonResponse(
                {"ok": False, "code": "invalid", "errors": {"__all__": ["missing target"]}},
                status=400,
            )
    except (GiveawayError, RoomError, DealError, MediaError) as refused:
        return JsonResponse(
            {"ok": False, "code": refused.code, "message": str(refused)}, status=409
        )
    return JsonResponse({"ok": True})


def pk_action(*, room: LiveRoom, action: str, data: dict[str, Any], actor: User) -> None:
    """The PK part of the console: invite a live room, answer an invitation, cancel it, end
    the battle (each service checks the actor runs the right side)."""
    if action == "pk_invite":
        if not data["target_room"]:
            raise PkError(_("Choose a live room to invite."), "pk_room_not_found")
        pk_invite(
            room=room,
            target_slug=data["target_room"],
            duration_seconds=data["seconds"] or PK_DEFAULT_SECONDS,
            actor=actor,
        )
    else:
        answer = {"pk_accept": pk_accept, "pk_decline": pk_decline, "pk_cancel": pk_cancel}
        answer.get(action, pk_end)(room=room, actor=actor)


def host_pk_rooms(request: HttpRequest, slug: str) -> HttpResponse:
    """Live rooms this room's host could invite to a PK (for the console's picker)."""
    room = get_object_or_404(LiveRoom.objects.select_related("shop"), slug=slug)
    access_room_moderation(request.user, room)
    return JsonResponse({"rooms": pk_candidates(room)})


def host_stats(request: HttpRequest, slug: str) -> HttpResponse:
    """Sales from this room so far, for the host console (merchant-only figures, so they are
    polled here instead of broadcast to viewers)."""
    room = get_object_or_404(LiveRoom.objects.select_related("shop"), slug=slug)
    access_room_moderation(request.user, room)
    from liverooms.gifts.selectors import gift_revenue

    return JsonResponse({**room_sales(room), "gifts": gift_revenue(room)})
