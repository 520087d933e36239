"""Writes for the consultation call: join links, media grants, chat, product cards, connect
times, ending the call, notes after it and the summary e-mail.

Every service here takes a booking the caller already got from ``access_call`` (the two
parties only); services that only the consultant may use check the role themselves. Events go
out through ``support.consultations.call_events`` after commit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liverooms.media.services import (
    MediaError,
    relay_call_sync,
    relay_token,
    relay_url_for,
)
from liverooms.realtime import events as realtime
from shop.accounts.models import User
from shop.catalog.models import Product, ProductStatus
from shop.catalog.selectors import product_view, with_display_data
from shop.pricing.selectors import FxTable
from support.consultations import call_events
from support.consultations.models import (
    Booking,
    BookingStatus,
    BuyerNote,
    CallConnectSample,
    CallMessage,
    CallProduct,
)
from support.consultations.selectors.calls import (
    CALL_GRACE_AFTER,
    CallRole,
    CallState,
    call_message_event,
    call_opens_at,
    call_party_name,
    call_products_shown,
    call_relay_room,
    call_role,
    call_state,
)
from support.consultations.services.notes import buyer_note_add

logger = logging.getLogger(__name__)

JOIN_LINK_SALT = "consultations.call.join"
# How long a signed join link works after it was made: the 15-minute reminder carries one.
JOIN_LINK_MAX_AGE = dt.timedelta(minutes=getattr(settings, "CONSULTATION_JOIN_LINK_MINUTES", 90))


class CallError(ValueError):
    """A call action was refused; nothing changed. ``code`` is stable (docs/protocol.md)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# Join links --------------------------------------------------------------------------------


