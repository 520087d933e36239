"""Booking e-mails in the buyer's language: confirmation, update and cancellation (each with
an ``.ics`` invite) and the 24 h / 15 min reminders. Times are shown in the buyer's zone."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from support.consultations.ics import Invite, invite_ics
from support.consultations.models import Booking
from support.consultations.selectors.bookings import local_time

INVITE_KINDS = {"confirmed", "updated", "cancelled"}
REMINDER_KINDS = {"reminder_24h", "reminder_15m"}
KINDS = INVITE_KINDS | REMINDER_KINDS


def join_url(booking: Booking) -> str:
    """The call page, absolute, in the buyer's language."""
    with translation.override(booking.language):
        try:
            path = reverse("consultations:call", args=[booking.pk])
        except NoReverseMatch:
            path = f"/{booking.language}/consultations/{booking.pk}/call/"
    return f"{settings.SITE_URL}{path}"


def _join_url_for(booking: Booking, kind: str) -> str:
    """The 15-minute reminder carries a signed join link (valid ``JOIN_LINK_MAX_AGE``, long
    enough for the call) so the buyer gets in from a phone without signing in; invites, which
    may be opened weeks later, link to the plain page."""
    if kind != "reminder_15m":
        return join_url(booking)
    from support.consultations.services.calls import call_join_url

    return call_join_url(booking=booking, user=booking.buyer)


def mine_url(booking: Booking) -> str:
    with translation.override(booking.language):
        return f"{settings.SITE_URL}{reverse('consultations:mine')}"


def invite_uid(booking: Booking) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "showroom.local"
    return f"consultation-{booking.pk}@{host}"


def booking_invite(booking: Booking, *, cancel: bool, now: dt.datetime | None = None) -> str:
    service = booking.service
    with translation.override(booking.language):
        summary = translation.gettext("%(service)s with %(shop)s") % {
            "service": service.name_in(booking.language),
            "shop": service.shop.name,
        }
        description = translation.gettext("Join the video call: %(url)s") % {
            "url": join_url(booking)
        }
    return invite_ics(
        Invite(
            uid=invite_uid(booking),
            sequence=booking.ics_sequence,
            method="CANCEL" if cancel else "REQUEST",
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            stamp=now or timezone.now(),
            summary=summary,
            description=description,
            url=join_url(booking),
            organizer_name=service.shop.name,
            organizer_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@showroom.local",
            attendee_email=booking.buyer.email,
        )
    )


def build_message(booking: Booking, kind: str) -> EmailMultiAlternatives:
    if kind not in KINDS:
        raise ValueError(f"unknown booking e-mail {kind!r}")
    template = "reminder" if kind in REMINDER_KINDS else kind
    zone = local_time(booking.starts_at, booking.buyer_time_zone).tzinfo
    with translation.override(booking.language), timezone.override(zone):
        context = {
            "booking": booking,
            "kind": kind,
            "service_name": booking.service.name_in(booking.language),
            "shop": booking.service.shop,
            "consultant": str(booking.consultant),
            "starts": local_time(booking.starts_at, booking.buyer_time_zone),
            "ends": local_time(booking.ends_at, booking.buyer_time_zone),
            "time_zone": booking.buyer_time_zone,
            "join_url": _join_url_for(booking, kind),
            "mine_url": mine_url(booking),
        }
        subject = render_to_string(f"emails/consultation_{template}_subject.txt", context)
        body = render_to_string(f"emails/consultation_{template}.txt", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [booking.buyer.email]
    )
    if kind in INVITE_KINDS:
        method = "CANCEL" if kind == "cancelled" else "REQUEST"
        ics = booking_invite(booking, cancel=kind == "cancelled")
        message.attach("invite.ics", ics, f"text/calendar; charset=utf-8; method={method}")
    return message


def booking_email_send(*, booking_id: int, kind: str, sequence: int = 0) -> bool:
    """Send the ``kind`` invite e-mail for the booking's invite ``sequence`` once.

    Locks the booking row while sending; the key ``<kind>:<sequence>`` in ``emails_sent``
    makes a retried task stop. An e-mail queued for an older sequence (the booking moved
    again since) is skipped: the newer one carries the current time.
    """
    if kind not in INVITE_KINDS:
        raise ValueError(f"unknown booking e-mail {kind!r}")
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("service", "service__shop", "consultant", "buyer")
            .get(pk=booking_id)
        )
        key = f"{kind}:{sequence}"
        if key in booking.emails_sent or booking.ics_sequence != sequence:
            return False
        build_message(booking, kind).send()
        booking.emails_sent = [*booking.emails_sent, key]
        booking.save(update_fields=["emails_sent"])
    return True


def booking_reminder_send(booking: Booking, kind: str) -> None:
    if kind not in REMINDER_KINDS:
        raise ValueError(f"unknown reminder {kind!r}")
    build_message(booking, kind).send()
