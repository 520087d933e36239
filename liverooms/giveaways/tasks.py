"""Celery tasks for giveaways: the timed close and the winners' e-mails."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation


@shared_task(acks_late=True)
def close_giveaway(giveaway_id: int) -> None:
    """Queued with an ETA at ``closes_at``; running early changes nothing (the service
    checks the time, and entries are refused after ``closes_at`` anyway)."""
    from liverooms.giveaways.models import Giveaway
    from liverooms.giveaways.services import giveaway_close

    if Giveaway.objects.filter(pk=giveaway_id).exists():
        giveaway_close(giveaway_id=giveaway_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notify_giveaway_winners(giveaway_id: int) -> int:
    """E-mail each winner once, in their language (their preference, else the room's)."""
    from liverooms.giveaways.models import GiveawayWinner

    sent = 0
    winners = GiveawayWinner.objects.filter(
        giveaway_id=giveaway_id, notified_at__isnull=True
    ).select_related("giveaway__room__shop", "entry__user")
    for winner in winners:
        user, giveaway = winner.entry.user, winner.giveaway
        language = user.preferred_language or giveaway.room.language
        with translation.override(language):
            context = {
                "giveaway": giveaway,
                "room": giveaway.room,
                "entry": winner.entry,
                "prizes_url": settings.SITE_URL + reverse("giveaways:prizes"),
                "verify_url": settings.SITE_URL
                + reverse("giveaways:record", args=[giveaway.room.slug, giveaway.pk]),
            }
            subject = render_to_string("emails/giveaway_won_subject.txt", context).strip()
            body = render_to_string("emails/giveaway_won.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        GiveawayWinner.objects.filter(pk=winner.pk).update(notified_at=timezone.now())
        sent += 1
    return sent
