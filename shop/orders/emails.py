"""Order e-mails in the shopper's language, with a signed link to the order page."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from shop.orders.models import Order, OrderEvent
from shop.orders.selectors import order_access_token
from shop.pricing.money import Money

KINDS = {"paid", "shipped", "refunded"}


def order_link(order: Order) -> str:
    with translation.override(order.language):
        path = reverse("orders:detail", args=[order.number])
    return f"{settings.SITE_URL}{path}?token={order_access_token(order)}"


def order_email_send(*, order_id: int, kind: str) -> bool:
    """Send the ``kind`` e-mail once (a retried task finds its event and stops)."""
    if kind not in KINDS:
        raise ValueError(f"unknown order e-mail {kind!r}")
    order = (
        Order.objects.select_related("shop").prefetch_related("lines", "shipments").get(pk=order_id)
    )
    if OrderEvent.objects.filter(order=order, kind=f"email:{kind}").exists():
        return False
    with translation.override(order.language):
        context = {
            "order": order,
            "link": order_link(order),
            "total": Money(order.total, order.currency),
            "shipment": order.shipments.last(),
        }
        subject = render_to_string(f"emails/order_{kind}_subject.txt", context).strip()
        body = render_to_string(f"emails/order_{kind}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.email])
    OrderEvent.objects.create(
        order=order, kind=f"email:{kind}", actor_label="system", message=subject
    )
    return True
