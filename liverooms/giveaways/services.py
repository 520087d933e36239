"""Giveaway and live-coupon writes. Each service owns its transaction; events go out after
commit through liverooms.realtime.events. Counters that move with every entry or claim
(``giveaway.entries``, ``coupon.updated``) are throttled by the socket side (live.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.giveaways.draw import SEED_BYTES, draw_winners, seed_hash
from liverooms.giveaways.models import (
    CouponCloseReason,
    CouponStatus,
    EntryMethod,
    Giveaway,
    GiveawayEntry,
    GiveawayStatus,
    GiveawayWinner,
    RoomCoupon,
    RoomCouponClaim,
)
from liverooms.giveaways.selectors import (
    bought_in_room,
    coupon_payload,
    giveaway_payload,
    shopper_country,
)
from liverooms.realtime import events
from liverooms.realtime.protocol import ErrorCode
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import access_room_moderation, can_moderate, display_name
from shop.accounts.models import User
from shop.orders.address import COUNTRIES
from shop.vouchers.models import Voucher
from shop.vouchers.services import voucher_generate_codes

MAX_WINNERS = 100
MAX_MINUTES = 24 * 60
EARLY_TOLERANCE = dt.timedelta(seconds=1)  # a timed job that runs a moment early still counts
KEYWORD_PATTERN = re.compile(r"^[\w#!-]{2,40}$")


class GiveawayError(ValueError):
    def __init__(self, message: str, code: str, detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


def keyword_key(room_id: int) -> str:
    """Redis: the open giveaway's id and keyword, so chat can skip rooms without one."""
    return events.key(room_id, "giveaway_keyword")


def _keyword_flag_set(giveaway: Giveaway) -> None:
    ttl = max(int((giveaway.closes_at - timezone.now()).total_seconds()) + 60, 60)
    flag = json.dumps({"id": giveaway.pk, "keyword": giveaway.keyword.casefold()})
    events.sync_client().set(keyword_key(giveaway.room_id), flag, ex=ttl)


def _keyword_flag_clear(room_id: int) -> None:
    events.sync_client().delete(keyword_key(room_id))


def _clean_countries(countries: Iterable[str]) -> list[str]:
    cleaned = sorted({code.strip().upper() for code in countries if code.strip()})
    unknown = [code for code in cleaned if code not in COUNTRIES]
    if unknown:
        raise GiveawayError(
            _("Unknown country codes: %(codes)s") % {"codes": ", ".join(unknown)}, "bad_giveaway"
        )
    return cleaned


@transaction.atomic
def giveaway_open(
    *,
    room: LiveRoom,
    prize: str,
    winners: int,
    minutes: int,
    actor: User,
    requires_purchase: bool = False,
    countries: Iterable[str] = (),
    keyword: str = "",
) -> Giveaway:
    """Open a giveaway in a live room (one open at a time; locks the room row). Commits to a
    fresh random seed by storing it and publishing only its sha256. Publishes
    ``giveaway.opened``; queues the close at ``closes_at``."""
    access_room_moderation(actor, room)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.status != RoomStatus.LIVE:
        raise GiveawayError(_("The room is not live."), ErrorCode.ROOM_NOT_LIVE)
    prize, keyword = prize.strip(), keyword.strip()
    if not prize or len(prize) > 200 or not 1 <= winners <= MAX_WINNERS:
        raise GiveawayError(_("Check the prize and the number of winners."), "bad_giveaway")
    if not 1 <= minutes <= MAX_MINUTES:
        raise GiveawayError(_("Check the duration."), "bad_giveaway")
    if keyword and not KEYWORD_PATTERN.match(keyword):
        raise GiveawayError(
            _("The keyword is one word of 2 to 40 letters or digits."), "bad_giveaway"
        )
    if Giveaway.objects.filter(room=room, status=GiveawayStatus.OPEN).exists():
        raise GiveawayError(_("A giveaway is already open."), "giveaway_running")
    seed = secrets.token_hex(SEED_BYTES)
    giveaway = Giveaway.objects.create(
        room=room,
        prize=prize,
        winners_count=winners,
        requires_purchase=requires_purchase,
        countries=_clean_countries(countries),
        keyword=keyword,
        closes_at=timezone.now() + dt.timedelta(minutes=minutes),
        seed=seed,
        seed_hash=seed_hash(seed),
        created_by=actor,
    )
    transaction.on_commit(
        lambda: events.publish_now(
            room.pk, "giveaway.opened", {"giveaway": giveaway_payload(giveaway, entries=0)}
        )
    )
    if keyword:
        transaction.on_commit(lambda: _keyword_flag_set(giveaway))
    from liverooms.giveaways.tasks import close_giveaway

    transaction.on_commit(
        lambda: close_giveaway.apply_async((giveaway.pk,), eta=giveaway.closes_at)
    )
    return giveaway


