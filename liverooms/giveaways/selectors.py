"""Giveaway and coupon reads: payloads for events and snapshots, the public draw record,
eligibility facts, permission-checked fetches."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils.translation import override

from liverooms.giveaways.draw import ALGORITHM
from liverooms.giveaways.models import (
    CouponStatus,
    Giveaway,
    GiveawayEntry,
    GiveawayStatus,
    GiveawayWinner,
    RoomCoupon,
    RoomCouponClaim,
)
from liverooms.rooms.models import LiveRoom
from shop.accounts.models import User
from shop.orders.models import Order, OrderStatus, SourceType

PAID_STATUSES = [
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
]


def shopper_country(user: User) -> str:
    """The shopper's country: the one on their profile, else the one they last shipped to."""
    if user.country:
        return user.country.upper()
    last = Order.objects.filter(user=user).exclude(ship_country="").order_by("-created_at").first()
    return last.ship_country.upper() if last else ""


def bought_in_room(user: User, room: LiveRoom) -> bool:
    """A paid (or later) order attributed to this room."""
    return Order.objects.filter(
        user=user,
        source_type=SourceType.LIVE_ROOM,
        source_id=str(room.pk),
        status__in=PAID_STATUSES,
    ).exists()


def verify_path(giveaway: Giveaway) -> str:
    with override(giveaway.room.language):
        return reverse("giveaways:record", args=[giveaway.room.slug, giveaway.pk])


def giveaway_payload(giveaway: Giveaway, *, entries: int | None = None) -> dict[str, Any]:
    """What every viewer sees (events and snapshots). The seed only once drawn."""
    payload: dict[str, Any] = {
        "id": giveaway.pk,
        "prize": giveaway.prize,
        "winners_count": giveaway.winners_count,
        "eligibility": {
            "signed_in": True,
            "bought_in_room": giveaway.requires_purchase,
            "countries": list(giveaway.countries),
        },
        "keyword": giveaway.keyword,
        "closes_at": giveaway.closes_at.isoformat(),
        "status": giveaway.status,
        "seed_hash": giveaway.seed_hash,
        "entries": giveaway.entries.count() if entries is None else entries,
        "verify_url": verify_path(giveaway),
    }
    if giveaway.status == GiveawayStatus.DRAWN:
        payload["seed"] = giveaway.seed
        payload["winners"] = winner_handles(giveaway)
    return payload


def winner_handles(giveaway: Giveaway) -> list[dict[str, Any]]:
    winners = GiveawayWinner.objects.filter(giveaway=giveaway).select_related("entry")
    return [{"id": w.entry_id, "handle": w.entry.handle} for w in winners.order_by("position")]


def giveaway_record(giveaway: Giveaway) -> dict[str, Any]:
    """The public record of a draw (``/live/<slug>/giveaways/<id>.json``): everything needed
    to re-run it with ``liverooms.giveaways.verify``. Entries are listed by id."""
    drawn = giveaway.status == GiveawayStatus.DRAWN
    return {
        "algorithm": ALGORITHM,
        "id": giveaway.pk,
        "room": giveaway.room.slug,
        "prize": giveaway.prize,
        "status": giveaway.status,
        "winners_count": giveaway.winners_count,
        "opened_at": giveaway.opened_at.isoformat(),
        "closes_at": giveaway.closes_at.isoformat(),
        "closed_at": giveaway.closed_at.isoformat() if giveaway.closed_at else None,
        "drawn_at": giveaway.drawn_at.isoformat() if giveaway.drawn_at else None,
        "seed_hash": giveaway.seed_hash,
        "seed": giveaway.seed if drawn else None,
        "entries": [
            {"id": entry.pk, "handle": entry.handle}
            for entry in GiveawayEntry.objects.filter(giveaway=giveaway).order_by("id")
        ],
        "winners": winner_handles(giveaway) if drawn else [],
    }


def giveaway_current(room: LiveRoom) -> Giveaway | None:
    """The room's latest giveaway (open, closed or drawn) for the room card."""
    return Giveaway.objects.filter(room=room).select_related("room").first()


def coupon_payload(coupon: RoomCoupon) -> dict[str, Any]:
    voucher = coupon.voucher
    amounts = {a.currency: str(a.discount) for a in voucher.amounts.all() if a.discount is not None}
    return {
        "id": coupon.pk,
        "name": voucher.name,
        "kind": voucher.kind,
        "percentage": str(voucher.percentage) if voucher.percentage is not None else None,
        "amounts": amounts,
        "total": coupon.total,
        "remaining": coupon.remaining,
        "per_shopper": coupon.per_shopper,
        "status": coupon.status,
    }


def coupon_current(room: LiveRoom) -> RoomCoupon | None:
    return (
        RoomCoupon.objects.filter(room=room, status=CouponStatus.ACTIVE)
        .select_related("voucher")
        .first()
    )


def room_selling_snapshot(room: LiveRoom, user: User | AnonymousUser) -> dict[str, Any]:
    """The giveaway and coupon parts of ``room.snapshot`` (with what this viewer has done)."""
    giveaway = giveaway_current(room)
    coupon = coupon_current(room)
    giveaway_part = coupon_part = None
    if giveaway is not None:
        giveaway_part = giveaway_payload(giveaway)
        if user.is_authenticated:
            entry = GiveawayEntry.objects.filter(giveaway=giveaway, user=user).first()
            giveaway_part["you"] = {"entry": entry.handle if entry else None}
    if coupon is not None:
        coupon_part = coupon_payload(coupon)
        if user.is_authenticated:
            codes = RoomCouponClaim.objects.filter(coupon=coupon, user=user).select_related("code")
            coupon_part["you"] = {"codes": [claim.code.code for claim in codes]}
    return {"giveaway": giveaway_part, "coupon": coupon_part}


def giveaway_wins_for_user(user: User) -> list[GiveawayWinner]:
    return list(
        GiveawayWinner.objects.filter(entry__user=user)
        .select_related("giveaway__room__shop", "entry")
        .order_by("-giveaway__drawn_at")
    )