class JoinLinkError(ValueError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code  # link_expired, link_invalid


def call_join_token(*, booking: Booking, user: User) -> str:
    """A signed, timestamped token naming the booking and the party it was made for."""
    signer = signing.TimestampSigner(salt=JOIN_LINK_SALT)
    return signer.sign_object({"b": booking.pk, "u": user.pk})


def call_join_url(*, booking: Booking, user: User, absolute: bool = True) -> str:
    """The call page with a join token for ``user`` (for e-mails and reminders)."""
    with translation.override(booking.language):
        path = reverse("consultations:call", args=[booking.pk])
    link = f"{path}?t={call_join_token(booking=booking, user=user)}"
    return f"{settings.SITE_URL}{link}" if absolute else link


def call_join_token_user(*, token: str, booking_id: int) -> int:
    """The user id a join token was made for. Raises ``JoinLinkError`` when the token is
    forged or altered (``link_invalid``), for another booking (``link_invalid``) or older
    than ``JOIN_LINK_MAX_AGE`` (``link_expired``)."""
    signer = signing.TimestampSigner(salt=JOIN_LINK_SALT)
    try:
        data = signer.unsign_object(token, max_age=JOIN_LINK_MAX_AGE)
    except signing.SignatureExpired as expired:
        raise JoinLinkError(_("This join link has expired."), "link_expired") from expired
    except (signing.BadSignature, ValueError, TypeError) as bad:
        raise JoinLinkError(_("This join link is not valid."), "link_invalid") from bad
    if (
        not isinstance(data, dict)
        or data.get("b") != booking_id
        or not isinstance(data.get("u"), int)
    ):
        raise JoinLinkError(_("This join link is not valid."), "link_invalid")
    return int(data["u"])


# Media ---------------------------------------------------------------------------------------


def _require_open(booking: Booking) -> None:
    state = call_state(booking)
    if state != CallState.OPEN:
        raise CallError(_("The call is not open."), "call_closed")


def call_rtc_grant(*, booking: Booking, user: User) -> tuple[str, str]:
    """(relay URL, token) to publish and subscribe in the call's private two-party room.

    Raises ``CallError(call_closed)`` outside the call's window, ``MediaError`` when no relay
    node is available."""
    _require_open(booking)
    relay_room = call_relay_room(booking)
    token = relay_token(
        relay_room,
        f"user-{user.pk}",
        name=call_party_name(user, booking),
        publish=True,
        subscribe=True,
        kind="private",
    )
    return relay_url_for(relay_room), token


def call_started(*, booking_id: int, now: dt.datetime | None = None) -> None:
    """The first media of the call reached the relay: ``call_started_at`` (once)."""
    Booking.objects.filter(pk=booking_id, call_started_at__isnull=True).update(
        call_started_at=now or timezone.now()
    )


def _publishers_key(booking_id: int) -> str:
    return f"{settings.REALTIME_PREFIX}:call:{booking_id}:publishers"


def call_publishers(booking_id: int) -> list[dict[str, str]]:
    """Who sends media in the call now (``rtc.publishers``): identity and name."""
    raw = realtime.sync_client().hgetall(_publishers_key(booking_id))
    listed = [json.loads(value) for value in raw.values()]
    return sorted(
        ({"identity": entry["identity"], "name": entry["name"]} for entry in listed),
        key=lambda entry: entry["identity"],
    )


def call_publisher_add(*, booking_id: int, identity: str, name: str, peer_id: str) -> None:
    """Record ``peer_id`` as ``identity``'s publishing connection (a newer one replaces it)."""
    client = realtime.sync_client()
    key = _publishers_key(booking_id)
    client.hset(key, identity, json.dumps({"identity": identity, "name": name, "peer": peer_id}))
    client.expire(key, 12 * 3600)


def call_publisher_remove(*, booking_id: int, identity: str, peer_id: str) -> bool:
    """Forget ``identity`` as a publisher if ``peer_id`` is still its connection (a page that
    published again on a new socket keeps its entry). True when the list changed."""
    client = realtime.sync_client()
    key = _publishers_key(booking_id)
    current = client.hget(key, identity)
    if current is None or json.loads(current).get("peer") != peer_id:
        return False
    client.hdel(key, identity)
    return True


# Chat, product cards, connect times ---------------------------------------------------------


@transaction.atomic
def call_message_post(*, booking: Booking, sender: User, text: str) -> dict[str, Any]:
    """Store a chat line and send it to both parties (``chat.message``) after commit."""
    _require_open(booking)
    text = text.strip()
    if not text:
        raise CallError(_("Write something first."), "invalid_message")
    line = CallMessage.objects.create(booking=booking, sender=sender, text=text[:2000])
    line.sender = sender
    event = call_message_event(line, booking)
    call_events.publish_on_commit(booking.pk, "chat.message", event)
    return event


def call_product_card(*, product: Product, currency: str, language: str) -> dict[str, Any]:
    """A product card in the buyer's language and currency: price formatted on the server with
    the shop's explicit price or FX (shop.pricing), stock state and variants for the drawer."""
    view = product_view(product, language=language, currency=currency, fx=FxTable())
    price = view.from_price
    with translation.override(language):
        url = reverse("storefront:product", args=[view.shop_slug, view.slug])
    return {
        "id": view.id,
        "name": view.name,
        "image": view.thumbnail,
        "url": url,
        "currency": currency,
        "price": price.money.format(language) if price is not None else "",
        "price_amount": str(price.money.amount) if price is not None else None,
        "price_from": view.has_price_range,
        "stock_state": view.stock_state,
        "variants": [
            {"id": v.id, "label": " / ".join(v.options.values()) or v.sku, "stock": v.stock}
            for v in view.variants
        ],
    }


def _shop_product(booking: Booking, product_id: int) -> Product:
    product = (
        with_display_data(
            Product.objects.filter(
                pk=product_id, shop_id=booking.service.shop_id, status=ProductStatus.PUBLISHED
            )
        )
    ).first()
    if product is None:
        raise CallError(_("No such product in this shop."), "product_not_found")
    return product


@transaction.atomic
def call_product_push(*, booking: Booking, actor: User, product_id: int) -> dict[str, Any]:
    """Consultant only: show a published product of the shop on the buyer's screen.

    Stores a ``CallProduct`` (the summary e-mail lists them) and publishes ``product.pushed``
    with the card in the booking's currency and language after commit. Raises ``CallError``
    (``consultant_only``, ``product_not_found``, ``call_closed``)."""
    if call_role(actor, booking) != CallRole.CONSULTANT:
        raise CallError(_("Only the consultant can show products."), "consultant_only")
    _require_open(booking)
    product = _shop_product(booking, product_id)
    shown = CallProduct.objects.create(booking=booking, product=product, shown_by=actor)
    card = call_product_card(product=product, currency=booking.currency, language=booking.language)
    event = {"product": card, "shown_at": shown.shown_at.isoformat()}
    call_events.publish_on_commit(booking.pk, "product.pushed", event)
    return event


def call_product_cards(booking: Booking) -> list[dict[str, Any]]:
    """The cards shown so far (each product once), for the snapshot a joining party gets."""
    shown = call_products_shown(booking)
    products = {
        product.pk: product
        for product in with_display_data(
            Product.objects.filter(pk__in=[item.product_id for item in shown])
        )
    }
    return [
        call_product_card(
            product=products[item.product_id],
            currency=booking.currency,
            language=booking.language,
        )
        for item in shown
        if item.product_id in products
    ]


def call_connect_record(*, booking: Booking, user: User, connect_ms: int) -> CallConnectSample:
    """Store one party's click-to-first-remote-frame time."""
    return CallConnectSample.objects.create(booking=booking, user=user, connect_ms=connect_ms)


# Ending, notes, summary ---------------------------------------------------------------------


def call_end(*, booking: Booking, actor: User, now: dt.datetime | None = None) -> Booking:
    """Consultant only: the booking becomes completed (``call_ended_at``), both pages hear
    ``call.ended``, the relay closes the call's room and the summary e-mail is queued.

    Locks the booking row. Ending an ended call changes nothing. Raises ``CallError``
    (``consultant_only``, ``call_closed`` when it was cancelled or never opened)."""
    from support.consultations.tasks import send_call_summary

    now = now or timezone.now()
    if call_role(actor, booking) != CallRole.CONSULTANT:
        raise CallError(_("Only the consultant can end the call."), "consultant_only")
    with transaction.atomic():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.call_ended_at is not None:
            return locked
        if locked.status != BookingStatus.CONFIRMED or now < call_opens_at(locked):
            raise CallError(_("The call is not open."), "call_closed")
        locked.status = BookingStatus.COMPLETED
        locked.call_ended_at = now
        locked.save(update_fields=["status", "call_ended_at"])
        call_events.publish_on_commit(locked.pk, "call.ended", {"ended_at": now.isoformat()})
        transaction.on_commit(lambda: send_call_summary.delay(locked.pk))
        transaction.on_commit(lambda: _close_relay_room(locked.pk))
    return locked


def calls_complete_overdue(*, now: dt.datetime | None = None) -> int:
    """Complete calls that took place but were never ended (Celery beat): confirmed bookings
    whose call started and whose grace period after ``ends_at`` ran out. Each is completed as
    ``call_end`` would (``call.ended``, relay room closed, summary queued). Rows are locked one
    at a time (``SKIP LOCKED``: a consultant ending the call right now wins). Returns how many.
    """
    from support.consultations.tasks import send_call_summary

    now = now or timezone.now()
    due = Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        call_started_at__isnull=False,
        call_ended_at__isnull=True,
        ends_at__lt=now - CALL_GRACE_AFTER,
    ).values_list("pk", flat=True)
    completed = 0
    for booking_id in list(due[:500]):
        with transaction.atomic():
            booking = (
                Booking.objects.select_for_update(skip_locked=True)
                .filter(pk=booking_id, status=BookingStatus.CONFIRMED, call_ended_at__isnull=True)
                .first()
            )
            if booking is None:
                continue
            booking.status = BookingStatus.COMPLETED
            booking.call_ended_at = now
            booking.save(update_fields=["status", "call_ended_at"])
            call_events.publish_on_commit(booking.pk, "call.ended", {"ended_at": now.isoformat()})
            transaction.on_commit(lambda pk=booking.pk: send_call_summary.delay(pk))
            transaction.on_commit(lambda pk=booking.pk: _close_relay_room(pk))
            completed += 1
    return completed


