"""Support chat pages: the widget's config (which also gives an anonymous visitor a session,
so their conversation persists across pages), and the human inbox of a shop's support staff.
Inbox actions are form posts that call one service each; live updates come over
``/ws/support/inbox/``."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.accounts.models import User
from shop.shops.models import Shop
from support.chat.consumers import VISITOR_SESSION_KEY
from support.chat.models import Conversation, Resolution, SenderKind, Ticket, TicketKind
from support.chat.selectors import (
    ConversationNotFound,
    access_conversation_for_staff,
    canned_replies_for,
    inbox_colleagues,
    inbox_conversations,
    inbox_metrics,
    inbox_shop_ids,
    message_payload,
    shopper_label,
)
from support.chat.services import (
    SupportError,
    conversation_assign,
    conversation_claim,
    conversation_close,
    conversation_csat_request,
    conversation_human_reply,
    message_translate,
)


@require_GET
def widget_config(request: HttpRequest) -> JsonResponse:
    """Shops a shopper can ask (for the picker on pages of no particular shop). Puts a
    visitor id in the session: the socket cannot write sessions, and the anonymous
    conversation is found by it (and attached to the account on sign-in)."""
    if not request.session.get(VISITOR_SESSION_KEY):
        request.session[VISITOR_SESSION_KEY] = uuid.uuid4().hex
    shops = Shop.objects.filter(is_active=True).order_by("name").values("slug", "name")
    return JsonResponse({"shops": list(shops), "signed_in": request.user.is_authenticated})


def _staff_language(request: HttpRequest) -> str:
    user = request.user
    return getattr(user, "preferred_language", "") or get_language() or "en"


def _shop_ids(request: HttpRequest) -> set[int]:
    """Raises ``PermissionDenied`` (a 403) for anyone but support staff and owners."""
    return inbox_shop_ids(request.user)  # type: ignore[arg-type]


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    shop_ids = _shop_ids(request)
    status = request.GET.get("status", "")
    if status not in ("", "agent", "waiting", "assigned"):
        status = ""
    return render(
        request,
        "support/inbox.html",
        {
            "conversations": inbox_conversations(shop_ids, status=status),
            "metrics": inbox_metrics(shop_ids),
            "shops": Shop.objects.filter(pk__in=shop_ids).order_by("name"),
            "status": status,
            "staff_language": _staff_language(request),
            "hide_support_widget": True,
        },
    )


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    try:
        return access_conversation_for_staff(request.user, conversation_id)  # type: ignore[arg-type]
    except ConversationNotFound:
        raise Http404("No such conversation.") from None


@login_required
@require_GET
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    language = _staff_language(request)
    transcript = []
    for message in conversation.messages.select_related("author", "conversation__shop"):
        if message.sender_kind != SenderKind.HUMAN:
            message = message_translate(message=message, language=language)
        transcript.append(message_payload(message, language))
    ticket = Ticket.objects.filter(conversation=conversation, kind=TicketKind.HANDOFF).first()
    return render(
        request,
        "support/conversation.html",
        {
            "conversation": conversation,
            "shopper": shopper_label(conversation),
            "transcript": transcript,
            "ticket": ticket,
            "canned": canned_replies_for(conversation),
            "colleagues": inbox_colleagues(conversation),
            "staff_language": language,
            "hide_support_widget": True,
        },
    )


def _act(request: HttpRequest, conversation_id: int, action: str) -> HttpResponse:
    conversation = _conversation(request, conversation_id)
    staff: User = request.user  # type: ignore[assignment]
    try:
        if action == "claim":
            conversation_claim(conversation=conversation, actor=staff)
        elif action == "assign":
            assignee_id = request.POST.get("assignee", "")
            if not (assignee_id.isascii() and assignee_id.isdigit() and len(assignee_id) < 10):
                raise SupportError(_("Choose a colleague to assign."), "invalid_message")
            assignee = get_object_or_404(User, pk=int(assignee_id))
            conversation_assign(conversation=conversation, actor=staff, assignee=assignee)
        elif action == "reply":
            conversation_human_reply(
                conversation=conversation,
                staff=staff,
                text=request.POST.get("text", "")[:4000],
                language=_staff_language(request),
            )
        elif action == "close":
            conversation_close(
                conversation=conversation,
                actor=staff,
                resolution=request.POST.get("resolution", Resolution.HUMAN),
            )
        elif action == "csat":
            conversation_csat_request(conversation=conversation, actor=staff)
    except SupportError as refused:
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse({"error": refused.code, "message": str(refused)}, status=400)
        messages.error(request, str(refused))
    else:
        if request.headers.get("accept", "").startswith("application/json"):
            return JsonResponse({"ok": True})
        if action == "csat":
            messages.success(request, _("Rating requested."))
    return redirect("support:conversation", conversation_id=conversation.pk)


@login_required
@require_POST
def conversation_action(request: HttpRequest, conversation_id: int, action: str) -> HttpResponse:
    if action not in ("claim", "assign", "reply", "close", "csat"):
        raise Http404("No such action.")
    return _act(request, conversation_id, action)
