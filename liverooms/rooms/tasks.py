"""Celery tasks for rooms."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from liverooms.rooms.models import LiveRoom, RoomReminder


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_room_reminders(room_id: int) -> int:
    """E-mail everyone who asked to be reminded; each reminder is sent once."""
    room = LiveRoom.objects.select_related("shop").get(pk=room_id)
    sent = 0
    for reminder in RoomReminder.objects.filter(room=room, sent_at__isnull=True):
        with translation.override(reminder.language):
            url = settings.SITE_URL + reverse("rooms:room", args=[room.slug])
            context = {"room": room, "url": url}
            subject = render_to_string("emails/room_live_subject.txt", context).strip()
            body = render_to_string("emails/room_live.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [reminder.email])
        RoomReminder.objects.filter(pk=reminder.pk).update(sent_at=timezone.now())
        sent += 1
    return sent


@shared_task(acks_late=True)
def end_flash_deal(deal_id: int) -> None:
    from liverooms.rooms.deals import flash_deal_end
    from liverooms.rooms.models import FlashDeal

    deal = FlashDeal.objects.filter(pk=deal_id).first()
    # Ran early (eager mode, clock skew): buyers are refused after ends_at anyway.
    if deal is not None and deal.ends_at <= timezone.now() + timezone.timedelta(seconds=1):
        flash_deal_end(deal_id=deal_id)
