"""Order writes: placing an order (reserving stock), the state machine, shipments, refunds.

Stock: ``Variant.stock`` is what can still be sold. Placing an order takes units off it with a
conditional UPDATE (``stock >= quantity``), so concurrent buyers can never take more than there
is; the units are held by ``StockReservation`` rows until payment (sold) or expiry (given back).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.orders.address import ShippingAddress
from shop.orders.models import (
    ALLOWED_TRANSITIONS,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    ReservationStatus,
    Shipment,
    SourceType,
    StockReservation,
    TrackingEvent,
)
from shop.orders.selectors import checkout_quote
from shop.pricing.money import Money
from shop.pricing.selectors import FxTable
from shop.shops.models import Shop
from shop.vouchers.selectors import VoucherError
from shop.vouchers.services import voucher_redeem, voucher_release

logger = logging.getLogger(__name__)

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CheckoutError(ValueError):
    """The order cannot be placed; nothing was recorded. ``code`` is stable for clients."""

    def __init__(
        self, message: str, code: str, problems: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.problems = problems or []


class TransitionError(ValueError):
    """The order cannot go from its current status to the requested one."""


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    label: str = ""  # "system", "webhook:stripe", "shopper"...

    @property
    def name(self) -> str:
        return self.label or (self.user.email if self.user else "system")


SYSTEM = Actor(label="system")


def _event(order: Order, kind: str, actor: Actor, message: str = "", **data: object) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, kind=kind, message=message, actor=actor.user, actor_label=actor.name, data=data
    )


def _new_number(prefix: str = "SR") -> str:
    return prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def order_create_numbered(*, prefix: str = "SR", **fields: object) -> Order:
    """Create an order row under a fresh random number (``<prefix>`` + 8 characters),
    retrying the rare collision. For any kind of order (checkout, coin packs)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Order.objects.create(number=_new_number(prefix), **fields)
        except IntegrityError:
            continue
    raise CheckoutError(  # pragma: no cover - 32^8 numbers make this practically impossible
        "Could not allocate an order number.", "internal"
    )


# Where an order came from may want to know when it is paid (a live room shows a "just
# bought" ticker). Apps register a callable per source type; it runs after commit.
PAID_HOOKS: dict[str, Callable[[Order], None]] = {}


def register_paid_hook(source_type: str, hook: Callable[[Order], None]) -> None:
    PAID_HOOKS[source_type] = hook


# Where an order came from may also need to undo something when it is refunded (coins bought
# with the order are taken back). Called after commit with the order and the amount refunded.
REFUND_HOOKS: dict[str, Callable[[Order, Decimal], None]] = {}


def register_refund_hook(source_type: str, hook: Callable[[Order, Decimal], None]) -> None:
    REFUND_HOOKS[source_type] = hook


# Called after commit with the variants whose stock moved (and the order that moved it), e.g.
# so a live room can re-publish its pinned card's stock. Registered by other apps.
STOCK_HOOKS: list[Callable[[set[int], Order | None], None]] = []


def register_stock_hook(hook: Callable[[set[int], Order | None], None]) -> None:
    if hook not in STOCK_HOOKS:
        STOCK_HOOKS.append(hook)


def stock_changed(variant_ids: set[int], order: Order | None = None) -> None:
    """Tell the stock hooks, once the current transaction commits."""
    if not variant_ids or not STOCK_HOOKS:
        return

    def run() -> None:
        for hook in STOCK_HOOKS:
            try:
                hook(variant_ids, order)
            except Exception:  # a listener must never break checkout
                logger.exception("stock hook %r failed", hook)

    transaction.on_commit(run)


def _run_paid_hook(order: Order) -> None:
    hook = PAID_HOOKS.get(order.source_type)
    if hook is not None:
        transaction.on_commit(lambda: hook(order))


def _queue_email(order: Order, kind: str) -> None:
    from shop.orders.tasks import send_order_email

    transaction.on_commit(lambda: send_order_email.delay(order.pk, kind))


