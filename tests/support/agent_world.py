"""Helpers for the agent tests: orders in given states, contexts, and collecting a reply."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.orders.models import Order, OrderLine, OrderStatus
from shop.orders.services import Actor, order_add_shipment, shipment_add_tracking_event
from shop.shops.models import Shop
from support.agent.interface import (
    AgentContext,
    AgentEvent,
    Handoff,
    Token,
    ToolUsed,
    Understood,
)
from support.agent.runtime import respond


def make_order(
    shop: Shop,
    buyer: User,
    number: str,
    *,
    status: str = OrderStatus.PAID,
    total: str = "289.00",
    currency: str = "EUR",
    product_name: str = "Silk wrap dress",
    variant: Variant | None = None,
    days_ago: int = 3,
) -> Order:
    order = Order.objects.create(
        shop=shop,
        number=number,
        user=buyer,
        email=buyer.email,
        currency=currency,
        subtotal=Decimal(total),
        total=Decimal(total),
        status=OrderStatus.PAID if status in (OrderStatus.SHIPPED, "delivered") else status,
        paid_at=timezone.now(),
        ship_name="Buyer",
        ship_line1="1 Jalan Sudirman",
        ship_city="Jakarta",
        ship_country="ID",
    )
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    OrderLine.objects.create(
        order=order,
        variant=variant,
        product_name=product_name,
        sku=variant.sku if variant else "SKU-1",
        quantity=1,
        unit_price=Decimal(total),
        line_total=Decimal(total),
    )
    order.refresh_from_db()
    return order


def ship(
    order: Order,
    tracking_number: str,
    *,
    carrier: str = "DHL Express",
    scans: list[tuple[str, str]] | None = None,
) -> Order:
    """Ship ``order`` and add carrier scans ``(status, location)``; "delivered" delivers it."""
    shipment = order_add_shipment(
        order_id=order.pk,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=f"https://track.example/{tracking_number}",
        actor=Actor(label="staff"),
    )
    for index, (status, location) in enumerate(scans or []):
        shipment_add_tracking_event(
            shipment_id=shipment.pk,
            status=status,
            location=location,
            occurred_at=timezone.now() + dt.timedelta(minutes=index + 1),
            actor=Actor(label="carrier"),
        )
    order.refresh_from_db()
    return order


def context(
    shop: Shop,
    shopper: User | None,
    language: str = "en",
    *,
    currency: str = "EUR",
    failures: int = 0,
    conversation_id: int = 0,
) -> AgentContext:
    return AgentContext(
        shop=shop,
        shopper=shopper,
        language=language,
        currency=currency,
        conversation_id=conversation_id,
        failures=failures,
    )


class Reply:
    def __init__(self, events: list[AgentEvent]) -> None:
        self.events = events

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, Token))

    @property
    def tools(self) -> list[ToolUsed]:
        return [e for e in self.events if isinstance(e, ToolUsed)]

    @property
    def tool(self) -> str | None:
        return self.tools[0].tool if self.tools else None

    @property
    def handoff(self) -> Handoff | None:
        return next((e for e in self.events if isinstance(e, Handoff)), None)

    @property
    def understood(self) -> Understood:
        return next(e for e in self.events if isinstance(e, Understood))


async def ask(agent_context: AgentContext, message: str) -> Reply:
    return Reply([event async for event in respond(agent_context, message)])