def _close_relay_room(booking_id: int) -> None:
    relay_room = call_relay_room(booking_id)
    try:
        relay_call_sync(
            relay_url_for(relay_room),
            f"/v1/rooms/{relay_room}/close",
            {"token": relay_token(relay_room, "web", admin=True, subscribe=False, kind="private")},
        )
    except MediaError as failed:
        logger.info("closing the relay room of call %s: %s", booking_id, failed)
    realtime.sync_client().delete(_publishers_key(booking_id))


def call_note_add(*, booking: Booking, author: User, text: str) -> BuyerNote:
    """The consultant's note about the buyer from this call (``buyer_note_add`` checks it)."""
    if call_role(author, booking) != CallRole.CONSULTANT:
        raise CallError(_("Only the consultant can write notes."), "consultant_only")
    return buyer_note_add(
        shop=booking.service.shop, buyer=booking.buyer, author=author, text=text, booking=booking
    )


def call_summary_send(*, booking_id: int) -> bool:
    """E-mail the buyer, in their language, the products shown with prices in their currency
    and links. Sent once: the booking row is locked and ``summary_sent_at`` set in the same
    transaction (a retried task finds it set and stops). False when not sent (already sent, or
    the call was never held)."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("service__shop", "consultant__user", "buyer")
            .get(pk=booking_id)
        )
        if booking.summary_sent_at is not None or booking.call_ended_at is None:
            return False
        products = [
            {**card, "link": f"{settings.SITE_URL}{card['url']}"}
            for card in call_product_cards(booking)
        ]
        with translation.override(booking.language):
            context = {
                "booking": booking,
                "shop": booking.service.shop,
                "service": booking.service.name_in(booking.language),
                "consultant": call_party_name(booking.consultant.user, booking),
                "buyer_name": booking.buyer.get_full_name(),
                "products": products,
                "when": booking.starts_at.astimezone(_zone(booking.buyer_time_zone)),
            }
            subject = render_to_string("emails/consultation_summary_subject.txt", context)
            body = render_to_string("emails/consultation_summary.txt", context)
        send_mail(
            " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [booking.buyer.email]
        )
        booking.summary_sent_at = timezone.now()
        booking.save(update_fields=["summary_sent_at"])
    return True


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC
