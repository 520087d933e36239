"""Consultation deposits: a checkout order per held booking, confirmed by its paid hook.

The deposit is an ordinary order (``SourceType.CONSULTATION_DEPOSIT``, ``source_id`` = the
booking id) paid on the shop's payment page with the configured gateway (test cards or
Stripe), exactly like coin packs. While the order awaits payment the hold is stretched to the
order's reservation, so a buyer typing a card number does not lose the slot; when it is paid
the booking is confirmed (or, if the hold lapsed and someone took the time, the deposit is
refunded). A buyer cancelling inside the policy gets the deposit back; a full refund made by
the shop before the call cancels the booking.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from shop.accounts.models import User
from shop.orders.models import Order, OrderEvent, OrderLine, OrderStatus, SourceType
from shop.orders.services import SYSTEM, order_create_numbered
from support.consultations.models import Booking, BookingStatus
from support.consultations.selectors.bookings import service_deposit
from support.consultations.services.bookings import (
    BookingError,
    _check_slot,
    _lock_booking,
    booking_cancel,
    booking_confirm,
    booking_mark_confirmed,
)
from support.consultations.slot_events import (
    local_days,
    open_starts,
    publish_changes_on_commit,
)

logger = logging.getLogger(__name__)

DEPOSIT_SOURCE = SourceType.CONSULTATION_DEPOSIT
PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)


@dataclass(frozen=True)
class Checkout:
    booking: Booking
    order: Order | None  # None: no deposit, the booking is confirmed


def booking_checkout(*, booking_id: int, buyer: User, now: dt.datetime | None = None) -> Checkout:
    """Confirm the buyer's hold, or start paying its deposit.

    Without a deposit this is ``booking_confirm``. With one, it creates (or reuses, while it
    awaits payment) the deposit order and stretches the hold to the order's reservation.
    Locks the booking row. Refuses like ``booking_confirm`` (``not_yours``, ``hold_expired``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("service", "service__shop", "deposit_order")
            .get(pk=booking_id)
        )
        if booking.buyer_id != buyer.pk:
            raise BookingError(_("This booking is not yours."), "not_yours")
        deposit = service_deposit(booking.service, booking.currency)
        if deposit is None or booking.status == BookingStatus.CONFIRMED:
            return Checkout(
                booking=booking_confirm(booking_id=booking_id, buyer=buyer, now=now), order=None
            )
        if booking.status != BookingStatus.HELD or (
            booking.hold_expires_at is not None and booking.hold_expires_at <= now
        ):
            raise BookingError(_("The hold on this time has run out."), "hold_expired")
        order = booking.deposit_order
        if order is None or order.status != OrderStatus.PENDING_PAYMENT:
            order = _deposit_order(booking, deposit.amount, deposit.currency, now)
            booking.deposit_order = order
        if order.reserved_until is not None and (
            booking.hold_expires_at is None or booking.hold_expires_at < order.reserved_until
        ):
            booking.hold_expires_at = order.reserved_until
        booking.save(update_fields=["deposit_order", "hold_expires_at"])
        return Checkout(booking=booking, order=order)


def _deposit_order(booking: Booking, amount: Decimal, currency: str, now: dt.datetime) -> Order:
    service, buyer = booking.service, booking.buyer
    with override(booking.language):
        name = _("Deposit: %(service)s") % {"service": service.name_in(booking.language)}
        label = booking.starts_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    order = order_create_numbered(
        prefix="SD",
        shop=service.shop,
        user=buyer,
        email=buyer.email,
        language=booking.language,
        currency=currency,
        subtotal=amount,
        total=amount,
        ship_name=buyer.get_full_name() or buyer.email,
        ship_line1="",
        ship_city="",
        ship_country="",
        source_type=DEPOSIT_SOURCE,
        source_id=str(booking.pk),
        reserved_until=now + dt.timedelta(minutes=settings.STOCK_RESERVATION_MINUTES),
    )
    OrderLine.objects.create(
        order=order,
        variant=None,
        product_name=name[:200],
        variant_label=label,
        sku=f"CONSULT-{service.pk}",
        quantity=1,
        unit_price=amount,
        line_total=amount,
    )
    OrderEvent.objects.create(
        order=order,
        kind="placed",
        actor=buyer,
        actor_label="shopper",
        data={"booking": booking.pk, "total": str(amount), "currency": currency},
    )
    return order


