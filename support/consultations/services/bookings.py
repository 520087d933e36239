"""Writes for consultations: hold, confirm, cancel, reschedule bookings and release holds.

Double booking is prevented twice: every service that puts a booking on a calendar locks the
consultant row (``SELECT ... FOR UPDATE``) and checks for overlaps inside the same transaction,
and on PostgreSQL the ``booking_no_overlap_per_consultant`` exclusion constraint rejects any
overlapping held/confirmed row, whoever inserts it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.shops.models import Role
from shop.shops.selectors import shop_ids_for_user
from support.consultations.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingStatus,
    Consultant,
    ConsultationService,
)
from support.consultations.selectors.slots import (
    availability_starts,
    blocking_bookings,
    calls_on_local_day,
    zone_for,
)
from support.consultations.slot_events import (
    local_days,
    open_starts,
    publish_changes_on_commit,
    publish_open_on_commit,
)


class BookingError(ValueError):
    """The booking request was refused; nothing changed. ``code`` is stable for clients."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _lock_consultant(consultant_id: int) -> Consultant:
    return Consultant.objects.select_for_update().get(pk=consultant_id)


def _lock_booking(booking_id: int) -> tuple[Consultant, Booking]:
    """Lock a booking's consultant, then the booking (the order every writer of a
    consultant's time takes, so holds, moves, cancels and late deposits never deadlock).
    Call inside a transaction."""
    consultant_id = Booking.objects.values_list("consultant_id", flat=True).get(pk=booking_id)
    consultant = _lock_consultant(consultant_id)
    booking = Booking.objects.select_for_update().select_related("service").get(pk=booking_id)
    return consultant, booking