def _check_eligible(giveaway: Giveaway, user: User) -> None:
    if can_moderate(user, giveaway.room):
        raise GiveawayError(
            _("The shop's staff cannot enter its giveaways."),
            ErrorCode.GIVEAWAY_NOT_ELIGIBLE,
            "staff",
        )
    if giveaway.requires_purchase and not bought_in_room(user, giveaway.room):
        raise GiveawayError(
            _("This giveaway is for shoppers who bought in this show."),
            ErrorCode.GIVEAWAY_NOT_ELIGIBLE,
            "purchase_required",
        )
    if giveaway.countries and shopper_country(user) not in giveaway.countries:
        raise GiveawayError(
            _("This giveaway is open to shoppers in: %(countries)s.")
            % {"countries": ", ".join(giveaway.countries)},
            ErrorCode.GIVEAWAY_NOT_ELIGIBLE,
            "country",
        )


def giveaway_enter(
    *, room: LiveRoom, user: User, giveaway_id: int | None = None, method: str = EntryMethod.BUTTON
) -> GiveawayEntry:
    """Enter the room's open giveaway (or the one named). Locks the giveaway row so an entry
    never lands after the close. Refuses with GiveawayError: auth_required, giveaway_closed,
    giveaway_not_eligible (``detail``: staff, purchase_required, country),
    giveaway_already_entered. Publishes nothing: the entry counter is throttled (live.py)."""
    if not user.is_authenticated:
        raise GiveawayError(_("Sign in to enter the giveaway."), ErrorCode.AUTH_REQUIRED)
    with transaction.atomic():
        found = Giveaway.objects.select_for_update().select_related("room__shop").filter(room=room)
        found = found.filter(pk=giveaway_id) if giveaway_id else found.filter(status="open")
        giveaway = found.first()
        if (
            giveaway is None
            or giveaway.status != GiveawayStatus.OPEN
            or giveaway.closes_at <= timezone.now()
        ):
            raise GiveawayError(_("This giveaway is closed."), ErrorCode.GIVEAWAY_CLOSED)
        if GiveawayEntry.objects.filter(giveaway=giveaway, user=user).exists():
            raise GiveawayError(_("You have already entered."), ErrorCode.GIVEAWAY_ALREADY_ENTERED)
        _check_eligible(giveaway, user)
        try:
            with transaction.atomic():
                return GiveawayEntry.objects.create(
                    giveaway=giveaway, user=user, name=display_name(user), method=method
                )
        except IntegrityError:  # the same shopper on two sockets at once
            raise GiveawayError(
                _("You have already entered."), ErrorCode.GIVEAWAY_ALREADY_ENTERED
            ) from None


def _close_locked(giveaway: Giveaway) -> None:
    giveaway.status, giveaway.closed_at = GiveawayStatus.CLOSED, timezone.now()
    giveaway.save(update_fields=["status", "closed_at"])
    room_id = giveaway.room_id
    transaction.on_commit(lambda: _keyword_flag_clear(room_id))
    events.publish_on_commit(
        room_id,
        "giveaway.closed",
        {"id": giveaway.pk, "entries": giveaway.entries.count()},
    )


