"""Celery tasks for orders: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from shop.orders.emails import order_email_send
from shop.orders.services import reservations_release_expired


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_order_email(order_id: int, kind: str) -> None:
    order_email_send(order_id=order_id, kind=kind)


@shared_task()
def release_expired_reservations() -> int:
    return reservations_release_expired()
