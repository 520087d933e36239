"""Replay pages for shoppers: the replays index, the shoppable replay page (player, product
timeline, chat replay, the in-room checkout drawer with the replay as the order's source) and
the small analytics endpoints the player reports to (views, watch time, product clicks).

Analytics are bounded per session: a view counts once per session and replay; watch time is
accepted only up to the wall-clock time since the session's previous report (a tab left open,
a replayed request or a forged number cannot add more time than really passed); product clicks
count at most ``MAX_CLICKS_PER_SESSION`` per replay and session.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from liverooms.replays.models import Replay
from liverooms.replays.selectors import (
    access_replay,
    can_manage_replay,
    published_replays,
    replay_chat,
)
from liverooms.replays.services import (
    ReplayError,
    replay_record_product_click,
    replay_record_view,
    replay_record_watch,
)
from liverooms.rooms.buy import drawer_buy, drawer_check, drawer_quote
from liverooms.rooms.cards import product_card
from shop.orders.address import country_choices
from shop.orders.models import Order, SourceType
from shop.payments.gateways import get_gateway

SESSION_KEY = "replay_analytics"
HEARTBEAT_SECONDS = 15  # the player reports this often while playing
MAX_WATCH_PER_REPORT = 60  # seconds; a report never adds more than this
WATCH_SLACK_SECONDS = 5  # timer jitter between reports
MAX_CLICKS_PER_SESSION = 20
MAX_CHAT_MESSAGES = 2000  # chat replay shipped with the page
INDEX_LIMIT = 48


def replay_trim(replay: Replay) -> tuple[float, float]:
    """The playable range (seconds on the file's clock) after the merchant's trim."""
    duration = replay.duration or 0.0
    start = min(max(replay.trim_start or 0.0, 0.0), duration)
    end = replay.trim_end if replay.trim_end is not None else duration
    end = min(max(end, start), duration) if duration else end
    return start, end


def replay_timeline(replay: Replay) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Pin/unpin chapters (markers, and which card shows when) and the product cards they
    name, keyed by product id. Deal chapters are left out: a flash deal's price belonged to
    the live show and is not sold from the replay."""
    chapters = [
        {
            "offset": float(chapter["offset"]),
            "kind": chapter["kind"],
            "product": chapter["product_id"],
        }
        for chapter in replay.chapters
        if chapter.get("kind") in ("pin", "unpin") and chapter.get("product_id")
    ]
    cards: dict[str, Any] = {}
    for product_id in {chapter["product"] for chapter in chapters}:
        card = product_card(product_id)
        if card is not None and card["shop"] == replay.shop.slug:
            cards[str(product_id)] = card
    chapters = [chapter for chapter in chapters if str(chapter["product"]) in cards]
    return sorted(chapters, key=lambda chapter: chapter["offset"]), cards


def replay_index(request: HttpRequest) -> HttpResponse:
    replays = list(published_replays()[:INDEX_LIMIT])
    return render(request, "replays/index.html", {"replays": replays})


def replay_detail(request: HttpRequest, slug: str) -> HttpResponse:
    replay = access_replay(request.user, slug=slug)
    chapters, cards = replay_timeline(replay)
    trim_start, trim_end = replay_trim(replay)
    chat = replay_chat(replay, get_language() or "")[:MAX_CHAT_MESSAGES]
    context = {
        "replay": replay,
        "preview": not replay.is_published,
        "can_manage": can_manage_replay(request.user, replay),
        "trim_start": trim_start,
        "trim_end": trim_end,
        "timeline": {"chapters": chapters, "cards": cards},
        "chat": chat,
        "heartbeat_seconds": HEARTBEAT_SECONDS,
        "countries": country_choices(get_language() or "en"),
        "stripe": get_gateway(
            replay.shop.payment_gateway or settings.PAYMENT_GATEWAY
        ).confirms_in_browser,
        "stripe_js": settings.STRIPE_JS_URL,
        "stripe_key": settings.STRIPE_PUBLISHABLE_KEY,
    }
    return render(request, "replays/replay.html", context)


# Analytics ----------------------------------------------------------------------------------


class WatchForm(forms.Form):
    seconds = forms.FloatField(min_value=0, max_value=MAX_WATCH_PER_REPORT)


class ClickForm(forms.Form):
    product = forms.IntegerField(min_value=1)


def _session_state(request: HttpRequest, replay: Replay) -> dict[str, Any]:
    """This session's analytics for ``replay`` (marked modified by the caller when changed)."""
    states: dict[str, Any] = request.session.setdefault(SESSION_KEY, {})
    return states.setdefault(str(replay.pk), {"viewed": False, "last_beat": None, "clicks": 0})


def _save(request: HttpRequest) -> None:
    request.session.modified = True


NOT_COUNTED = {"ok": True, "counted": False}


@require_POST
def replay_view_report(request: HttpRequest, slug: str) -> JsonResponse:
    """The page started playing: one view per session and replay."""
    replay = access_replay(request.user, slug=slug)
    if not replay.is_published:  # the shop's staff previewing: not an audience
        return JsonResponse(NOT_COUNTED)
    state = _session_state(request, replay)
    if state["viewed"]:
        return JsonResponse(NOT_COUNTED)
    state["viewed"] = True
    state["last_beat"] = time.time()
    _save(request)
    replay_record_view(replay=replay)
    return JsonResponse({"ok": True, "counted": True})


@require_POST
def replay_watch_report(request: HttpRequest, slug: str) -> JsonResponse:
    """Seconds actually played since the last report (the player counts only while playing);
    accepted up to the wall-clock time since the session's previous report."""
    replay = access_replay(request.user, slug=slug)
    if not replay.is_published:  # the shop's staff previewing: not an audience
        return JsonResponse(NOT_COUNTED)
    form = WatchForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors}, status=400)
    state = _session_state(request, replay)
    now = time.time()
    last = state["last_beat"]
    allowed = MAX_WATCH_PER_REPORT if last is None else max(now - last + WATCH_SLACK_SECONDS, 0)
    seconds = min(form.cleaned_data["seconds"], allowed, MAX_WATCH_PER_REPORT)
    state["last_beat"] = now
    _save(request)
    if seconds >= 1:
        replay_record_watch(replay=replay, seconds=seconds)
    return JsonResponse({"ok": True, "counted": int(seconds)})


