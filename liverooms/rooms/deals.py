"""Flash deals: a live-only price on the pinned product, limited quantity, per-buyer limit,
countdown. Quantity is claimed inside the order's transaction under a row lock on the deal,
on top of the normal stock reservation, so a deal is never oversold either."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from liverooms.realtime import events
from liverooms.rooms.models import FlashDeal, FlashDealClaim, LiveRoom
from liverooms.rooms.selectors import access_room_moderation
from shop.accounts.models import User
from shop.orders.models import Order, OrderStatus
from shop.orders.services import CheckoutError
from shop.pricing.money import Money, check_currency, quantize
from shop.pricing.selectors import FxTable, NoPriceError


class DealError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def deal_active(room: LiveRoom) -> FlashDeal | None:
    return FlashDeal.objects.filter(
        room=room, ended_at__isnull=True, ends_at__gt=timezone.now()
    ).first()


def deal_claimed(deal: FlashDeal, *, user: User | None = None) -> int:
    claims = FlashDealClaim.objects.filter(deal=deal).exclude(order__status=OrderStatus.CANCELLED)
    if user is not None:
        claims = claims.filter(user=user)
    return int(claims.aggregate(total=Sum("quantity"))["total"] or 0)


def deal_price_in(deal: FlashDeal, currency: str, fx: FxTable | None = None) -> Money:
    if currency == deal.currency:
        return Money(quantize(deal.price, currency), currency)
    return (fx or FxTable()).convert(Money(deal.price, deal.currency), currency).money


def deal_payload(deal: FlashDeal) -> dict[str, Any]:
    fx = FxTable()
    prices = {}
    for currency, digits in settings.CURRENCIES.items():
        try:
            prices[currency] = {
                "amount": str(deal_price_in(deal, currency, fx).amount),
                "digits": digits,
            }
        except NoPriceError:
            continue
    return {
        "id": deal.pk,
        "product_id": deal.product_id,
        "prices": prices,
        "quantity": deal.quantity,
        "remaining": deal.quantity - deal_claimed(deal),
        "per_buyer_limit": deal.per_buyer_limit,
        "ends_at": deal.ends_at.isoformat(),
    }


@transaction.atomic
def flash_deal_start(
    *,
    room: LiveRoom,
    price: Decimal,
    currency: str,
    quantity: int,
    per_buyer_limit: int,
    minutes: int,
    actor: User,
) -> FlashDeal:
    """Start a deal on the pinned product (one at a time). Publishes deal.started; the room
    timeline records it."""
    access_room_moderation(actor, room)
    room = LiveRoom.objects.select_for_update().get(pk=room.pk)
    if room.pinned_product_id is None:
        raise DealError(_("Pin a product before starting a flash deal."), "no_pinned_product")
    if deal_active(room) is not None:
        raise DealError(_("A flash deal is already running."), "deal_running")
    if price <= 0 or quantity < 1 or per_buyer_limit < 1 or not 1 <= minutes <= 240:
        raise DealError(_("Check the price, quantity, limit and duration."), "bad_deal")
    deal = FlashDeal.objects.create(
        room=room,
        product_id=room.pinned_product_id,
        price=price,
        currency=check_currency(currency),
        quantity=quantity,
        per_buyer_limit=per_buyer_limit,
        created_by=actor,
        ends_at=timezone.now() + dt.timedelta(minutes=minutes),
    )
    from liverooms.replays.services import timeline_record  # replays build on rooms

    timeline_record(room=room, kind="deal_start", product_id=deal.product_id, deal=deal)
    transaction.on_commit(
        lambda: events.publish_now(room.pk, "deal.started", {"deal": deal_payload(deal)})
    )
    from liverooms.rooms.tasks import end_flash_deal

    transaction.on_commit(lambda: end_flash_deal.apply_async((deal.pk,), eta=deal.ends_at))
    return deal


@transaction.atomic
def flash_deal_end(*, deal_id: int, actor: User | None = None) -> None:
    """End a deal now (host) or at its end time (Celery). Publishes deal.ended once; the room
    timeline records the end."""
    deal = FlashDeal.objects.select_for_update().select_related("room").get(pk=deal_id)
    if actor is not None:
        access_room_moderation(actor, deal.room)
    if deal.ended_at is not None:
        return
    deal.ended_at = timezone.now()
    deal.save(update_fields=["ended_at"])
    from liverooms.replays.services import timeline_record  # replays build on rooms

    # A late timer still ends the deal, for the timeline, when buying it stopped.
    timeline_record(
        room=deal.room,
        kind="deal_end",
        product_id=deal.product_id,
        deal=deal,
        at=min(deal.ended_at, deal.ends_at),
    )
    events.publish_on_commit(deal.room_id, "deal.ended", {"id": deal.pk})


def deal_claimer(deal: FlashDeal, *, user: User, quantity: int) -> Callable[[Order], None]:
    """What order_place runs inside its transaction to take ``quantity`` units of the deal."""

    def claim(order: Order) -> None:
        locked = FlashDeal.objects.select_for_update().get(pk=deal.pk)
        if locked.ended_at is not None or locked.ends_at <= timezone.now():
            raise CheckoutError(_("This flash deal has ended."), "deal_ended")
        if deal_claimed(locked) + quantity > locked.quantity:
            raise CheckoutError(_("This flash deal is sold out."), "deal_sold_out")
        if deal_claimed(locked, user=user) + quantity > locked.per_buyer_limit:
            raise CheckoutError(
                _("The deal is limited to %(count)d per buyer.")
                % {"count": locked.per_buyer_limit},
                "deal_limit",
            )
        FlashDealClaim.objects.create(deal=locked, order=order, user=user, quantity=quantity)
        transaction.on_commit(lambda: deal_updated(locked))

    return claim


def deal_updated(deal: FlashDeal) -> None:
    """Everyone's "N left" counter: after a claim, or a cancelled order giving units back."""
    events.publish_now(
        deal.room_id,
        "deal.updated",
        {"id": deal.pk, "remaining": deal.quantity - deal_claimed(deal)},
    )
