"""Giveaway pages: the host console actions, the public draw record, the shopper's wins."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from liverooms.giveaways.models import Giveaway, GiveawayStatus
from liverooms.giveaways.selectors import giveaway_record, giveaway_wins_for_user
from liverooms.giveaways.services import (
    GiveawayError,
    coupon_drop,
    coupon_stop,
    giveaway_close,
    giveaway_draw,
    giveaway_open,
)
from liverooms.rooms.models import LiveRoom
from shop.accounts.models import User

GIVEAWAY_ACTIONS = ("giveaway_open", "giveaway_close", "giveaway_draw")
COUPON_ACTIONS = ("coupon_drop", "coupon_stop")


def _room_giveaway(room: LiveRoom, giveaway_id: int | None) -> Giveaway:
    """The named giveaway of this room, else its latest one that is not drawn yet."""
    found = Giveaway.objects.filter(room=room)
    found = (
        found.filter(pk=giveaway_id) if giveaway_id else found.exclude(status=GiveawayStatus.DRAWN)
    )
    giveaway = found.first()
    if giveaway is None:
        raise GiveawayError(_("There is no giveaway to close or draw."), "giveaway_not_found")
    return giveaway


def giveaway_action(*, room: LiveRoom, action: str, data: dict[str, Any], actor: User) -> None:
    """The giveaway and coupon part of the host console (HostActionForm fields: prize,
    quantity = winners or codes, per_buyer_limit, minutes, countries, keyword,
    requires_purchase, voucher_id, giveaway_id). Each service checks the actor."""
    if action == "giveaway_open":
        giveaway_open(
            room=room,
            prize=data.get("prize") or "",
            winners=data.get("quantity") or 1,
            minutes=data.get("minutes") or 5,
            requires_purchase=bool(data.get("requires_purchase")),
            countries=(data.get("countries") or "").replace(";", ",").split(","),
            keyword=data.get("keyword") or "",
            actor=actor,
        )
    elif action == "giveaway_close":
        giveaway = _room_giveaway(room, data.get("giveaway_id"))
        giveaway_close(giveaway_id=giveaway.pk, actor=actor)
    elif action == "giveaway_draw":
        giveaway = _room_giveaway(room, data.get("giveaway_id"))
        giveaway_draw(giveaway_id=giveaway.pk, actor=actor)
    elif action == "coupon_drop":
        if not data.get("voucher_id") or not data.get("quantity"):
            raise GiveawayError(_("Choose a voucher and the number of codes."), "bad_coupon")
        coupon_drop(
            room=room,
            voucher_id=data["voucher_id"],
            total=data["quantity"],
            per_shopper=data.get("per_buyer_limit") or 1,
            actor=actor,
        )
    elif action == "coupon_stop":
        coupon_stop(room=room, actor=actor)
    else:
        raise GiveawayError(_("Unknown action."), "invalid")


def giveaway_json(request: HttpRequest, slug: str, giveaway_id: int) -> HttpResponse:
    """``/live/<slug>/giveaways/<id>.json``: the seed hash, the entry list and, once drawn,
    the seed and the winners. Public, so anyone can re-run the draw."""
    giveaway = get_object_or_404(
        Giveaway.objects.select_related("room"),
        pk=giveaway_id,
        room__slug=slug,
        room__shop__is_active=True,
    )
    response = JsonResponse(giveaway_record(giveaway), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
def my_prizes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "giveaways/prizes.html",
        {"wins": giveaway_wins_for_user(request.user)},  # type: ignore[arg-type]
    )