@require_POST
def replay_click_report(request: HttpRequest, slug: str) -> JsonResponse:
    """A product marker or the card was clicked (this replay's shop's products only)."""
    replay = access_replay(request.user, slug=slug)
    if not replay.is_published:  # the shop's staff previewing: not an audience
        return JsonResponse(NOT_COUNTED)
    form = ClickForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors}, status=400)
    state = _session_state(request, replay)
    if state["clicks"] >= MAX_CLICKS_PER_SESSION:
        return JsonResponse(NOT_COUNTED)
    try:
        replay_record_product_click(replay=replay, product_id=form.cleaned_data["product"])
    except ReplayError as refused:
        return JsonResponse(
            {"ok": False, "code": refused.code, "message": str(refused)}, status=400
        )
    state["clicks"] += 1
    _save(request)
    return JsonResponse({"ok": True, "counted": True})


# Buying from the replay (the live room's drawer; the order's source is the replay) -----------


@require_GET
def replay_buy_quote(request: HttpRequest, slug: str) -> HttpResponse:
    replay = access_replay(request.user, slug=slug)
    return drawer_quote(request, shop=replay.shop, currency=request.currency)  # type: ignore[attr-defined]


@login_required
@require_POST
def replay_buy(request: HttpRequest, slug: str) -> HttpResponse:
    """Place the order and pay in one request; playback keeps going. Regular prices only."""
    replay = access_replay(request.user, slug=slug)
    return drawer_buy(
        request,
        shop=replay.shop,
        currency=request.currency,  # type: ignore[attr-defined]
        source_type=SourceType.REPLAY,
        source_id=str(replay.pk),
        check_url=lambda order: reverse("replays:buy-check", args=[replay.slug, order.number]),
    )


@login_required
@require_POST
def replay_buy_check(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    replay = access_replay(request.user, slug=slug)
    order = get_object_or_404(
        Order,
        number=number,
        user=request.user,
        source_type=SourceType.REPLAY,
        source_id=str(replay.pk),
    )
    return drawer_check(request, order=order)