def order_place(
    *,
    shop: Shop,
    items: list[tuple[int, int]],
    currency: str,
    language: str,
    email: str,
    user: User | None,
    address: ShippingAddress,
    rate_id: int,
    voucher_code: str = "",
    expected_total: Decimal | None = None,
    source_type: str = SourceType.STOREFRONT,
    source_id: str = "",
    unit_prices: dict[int, Money] | None = None,
    reserve_extra: Callable[[Order], None] | None = None,
) -> Order:
    """Create a pending order and reserve its stock, or raise CheckoutError (nothing saved).

    Prices, shipping and discount are recomputed here from the database. If the shopper saw a
    different total (``expected_total``) the order is refused so they can review the change.
    Locks: conditional UPDATEs on each variant (in id order), the voucher row if one is used.
    Publishes nothing; the order e-mail goes out when it is paid.
    """
    if not items:
        raise CheckoutError(_("Your cart is empty."), "empty")
    if any(quantity < 1 or quantity > 99 for _v, quantity in items):
        raise CheckoutError(_("Quantities must be between 1 and 99."), "bad_quantity")
    # Flash sales: most buyers arrive after the stock is gone; tell them with one query
    # instead of pricing the whole basket first.
    stock = dict(Variant.objects.filter(pk__in=[v for v, _q in items]).values_list("pk", "stock"))
    if any(stock.get(variant_id, quantity) < quantity for variant_id, quantity in items):
        raise CheckoutError(_("Sorry, this item just sold out."), "sold_out")
    fx = FxTable()
    quote = checkout_quote(
        shop=shop,
        items=items,
        currency=currency,
        language=language,
        country=address.country,
        rate_id=rate_id,
        voucher_code=voucher_code,
        email=email,
        user=user,
        fx=fx,
        unit_prices=unit_prices,
    )
    if quote.problems:
        code, message = quote.problems[0]
        raise CheckoutError(message, code, quote.problems)
    if quote.shipping is None:
        raise CheckoutError(_("Choose a shipping method."), "bad_shipping")
    if quote.voucher_error:
        raise CheckoutError(quote.voucher_error, quote.voucher_error_code)
    if expected_total is not None and expected_total != quote.total.amount:
        raise CheckoutError(
            _("Prices changed since you loaded the page. Please review your order."),
            "price_changed",
        )
    minutes = settings.STOCK_RESERVATION_MINUTES
    with transaction.atomic():
        order = _create_order(
            shop, quote, email, user, language, address, source_type, source_id, minutes
        )
        for line in sorted(quote.lines, key=lambda line: line.variant.pk):
            taken = Variant.objects.filter(pk=line.variant.pk, stock__gte=line.quantity).update(
                stock=F("stock") - line.quantity
            )
            if not taken:  # leaving the block with an exception rolls everything back
                raise CheckoutError(
                    _("Sorry, %(name)s just sold out.") % {"name": line.product_name}, "sold_out"
                )
            StockReservation.objects.create(
                order=order,
                variant=line.variant,
                quantity=line.quantity,
                expires_at=order.reserved_until,
            )
        if quote.voucher is not None:
            try:
                voucher_redeem(
                    voucher_id=quote.voucher.voucher.pk,
                    order=order,
                    subtotal=quote.subtotal,
                    user=user,
                    fx=fx,
                )
            except VoucherError as refused:
                raise CheckoutError(str(refused), refused.code) from refused
        if reserve_extra is not None:
            reserve_extra(order)  # e.g. a flash deal's own limits; may raise CheckoutError
        stock_changed({line.variant.pk for line in quote.lines}, order)
        _event(
            order,
            "placed",
            Actor(user=user, label="shopper"),
            total=str(order.total),
            currency=currency,
        )
    return order