def _check_slot(
    *,
    service: ConsultationService,
    consultant: Consultant,
    starts_at: dt.datetime,
    now: dt.datetime,
    exclude_booking_id: int | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """Raise unless ``starts_at`` is an offered, free slot. Caller holds the consultant lock.

    Returns ``(ends_at, blocked_until)``.
    """
    if not service.is_active or not consultant.is_active:
        raise BookingError(_("This consultation is not available."), "unavailable")
    if (
        consultant.shop_id != service.shop_id
        or not consultant.services.filter(pk=service.pk).exists()
    ):
        raise BookingError(_("This consultant does not offer that service."), "unavailable")
    starts_at = starts_at.astimezone(dt.UTC)
    if starts_at < now + dt.timedelta(minutes=service.min_notice_minutes):
        raise BookingError(_("That time is too soon to book."), "too_soon")
    local_day = starts_at.astimezone(consultant.zone).date()
    if starts_at not in availability_starts(service=service, consultant=consultant, day=local_day):
        raise BookingError(_("The consultant is not available at that time."), "not_offered")
    ends_at = starts_at + dt.timedelta(minutes=service.duration_minutes)
    blocked_until = ends_at + dt.timedelta(minutes=service.buffer_minutes)
    overlapping = blocking_bookings(
        consultant_ids=[consultant.pk], start=starts_at, end=blocked_until, now=now
    )
    if exclude_booking_id is not None:
        overlapping = overlapping.exclude(pk=exclude_booking_id)
    if overlapping.exists():
        raise BookingError(_("Someone else just took that time."), "slot_taken")
    taken_that_day = calls_on_local_day(
        consultant=consultant, day=local_day, now=now, exclude_booking_id=exclude_booking_id
    )
    if taken_that_day >= consultant.max_calls_per_day:
        raise BookingError(_("The consultant's day is fully booked."), "day_full")
    return ends_at, blocked_until


def _expire(holds: QuerySet[Booking], *, now: dt.datetime) -> int:
    """Mark the given held bookings expired (one conditional UPDATE; confirmed ones are left
    alone) and publish their consultants' freed days on commit."""
    due = list(
        holds.filter(status=BookingStatus.HELD, hold_expires_at__lte=now).select_related(
            "consultant"
        )
    )
    if not due:
        return 0
    expired = Booking.objects.filter(
        pk__in=[booking.pk for booking in due], status=BookingStatus.HELD, hold_expires_at__lte=now
    ).update(status=BookingStatus.EXPIRED)
    consultant_days: dict[int, set[dt.date]] = {}
    for booking in due:
        consultant_days.setdefault(booking.consultant_id, set()).update(
            local_days(booking.consultant, booking.starts_at)
        )
    publish_open_on_commit(consultant_days=consultant_days, now=now)
    return expired


def _expire_stale_holds(*, consultant_id: int, now: dt.datetime) -> None:
    """Expired holds still count for the exclusion constraint until their status changes."""
    _expire(Booking.objects.filter(consultant_id=consultant_id), now=now)


def booking_hold(
    *,
    service_id: int,
    consultant_id: int,
    buyer: User,
    starts_at: dt.datetime,
    buyer_time_zone: str,
    language: str,
    currency: str | None = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Hold a slot for ``buyer`` for ``CONSULTATION_HOLD_MINUTES``; other viewers lose it.

    Locks the consultant row, then checks availability, notice, overlaps (with buffers) and
    the daily limit. Raises ``BookingError`` (``slot_taken``, ``day_full``, ``not_offered``,
    ``too_soon``, ``unavailable``, ``invalid_time_zone``). ``currency`` is the buyer's display
    currency (deposit, product cards); unknown codes fall back to ``DEFAULT_CURRENCY``.
    Publishes on commit: ``slot.taken`` for every slot of the consultant's services it closes
    (and ``slot.released`` for holds it found expired).
    """
    now = now or timezone.now()
    try:
        zone_for(buyer_time_zone)
    except ValueError as invalid:
        raise BookingError(str(invalid), "invalid_time_zone") from invalid
    if language not in settings.LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    if currency not in settings.CURRENCIES:
        currency = settings.DEFAULT_CURRENCY
    try:
        with transaction.atomic():
            consultant = _lock_consultant(consultant_id)
            service = ConsultationService.objects.get(pk=service_id)
            _expire_stale_holds(consultant_id=consultant.pk, now=now)
            ends_at, blocked_until = _check_slot(
                service=service, consultant=consultant, starts_at=starts_at, now=now
            )
            days = local_days(consultant, starts_at)
            before = open_starts(consultant=consultant, days=days, now=now)
            booking = Booking.objects.create(
                service=service,
                consultant=consultant,
                buyer=buyer,
                starts_at=starts_at.astimezone(dt.UTC),
                ends_at=ends_at,
                blocked_until=blocked_until,
                status=BookingStatus.HELD,
                hold_expires_at=now + dt.timedelta(minutes=settings.CONSULTATION_HOLD_MINUTES),
                scheduled_at=now,
                buyer_time_zone=buyer_time_zone,
                language=language,
                currency=currency,
            )
            after = open_starts(consultant=consultant, days=days, now=now)
            publish_changes_on_commit(consultant_id=consultant.pk, before=before, after=after)
            return booking
    except IntegrityError as clash:
        # The exclusion constraint caught an overlap the lock did not (a writer outside the
        # services); the caller sees the same answer as for a checked overlap.
        raise BookingError(_("Someone else just took that time."), "slot_taken") from clash


def _queue_email(booking: Booking, kind: str) -> None:
    from support.consultations.tasks import send_booking_email

    booking_id, sequence = booking.pk, booking.ics_sequence
    transaction.on_commit(lambda: send_booking_email.delay(booking_id, kind, sequence))


def booking_mark_confirmed(booking: Booking, *, now: dt.datetime) -> Booking:
    """Confirm a locked HELD booking and queue the confirmation e-mail (callers own the lock
    and have checked that the booking may be confirmed)."""
    booking.status = BookingStatus.CONFIRMED
    booking.hold_expires_at = None
    booking.confirmed_at = now
    booking.save(update_fields=["status", "hold_expires_at", "confirmed_at"])
    _queue_email(booking, "confirmed")
    return booking


@transaction.atomic
def booking_confirm(*, booking_id: int, buyer: User, now: dt.datetime | None = None) -> Booking:
    """Turn the buyer's live hold into a confirmed booking. Locks the booking row.

    Services that ask a deposit in the booking's currency are confirmed by the deposit
    order's paid hook instead (``booking_checkout`` starts it): this refuses them with
    ``deposit_required``. Queues the confirmation e-mail (with its ``.ics``) on commit.
    """
    from support.consultations.selectors.bookings import service_deposit

    now = now or timezone.now()
    booking = Booking.objects.select_for_update().select_related("service").get(pk=booking_id)
    if booking.buyer_id != buyer.pk:
        raise BookingError(_("This booking is not yours."), "not_yours")
    if booking.status == BookingStatus.CONFIRMED:
        return booking
    if booking.status != BookingStatus.HELD or (
        booking.hold_expires_at is not None and booking.hold_expires_at <= now
    ):
        raise BookingError(_("The hold on this time has run out."), "hold_expired")
    if service_deposit(booking.service, booking.currency) is not None:
        raise BookingError(_("This consultation needs a deposit first."), "deposit_required")
    return booking_mark_confirmed(booking, now=now)


def _is_shop_staff(user: User, booking: Booking) -> bool:
    if user.is_superuser:
        return True
    allowed = shop_ids_for_user(user, roles={Role.OWNER, Role.CONSULTANT})
    return booking.service.shop_id in allowed


def booking_cancel(*, booking_id: int, actor: User, now: dt.datetime | None = None) -> Booking:
    """Cancel a held or confirmed booking. Locks the consultant row, then the booking row.

    The buyer may cancel a confirmed booking only up to the service's cut-off
    (``too_late_to_cancel``); shop owners and consultants may cancel at any time. Publishes
    ``slot.released`` for the slots it opens, and for a confirmed booking queues the
    cancellation e-mail (``.ics`` METHOD:CANCEL) and the refund of a paid deposit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        consultant, booking = _lock_booking(booking_id)
        by_staff = _is_shop_staff(actor, booking)
        if booking.buyer_id != actor.pk and not by_staff:
            raise BookingError(_("This booking is not yours."), "not_yours")
        if booking.status not in BLOCKING_STATUSES:
            raise BookingError(_("This booking is no longer active."), "not_active")
        cutoff = booking.starts_at - dt.timedelta(hours=booking.service.cancel_cutoff_hours)
        if booking.status == BookingStatus.CONFIRMED and not by_staff and now > cutoff:
            raise BookingError(
                _("It is too late to cancel this consultation."), "too_late_to_cancel"
            )
        days = local_days(consultant, booking.starts_at)
        before = open_starts(consultant=consultant, days=days, now=now)
        was_confirmed = booking.status == BookingStatus.CONFIRMED
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.ics_sequence += 1
        booking.save(update_fields=["status", "cancelled_at", "ics_sequence"])
        after = open_starts(consultant=consultant, days=days, now=now)
        publish_changes_on_commit(consultant_id=consultant.pk, before=before, after=after)
        if was_confirmed:
            _queue_email(booking, "cancelled")
        if booking.deposit_order_id is not None:
            from support.consultations.tasks import refund_booking_deposit

            transaction.on_commit(lambda: refund_booking_deposit.delay(booking_id))
        return booking


def booking_reschedule(
    *, booking_id: int, actor: User, new_starts_at: dt.datetime, now: dt.datetime | None = None
) -> Booking:
    """Move a held or confirmed booking to another free slot of the same consultant.

    Locks the consultant row, then the booking row. The buyer is bound by the service's
    reschedule cut-off (``too_late_to_reschedule``); shop staff are not. The new time must pass
    the same checks as a new hold (``slot_taken``, ``day_full``, ...). Publishes the slots it
    takes and frees; a confirmed booking gets an updated invite (``.ics`` SEQUENCE + 1) and its
    reminders are due again for the new time.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            consultant, booking = _lock_booking(booking_id)
            by_staff = _is_shop_staff(actor, booking)
            if booking.buyer_id != actor.pk and not by_staff:
                raise BookingError(_("This booking is not yours."), "not_yours")
            if booking.status not in BLOCKING_STATUSES:
                raise BookingError(_("This booking is no longer active."), "not_active")
            cutoff = booking.starts_at - dt.timedelta(hours=booking.service.reschedule_cutoff_hours)
            if not by_staff and now > cutoff:
                raise BookingError(
                    _("It is too late to reschedule this consultation."),
                    "too_late_to_reschedule",
                )
            _expire_stale_holds(consultant_id=consultant.pk, now=now)
            ends_at, blocked_until = _check_slot(
                service=booking.service,
                consultant=consultant,
                starts_at=new_starts_at,
                now=now,
                exclude_booking_id=booking.pk,
            )
            days = local_days(consultant, booking.starts_at, new_starts_at)
            before = open_starts(consultant=consultant, days=days, now=now)
            booking.starts_at = new_starts_at.astimezone(dt.UTC)
            booking.ends_at = ends_at
            booking.blocked_until = blocked_until
            booking.scheduled_at = now
            booking.reminder_24h_sent_at = None
            booking.reminder_15m_sent_at = None
            booking.ics_sequence += 1
            booking.save(
                update_fields=[
                    "starts_at",
                    "ends_at",
                    "blocked_until",
                    "scheduled_at",
                    "reminder_24h_sent_at",
                    "reminder_15m_sent_at",
                    "ics_sequence",
                ]
            )
            after = open_starts(consultant=consultant, days=days, now=now)
            publish_changes_on_commit(consultant_id=consultant.pk, before=before, after=after)
            if booking.status == BookingStatus.CONFIRMED:
                _queue_email(booking, "updated")
            return booking
    except IntegrityError as clash:
        raise BookingError(_("Someone else just took that time."), "slot_taken") from clash


@transaction.atomic
def holds_release_expired(*, now: dt.datetime | None = None) -> int:
    """Mark holds past ``hold_expires_at`` as expired (Celery beat). Returns how many.

    A conditional UPDATE: a hold confirmed in the meantime is no longer HELD and is left
    alone. Publishes ``slot.released`` for the open slots of the affected days on commit.
    """
    now = now or timezone.now()
    return _expire(Booking.objects.all(), now=now)
