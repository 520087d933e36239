"""Reads for the consultation call: who may join, whether the call is open, and what a party
sees when it joins (chat history, products shown)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from liverooms.rooms.selectors import display_name
from shop.accounts.models import User
from support.consultations.models import Booking, BookingStatus, CallMessage, CallProduct

# The call opens this long before ``starts_at`` and closes this long after ``ends_at``.
CALL_OPENS_BEFORE = dt.timedelta(minutes=getattr(settings, "CONSULTATION_CALL_OPENS_MINUTES", 10))
CALL_GRACE_AFTER = dt.timedelta(minutes=getattr(settings, "CONSULTATION_CALL_GRACE_MINUTES", 30))
HISTORY_LIMIT = 200


class NotACallParty(PermissionDenied):
    """Signed in, but neither the booking's buyer nor its assigned consultant."""


class CallState(enum.StrEnum):
    WAITING = "waiting"  # earlier than CALL_OPENS_BEFORE before the start
    OPEN = "open"
    ENDED = "ended"  # the consultant ended it, or the grace period after ends_at ran out
    CANCELLED = "cancelled"  # cancelled, never confirmed, or the hold expired


class CallRole(enum.StrEnum):
    BUYER = "buyer"
    CONSULTANT = "consultant"


def access_call(user: User | AnonymousUser, booking_id: int) -> Booking:
    """The booking when ``user`` is its buyer or its assigned consultant.

    Raises ``Booking.DoesNotExist`` for an unknown booking and ``NotACallParty`` for anyone
    else: another buyer, another consultant or owner of the same shop, another shop's staff,
    anonymous visitors. Superusers are not let in either: the call is private to two people.
    """
    booking = (
        Booking.objects.select_related("service__shop", "consultant__user", "buyer")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        raise Booking.DoesNotExist
    if not user.is_authenticated or call_role(user, booking) is None:
        raise NotACallParty
    return booking


def call_role(user: User | AnonymousUser, booking: Booking) -> CallRole | None:
    if not user.is_authenticated:
        return None
    if booking.consultant.user_id == user.pk:
        return CallRole.CONSULTANT
    if booking.buyer_id == user.pk:
        return CallRole.BUYER
    return None


def call_state(booking: Booking, now: dt.datetime | None = None) -> CallState:
    now = now or timezone.now()
    if booking.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED, BookingStatus.HELD):
        return CallState.CANCELLED
    if booking.status == BookingStatus.COMPLETED or booking.call_ended_at is not None:
        return CallState.ENDED
    if now < booking.starts_at - CALL_OPENS_BEFORE:
        return CallState.WAITING
    if now > booking.ends_at + CALL_GRACE_AFTER:
        return CallState.ENDED
    return CallState.OPEN


def call_opens_at(booking: Booking) -> dt.datetime:
    return booking.starts_at - CALL_OPENS_BEFORE


def call_relay_room(booking: Booking | int) -> str:
    """The relay's private two-party room of the call."""
    return f"call-{booking if isinstance(booking, int) else booking.pk}"


def call_party_name(user: User, booking: Booking) -> str:
    """What the other party sees: the consultant's display name, the buyer's full name (the
    consultant knows whom they meet), else the room's pseudonym; never the e-mail address."""
    if user.pk == booking.consultant.user_id and booking.consultant.display_name:
        return booking.consultant.display_name
    return str(user.get_full_name() or display_name(user))


def call_messages(booking: Booking) -> list[dict[str, Any]]:
    """The newest ``HISTORY_LIMIT`` chat lines, oldest first (sent on join)."""
    lines = list(
        CallMessage.objects.filter(booking=booking)
        .select_related("sender")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )
    return [call_message_event(line, booking) for line in reversed(lines)]


def call_message_event(line: CallMessage, booking: Booking) -> dict[str, Any]:
    return {
        "id": line.pk,
        "sender": f"user-{line.sender_id}",
        "author": call_party_name(line.sender, booking),
        "text": line.text,
        "created_at": line.created_at.isoformat(),
    }


def call_products_shown(booking: Booking) -> list[CallProduct]:
    """Each product shown in the call once (its first showing), in the order shown."""
    seen: set[int] = set()
    shown: list[CallProduct] = []
    for item in CallProduct.objects.filter(booking=booking).select_related("product"):
        if item.product_id not in seen:
            seen.add(item.product_id)
            shown.append(item)
    return shown


def call_shop_products(booking: Booking, language: str) -> list[tuple[int, str]]:
    """(id, name) of the shop's published products, for the consultant's picker."""
    from shop.catalog.models import Product, ProductStatus
    from shop.catalog.selectors import product_text

    products = (
        Product.objects.filter(shop_id=booking.service.shop_id, status=ProductStatus.PUBLISHED)
        .select_related("shop")
        .prefetch_related("translations")
        .order_by("-published_at", "pk")[:300]
    )
    return [(product.pk, product_text(product, language)[0]) for product in products]


def call_connect_times(booking: Booking) -> list[int]:
    """Connect times (ms) the parties' pages reported for this call, oldest first."""
    from support.consultations.models import CallConnectSample

    return list(
        CallConnectSample.objects.filter(booking=booking).values_list("connect_ms", flat=True)
    )