@transaction.atomic
def giveaway_close(*, giveaway_id: int, actor: User | None = None) -> Giveaway:
    """Stop taking entries (host now, or Celery at ``closes_at``). Idempotent. Publishes
    ``giveaway.closed`` once."""
    giveaway = Giveaway.objects.select_for_update().select_related("room").get(pk=giveaway_id)
    if actor is not None:
        access_room_moderation(actor, giveaway.room)
    elif giveaway.closes_at > timezone.now() + EARLY_TOLERANCE:
        return giveaway  # a timed job that ran early: the close time still stands
    if giveaway.status == GiveawayStatus.OPEN:
        _close_locked(giveaway)
    return giveaway


@transaction.atomic
def giveaway_draw(*, giveaway_id: int, actor: User) -> Giveaway:
    """Draw the winners (host; closes an open giveaway first). Reveals the seed. Winners are
    ``draw.draw_winners(seed, entry ids, winners_count)``. Publishes ``giveaway.drawn``;
    queues the winners' e-mails. Refuses a second draw (``giveaway_drawn``)."""
    giveaway = Giveaway.objects.select_for_update().select_related("room").get(pk=giveaway_id)
    access_room_moderation(actor, giveaway.room)
    if giveaway.status == GiveawayStatus.DRAWN:
        raise GiveawayError(_("This giveaway has already been drawn."), "giveaway_drawn")
    if giveaway.status == GiveawayStatus.OPEN:
        _close_locked(giveaway)
    entry_ids = list(
        GiveawayEntry.objects.filter(giveaway=giveaway).order_by("id").values_list("pk", flat=True)
    )
    winning = draw_winners(giveaway.seed, entry_ids, giveaway.winners_count)
    GiveawayWinner.objects.bulk_create(
        GiveawayWinner(giveaway=giveaway, entry_id=entry_id, position=position)
        for position, entry_id in enumerate(winning, start=1)
    )
    giveaway.status, giveaway.drawn_at = GiveawayStatus.DRAWN, timezone.now()
    giveaway.save(update_fields=["status", "drawn_at"])
    transaction.on_commit(
        lambda: events.publish_now(
            giveaway.room_id,
            "giveaway.drawn",
            {"giveaway": giveaway_payload(giveaway, entries=len(entry_ids))},
        )
    )
    from liverooms.giveaways.tasks import notify_giveaway_winners

    transaction.on_commit(lambda: notify_giveaway_winners.delay(giveaway.pk))
    return giveaway


# Live-only coupons ----------------------------------------------------------------------------


@transaction.atomic
def coupon_drop(
    *, room: LiveRoom, voucher_id: int, total: int, per_shopper: int, actor: User
) -> RoomCoupon:
    """Drop a live-only coupon made from one of the shop's own voucher templates (locks the
    room row; one active drop at a time). Publishes ``coupon.dropped``."""
    access_room_moderation(actor, room)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.status != RoomStatus.LIVE:
        raise GiveawayError(_("The room is not live."), ErrorCode.ROOM_NOT_LIVE)
    voucher = Voucher.objects.filter(
        pk=voucher_id, shop_id=room.shop_id, template__isnull=True, owner__isnull=True
    ).first()
    if voucher is None:
        raise GiveawayError(_("Choose one of this shop's vouchers."), "bad_coupon")
    if not 1 <= total <= 10_000 or not 1 <= per_shopper <= min(total, 99):
        raise GiveawayError(_("Check the number of codes and the per-shopper cap."), "bad_coupon")
    if RoomCoupon.objects.filter(room=room, status=CouponStatus.ACTIVE).exists():
        raise GiveawayError(_("A coupon drop is already running."), "coupon_running")
    coupon = RoomCoupon.objects.create(
        room=room, voucher=voucher, total=total, per_shopper=per_shopper, created_by=actor
    )
    transaction.on_commit(
        lambda: events.publish_now(room.pk, "coupon.dropped", {"coupon": coupon_payload(coupon)})
    )
    return coupon


