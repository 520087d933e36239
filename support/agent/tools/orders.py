"""Order tools: status, shipment tracking and return requests, for the shopper's own orders."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from shop.orders.models import Order, OrderStatus, ReturnRequest, ReturnStatus
from shop.pricing.money import Money
from support.agent.interface import AgentContext
from support.agent.tools import Tool, ToolResult, register
from support.chat.models import Conversation, Ticket, TicketKind

RETURNABLE = {
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.PARTIALLY_REFUNDED,
}


def tracking_status_label(status: str) -> str:
    """Carrier scan statuses in the active language (unknown ones as the carrier wrote them)."""
    labels = {
        "shipped": _("handed to the carrier"),
        "in_transit": _("in transit"),
        "customs": _("in customs"),
        "out_for_delivery": _("out for delivery"),
        "delivered": _("delivered"),
        "exception": _("delayed by the carrier"),
    }
    return labels.get(status, status.replace("_", " "))


def _my_orders(context: AgentContext) -> QuerySet[Order]:
    """The shopper's own orders in this conversation's shop: the only rows tools may read."""
    return (
        Order.objects.filter(shop=context.shop, user=context.shopper)
        .prefetch_related("lines", "shipments__events")
        .order_by("-created_at", "-id")
    )


def _find(context: AgentContext, number: str | None) -> tuple[Order | None, str]:
    """(order, code): by number (never another shopper's), else the latest one."""
    orders = _my_orders(context)
    if number:
        cleaned = "".join(ch for ch in number if ch.isalnum()).upper()
        order = orders.filter(number=cleaned).first()
        return order, "ok" if order else "order_not_found"
    order = orders.first()
    return order, "ok" if order else "no_orders"


def _shipment_data(order: Order) -> list[dict[str, Any]]:
    shipments = []
    for shipment in order.shipments.all():
        events = list(shipment.events.all())
        last = events[-1] if events else None
        shipments.append(
            {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "tracking_url": shipment.tracking_url,
                "shipped_at": shipment.shipped_at.date().isoformat(),
                "delivered": shipment.delivered_at is not None,
                "last_event": {
                    "status": last.status,
                    "status_label": tracking_status_label(last.status),
                    "location": last.location,
                    "date": last.occurred_at.date().isoformat(),
                }
                if last
                else None,
            }
        )
    return shipments


def _order_data(order: Order, language: str) -> dict[str, Any]:
    with translation.override(language):
        return {
            "number": order.number,
            "status": order.status,
            "status_label": str(order.get_status_display()),
            "placed_on": order.created_at.date().isoformat(),
            "total": Money(order.total, order.currency).format(language),
            "items": [f"{line.quantity} × {line.product_name}" for line in order.lines.all()],
            "shipments": _shipment_data(order),
        }


def order_status(context: AgentContext, number: str | None = None) -> ToolResult:
    order, code = _find(context, number)
    if order is None:
        return ToolResult(False, code, {"number": number} if number else {})
    return ToolResult(True, "ok", _order_data(order, context.language))


def shipment_tracking(context: AgentContext, number: str | None = None) -> ToolResult:
    order, code = _find(context, number)
    if order is None:
        return ToolResult(False, code, {"number": number} if number else {})
    data = _order_data(order, context.language)
    if not data["shipments"]:
        return ToolResult(True, "not_shipped", data)
    return ToolResult(True, "ok", data)


def _transcript(context: AgentContext) -> str:
    return "\n".join(f"{turn.role}: {turn.text}" for turn in context.history)


def return_request(
    context: AgentContext, number: str | None = None, reason: str = ""
) -> ToolResult:
    """Open a return for the shopper's order: one ``ReturnRequest`` and one return ``Ticket``.

    Retry-safe: while a return for the order is open, asking again reports that one. Locks the
    order row so two concurrent requests cannot both create.
    """
    if not number:
        # Never guess which order a return is for when there is a choice: ask.
        returnable = list(
            _my_orders(context).filter(status__in=RETURNABLE).values_list("number", flat=True)[:5]
        )
        if len(returnable) > 1:
            return ToolResult(True, "which_order", {"orders": returnable})
        number = returnable[0] if returnable else None
    order, code = _find(context, number)
    if order is None:
        return ToolResult(False, code, {"number": number} if number else {})
    if order.status not in RETURNABLE:
        with translation.override(context.language):
            label = str(order.get_status_display())
        return ToolResult(False, "not_returnable", {"number": order.number, "status_label": label})
    try:
        with transaction.atomic():
            Order.objects.select_for_update().get(pk=order.pk)
            existing = order.returns.filter(status=ReturnStatus.REQUESTED).first()
            if existing is not None:
                return ToolResult(
                    True, "already_requested", {"number": order.number, "return_id": existing.pk}
                )
            created = ReturnRequest.objects.create(
                order=order, reason=reason[:1000], requested_by=context.shopper
            )
            created.lines.set(order.lines.all())
            conversation = Conversation.objects.filter(
                pk=context.conversation_id, shop=context.shop
            ).first()
            Ticket.objects.create(
                shop=context.shop,
                conversation=conversation,
                kind=TicketKind.RETURN,
                order=order,
                reason=(reason or f"Return of {order.number}")[:200],
                transcript=_transcript(context),
            )
    except IntegrityError:  # a concurrent request won the race: report the open one
        existing = order.returns.filter(status=ReturnStatus.REQUESTED).first()
        return ToolResult(
            True,
            "already_requested",
            {"number": order.number, "return_id": existing.pk if existing else None},
        )
    return ToolResult(True, "ok", {"number": order.number, "return_id": created.pk})


NUMBER_PARAMETER = {
    "type": "object",
    "properties": {
        "number": {
            "type": "string",
            "description": "The order number if the shopper gave one; omit for the latest order.",
        }
    },
}

register(
    Tool(
        "order_status",
        "Status, items and total of one of the signed-in shopper's orders.",
        NUMBER_PARAMETER,
        order_status,
        needs_account=True,
    )
)
register(
    Tool(
        "shipment_tracking",
        "Carrier, tracking number and latest tracking event of the shopper's order.",
        NUMBER_PARAMETER,
        shipment_tracking,
        needs_account=True,
    )
)
register(
    Tool(
        "return_request",
        "Start a return/refund request for the shopper's order (creates a ticket for staff).",
        {
            "type": "object",
            "properties": {
                **NUMBER_PARAMETER["properties"],
                "reason": {"type": "string", "description": "Why, in the shopper's words."},
            },
        },
        return_request,
        needs_account=True,
    )
)