def _create_order(
    shop: Shop,
    quote,
    email: str,
    user: User | None,
    language: str,  # type: ignore[no-untyped-def]
    address: ShippingAddress,
    source_type: str,
    source_id: str,
    minutes: int,
) -> Order:
    fields = dict(
        shop=shop,
        user=user,
        email=email,
        language=language,
        currency=quote.currency,
        subtotal=quote.subtotal.amount,
        shipping_total=quote.shipping_price.amount,
        discount_total=quote.discount.amount,
        total=quote.total.amount,
        shipping_method=quote.shipping.name,
        shipping_rate_id=quote.shipping.rate_id,
        voucher_code=quote.voucher.voucher.code if quote.voucher else "",
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_city=address.city,
        ship_postal_code=address.postal_code,
        ship_region=address.region,
        ship_country=address.country,
        ship_phone=address.phone,
        source_type=source_type,
        source_id=source_id,
        reserved_until=timezone.now() + dt.timedelta(minutes=minutes),
    )
    order = order_create_numbered(**fields)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_name=line.product_name,
            variant_label=line.variant_label,
            sku=line.variant.sku,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            line_total=line.line_total.amount,
            weight_grams=line.weight_grams,
        )
        for line in quote.lines
    )
    return order


def _set_status(order: Order, status: str, actor: Actor, message: str = "", **data: object) -> None:
    if status not in ALLOWED_TRANSITIONS[order.status]:
        raise TransitionError(
            _("An order that is %(current)s cannot become %(new)s.")
            % {"current": order.get_status_display(), "new": OrderStatus(status).label}
        )
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    _event(order, f"status:{status}", actor, message, previous=previous, **data)


