"""Writes for the consultant side: notes a shop keeps about a buyer."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.shops.models import Shop
from shop.shops.selectors import shop_ids_for_user
from support.consultations.models import Booking, BuyerNote
from support.consultations.selectors.consultant import buyer_has_dealt_with_shop

NOTE_MAX_LENGTH = 5000


class NoteError(ValueError):
    """A note that cannot be saved; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@transaction.atomic
def buyer_note_add(
    *, shop: Shop, buyer: User, author: User, text: str, booking: Booking | None = None
) -> BuyerNote:
    """Add a note private to ``shop`` about ``buyer``, optionally tied to one of their bookings.

    Preconditions: ``author`` is staff of ``shop`` (or a superuser); ``buyer`` booked with or
    ordered from ``shop``; ``booking``, if given, is ``buyer``'s booking with ``shop``. The text
    is stripped and must be 1..``NOTE_MAX_LENGTH`` characters. Takes no locks, publishes nothing.
    Raises ``NoteError``.
    """
    if not author.is_superuser and shop.pk not in shop_ids_for_user(author):
        raise NoteError("not_staff", _("Only staff of this shop can write notes about its buyers."))
    text = (text or "").strip()
    if not text:
        raise NoteError("empty", _("Write something in the note."))
    if len(text) > NOTE_MAX_LENGTH:
        raise NoteError(
            "too_long",
            _("A note can be at most %(limit)d characters (this one has %(length)d).")
            % {"limit": NOTE_MAX_LENGTH, "length": len(text)},
        )
    if booking is not None and (
        booking.buyer_id != buyer.pk
        or Booking.objects.filter(pk=booking.pk, service__shop=shop).count() == 0
    ):
        raise NoteError("wrong_booking", _("That booking is not this buyer's booking with you."))
    if not buyer_has_dealt_with_shop(shop=shop, buyer=buyer):
        raise NoteError("not_a_buyer", _("This person has not booked or ordered with your shop."))
    return BuyerNote.objects.create(
        shop=shop, buyer=buyer, author=author, booking=booking, text=text
    )