def _close_coupon_locked(coupon: RoomCoupon, reason: str) -> None:
    coupon.status, coupon.close_reason, coupon.closed_at = (
        CouponStatus.CLOSED,
        reason,
        timezone.now(),
    )
    coupon.save(update_fields=["status", "close_reason", "closed_at"])
    events.publish_on_commit(
        coupon.room_id,
        "coupon.closed",
        {"id": coupon.pk, "reason": reason, "remaining": coupon.remaining},
    )


@transaction.atomic
def coupon_claim(*, room: LiveRoom, user: User, coupon_id: int | None = None) -> RoomCouponClaim:
    """Claim one code of the room's active drop. Locks the drop's row, so ``claimed`` never
    passes ``total`` (a CHECK constraint backs this) and the per-shopper cap holds; the room
    must be live. Refuses with GiveawayError: auth_required, room_not_live, coupon_closed,
    coupon_sold_out, coupon_limit_reached. The last code closes the drop
    (``coupon.closed``, reason sold_out); other claims move a throttled counter (live.py)."""
    if not user.is_authenticated:
        raise GiveawayError(_("Sign in to claim the coupon."), ErrorCode.AUTH_REQUIRED)
    found = RoomCoupon.objects.select_for_update().select_related("voucher").filter(room=room)
    if coupon_id:  # else the room's latest drop: a closed one explains why (sold out?)
        found = found.filter(pk=coupon_id)
    coupon = found.first()
    if LiveRoom.objects.filter(pk=room.pk).values_list("status", flat=True).first() != (
        RoomStatus.LIVE
    ):
        raise GiveawayError(_("The room is not live."), ErrorCode.ROOM_NOT_LIVE)
    if coupon is None or coupon.status != CouponStatus.ACTIVE:
        if coupon is not None and coupon.close_reason == CouponCloseReason.SOLD_OUT:
            raise GiveawayError(_("All the codes have been claimed."), ErrorCode.COUPON_SOLD_OUT)
        raise GiveawayError(_("This coupon is no longer available."), ErrorCode.COUPON_CLOSED)
    if coupon.claimed >= coupon.total:
        raise GiveawayError(_("All the codes have been claimed."), ErrorCode.COUPON_SOLD_OUT)
    mine = RoomCouponClaim.objects.filter(coupon=coupon, user=user).count()
    if mine >= coupon.per_shopper:
        raise GiveawayError(
            _("You can claim %(count)d of these.") % {"count": coupon.per_shopper},
            ErrorCode.COUPON_LIMIT_REACHED,
        )
    [code] = voucher_generate_codes(template=coupon.voucher, count=1, owner=user)
    claim = RoomCouponClaim.objects.create(coupon=coupon, user=user, code=code)
    RoomCoupon.objects.filter(pk=coupon.pk).update(claimed=F("claimed") + 1)
    coupon.claimed += 1
    if coupon.claimed >= coupon.total:
        _close_coupon_locked(coupon, CouponCloseReason.SOLD_OUT)
    return claim


@transaction.atomic
def coupon_stop(*, room: LiveRoom, actor: User) -> RoomCoupon | None:
    """The host stops the room's active drop. Publishes ``coupon.closed`` (reason host)."""
    access_room_moderation(actor, room)
    coupon = (
        RoomCoupon.objects.select_for_update().filter(room=room, status=CouponStatus.ACTIVE).first()
    )
    if coupon is not None:
        _close_coupon_locked(coupon, CouponCloseReason.HOST)
    return coupon


def selling_close_for_room(*, room: LiveRoom) -> None:
    """The show ends (called inside room_end's transaction): the active drop closes
    (``coupon.closed``, reason room_ended) and an open giveaway stops taking entries."""
    for coupon in RoomCoupon.objects.select_for_update().filter(
        room=room, status=CouponStatus.ACTIVE
    ):
        _close_coupon_locked(coupon, CouponCloseReason.ROOM_ENDED)
    for giveaway in Giveaway.objects.select_for_update().filter(
        room=room, status=GiveawayStatus.OPEN
    ):
        _close_locked(giveaway)