def _lock(order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _release_stock(order: Order) -> None:
    released: set[int] = set()
    for reservation in order.reservations.filter(status=ReservationStatus.RESERVED):
        Variant.objects.filter(pk=reservation.variant_id).update(
            stock=F("stock") + reservation.quantity
        )
        reservation.status = ReservationStatus.RELEASED
        reservation.save(update_fields=["status"])
        released.add(reservation.variant_id)
    stock_changed(released, order)


def _re_reserve_stock(order: Order) -> bool:
    """Take the stock again for a late payment of an expired order; False if sold meanwhile."""
    lines = sorted(order.lines.exclude(variant=None), key=lambda line: line.variant_id or 0)
    with transaction.atomic():
        for line in lines:
            taken = Variant.objects.filter(pk=line.variant_id, stock__gte=line.quantity).update(
                stock=F("stock") - line.quantity
            )
            if not taken:
                transaction.set_rollback(True)
                return False
        order.reservations.filter(status=ReservationStatus.RELEASED).update(
            status=ReservationStatus.SOLD
        )
    stock_changed({line.variant_id for line in lines if line.variant_id}, order)
    return True


class LatePaymentError(Exception):
    """Money arrived for an order whose stock is gone: the caller must refund it."""


@transaction.atomic
def order_mark_paid(*, order_id: int, actor: Actor, payment_reference: str = "") -> Order:
    """Payment succeeded: reservations become sales and the order is paid. Idempotent.

    Locks the order row. A payment arriving after the reservation expired revives the order
    if the stock can be taken again; otherwise raises LatePaymentError (refund it).
    """
    order = _lock(order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        if order.status == OrderStatus.CANCELLED and order.events.filter(kind="expired").exists():
            if not _re_reserve_stock(order):
                _event(
                    order,
                    "late_payment_refused",
                    actor,
                    "Stock sold out after the reservation expired",
                )
                raise LatePaymentError(order.number)
            order.status = OrderStatus.PENDING_PAYMENT  # revived; fall through to paid
            _event(order, "revived", actor, "Paid after the reservation expired; stock taken again")
        else:
            return order  # already paid (or later): a repeated notification changes nothing
    order.reservations.filter(status=ReservationStatus.RESERVED).update(
        status=ReservationStatus.SOLD
    )
    order.paid_at = timezone.now()
    order.reserved_until = None
    order.save(update_fields=["paid_at", "reserved_until", "updated_at"])
    _set_status(order, OrderStatus.PAID, actor, reference=payment_reference)
    _queue_email(order, "paid")
    _run_paid_hook(order)
    return order


@transaction.atomic
def order_cancel(*, order_id: int, actor: Actor, reason: str = "", expired: bool = False) -> Order:
    """Cancel an unpaid order: stock and voucher use are given back. Locks the order row."""
    order = _lock(order_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise TransitionError(
            _("Only orders awaiting payment can be cancelled; refund paid orders.")
        )
    _release_stock(order)
    voucher_release(order=order)
    order.reserved_until = None
    order.save(update_fields=["reserved_until", "updated_at"])
    if expired:
        _event(order, "expired", actor, "Stock reservation expired before payment")
    _set_status(order, OrderStatus.CANCELLED, actor, reason)
    return order


def reservations_release_expired(*, now: dt.datetime | None = None) -> int:
    """Cancel unpaid orders whose reservation ran out (Celery beat). Returns how many."""
    now = now or timezone.now()
    due = Order.objects.filter(
        status=OrderStatus.PENDING_PAYMENT, reserved_until__lt=now
    ).values_list("pk", flat=True)
    released = 0
    for order_id in list(due[:500]):
        try:
            order_cancel(
                order_id=order_id, actor=SYSTEM, reason="reservation expired", expired=True
            )
            released += 1
        except TransitionError:
            continue  # paid in the meantime
    return released


@transaction.atomic
def order_add_shipment(
    *, order_id: int, carrier: str, tracking_number: str, tracking_url: str = "", actor: Actor
) -> Shipment:
    """Record a parcel and mark the order shipped (first shipment). Locks the order row."""
    order = _lock(order_id)
    if order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.SHIPPED):
        raise TransitionError(_("Only paid orders can be shipped."))
    if not carrier.strip() or not tracking_number.strip():
        raise ValueError(_("Carrier and tracking number are required."))
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        tracking_url=tracking_url,
        shipped_at=timezone.now(),
    )
    TrackingEvent.objects.create(
        shipment=shipment, status="shipped", message=carrier, occurred_at=shipment.shipped_at
    )
    if order.status != OrderStatus.SHIPPED:
        _set_status(order, OrderStatus.SHIPPED, actor, f"{carrier} {tracking_number}")
        _queue_email(order, "shipped")
    else:
        _event(order, "shipment_added", actor, f"{carrier} {tracking_number}")
    return shipment


@transaction.atomic
def shipment_add_tracking_event(
    *,
    shipment_id: int,
    status: str,
    location: str = "",
    message: str = "",
    occurred_at: dt.datetime | None = None,
    actor: Actor,
) -> TrackingEvent:
    """Append a carrier scan; a "delivered" scan marks the order delivered."""
    shipment = Shipment.objects.select_related("order").get(pk=shipment_id)
    event = TrackingEvent.objects.create(
        shipment=shipment,
        status=status,
        location=location,
        message=message,
        occurred_at=occurred_at or timezone.now(),
    )
    if status == "delivered":
        order = _lock(shipment.order_id)
        shipment.delivered_at = event.occurred_at
        shipment.save(update_fields=["delivered_at"])
        if OrderStatus.DELIVERED in ALLOWED_TRANSITIONS[order.status]:
            _set_status(order, OrderStatus.DELIVERED, actor)
    return event


@transaction.atomic
def order_record_refund(
    *, order_id: int, amount: Decimal, actor: Actor, reference: str = ""
) -> Order:
    """Book a refund the gateway has made: refunded total and status follow. Locks the order."""
    order = _lock(order_id)
    if amount <= 0:
        raise ValueError(_("A refund must be a positive amount."))
    if order.refunded_total + amount > order.total:
        raise ValueError(_("You cannot refund more than the order total."))
    order.refunded_total += amount
    order.save(update_fields=["refunded_total", "updated_at"])
    status = (
        OrderStatus.REFUNDED
        if order.refunded_total >= order.total
        else OrderStatus.PARTIALLY_REFUNDED
    )
    _set_status(order, status, actor, reference=reference, amount=str(amount))
    if status == OrderStatus.REFUNDED:
        _queue_email(order, "refunded")
    hook = REFUND_HOOKS.get(order.source_type)
    if hook is not None:
        transaction.on_commit(lambda: hook(order, amount))
    return order


def order_transition(*, order_id: int, status: str, actor: Actor, message: str = "") -> Order:
    """Generic checked transition for admin actions that have no side effects of their own."""
    with transaction.atomic():
        order = _lock(order_id)
        _set_status(order, status, actor, message)
    return order