def booking_deposit_paid(*, order_id: int, now: dt.datetime | None = None) -> Booking | None:
    """Confirm the booking whose deposit order was paid. Idempotent.

    Locks the consultant row, then the booking row. A hold that lapsed before the money
    arrived is taken again if its time is still free; otherwise the deposit is refunded and
    the booking stays expired. Returns the booking (None if the order is not a paid deposit).
    """
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id, source_type=DEPOSIT_SOURCE).first()
    if order is None or order.status not in PAID or not order.source_id.isdigit():
        return None
    booking_id = int(order.source_id)
    refund = False
    try:
        with transaction.atomic():
            consultant, booking = _lock_booking(booking_id)
            if booking.status == BookingStatus.CONFIRMED:
                return booking
            if booking.deposit_order_id != order.pk:
                booking.deposit_order = order
                booking.save(update_fields=["deposit_order"])
            if booking.status == BookingStatus.CANCELLED:
                refund = True
                return booking
            if booking.status == BookingStatus.HELD and (
                booking.hold_expires_at is None or booking.hold_expires_at > now
            ):
                return booking_mark_confirmed(booking, now=now)
            # The hold lapsed: the time is still the buyer's only if nobody took it meanwhile
            # (a late payment is not refused for the minimum notice, only for a past start).
            days = local_days(consultant, booking.starts_at)
            before = open_starts(consultant=consultant, days=days, now=now)
            try:
                if booking.starts_at <= now:
                    raise BookingError("the consultation time has passed", "too_late")
                with transaction.atomic():
                    _check_slot(
                        service=booking.service,
                        consultant=consultant,
                        starts_at=booking.starts_at,
                        now=booking.starts_at
                        - dt.timedelta(minutes=booking.service.min_notice_minutes),
                        exclude_booking_id=booking.pk,
                    )
                    booking_mark_confirmed(booking, now=now)
            except (BookingError, IntegrityError):
                if booking.status == BookingStatus.HELD:
                    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.EXPIRED)
                refund = True
                return booking
            after = open_starts(consultant=consultant, days=days, now=now)
            publish_changes_on_commit(consultant_id=consultant.pk, before=before, after=after)
            return booking
    finally:
        if refund:
            _queue_refund(booking_id)


def _queue_refund(booking_id: int) -> None:
    from support.consultations.tasks import refund_booking_deposit

    transaction.on_commit(lambda: refund_booking_deposit.delay(booking_id))


def booking_deposit_refund(*, booking_id: int) -> bool:
    """Refund the paid deposit of a cancelled (or lapsed) booking in full. Idempotent: does
    nothing once the order is refunded. Returns True when a refund was made."""
    from shop.payments.services import PaymentError, payment_refund

    booking = Booking.objects.select_related("deposit_order").get(pk=booking_id)
    order = booking.deposit_order
    if order is None or booking.status in (BookingStatus.CONFIRMED, BookingStatus.HELD):
        return False
    order.refresh_from_db()
    if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
        if order.status == OrderStatus.PENDING_PAYMENT:
            from shop.orders.services import order_cancel

            order_cancel(order_id=order.pk, actor=SYSTEM, reason="consultation cancelled")
        return False
    remaining = order.total - order.refunded_total
    if remaining <= 0:
        return False
    try:
        payment_refund(order=order, amount=remaining, actor=SYSTEM, reason="consultation")
    except PaymentError:
        logger.exception("refunding the deposit of booking %s failed", booking_id)
        raise
    return True


def deposit_paid_hook(order: Order) -> None:
    """The orders app's paid hook for deposit orders (runs after the payment commits)."""
    try:
        booking_deposit_paid(order_id=order.pk)
    except Exception:  # never break the payment response; the booking page settles it later
        logger.exception("confirming the booking of deposit order %s failed", order.number)


def deposit_refund_hook(order: Order, amount: Decimal) -> None:
    """The orders app's refund hook: a deposit refunded in full by the shop before the call
    cancels the booking (the shop gave the time up); partial refunds change nothing."""
    try:
        order.refresh_from_db()
        if order.refunded_total < order.total or not order.source_id.isdigit():
            return
        booking = Booking.objects.filter(pk=int(order.source_id)).first()
        if (
            booking is None
            or booking.status != BookingStatus.CONFIRMED
            or booking.starts_at <= timezone.now()
        ):
            return
        shop_system = booking.consultant.user  # acts as the shop: staff may always cancel
        booking_cancel(booking_id=booking.pk, actor=shop_system)
    except Exception:
        logger.exception("cancelling the booking of refunded deposit %s failed", order.number)
