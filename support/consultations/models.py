"""1v1 consultations: services a shop offers, its consultants' availability, and bookings.

Times of day in availability are the consultant's local wall-clock times (``Consultant.time_zone``);
booking instants are stored in UTC. ``Booking.blocked_until`` is ``ends_at`` plus the service's
buffer: the consultant's calendar is blocked over ``[starts_at, blocked_until)``, which is what the
PostgreSQL exclusion constraint keeps disjoint per consultant.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Func
from django.utils.translation import gettext_lazy as _

from shop.shops.models import Role, Shop, StaffMembership
from support.consultations.constraints import PostgresOnlyExclusionConstraint


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as invalid:
        raise ValidationError(
            _("%(value)s is not an IANA time zone name (e.g. Europe/Paris)."),
            params={"value": value},
            code="invalid_time_zone",
        ) from invalid


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class ConsultationService(models.Model):
    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="consultation_services")
    names = models.JSONField(
        _("names"), default=dict, help_text=_('Per language code, e.g. {"en": "Private viewing"}.')
    )
    descriptions = models.JSONField(_("descriptions"), default=dict, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after each call (minutes)"), default=0
    )
    min_notice_minutes = models.PositiveIntegerField(_("minimum notice (minutes)"), default=120)
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cut-off (hours before)"), default=24
    )
    reschedule_cutoff_hours = models.PositiveSmallIntegerField(
        _("reschedule cut-off (hours before)"), default=24
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop", "pk"]
        verbose_name = _("consultation service")
        verbose_name_plural = _("consultation services")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="consultation_duration_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name_in(self.shop.default_language if self.shop_id else "en")

    def name_in(self, language: str) -> str:
        return str(self.names.get(language) or next(iter(self.names.values()), f"#{self.pk}"))

    def description_in(self, language: str) -> str:
        return str(self.descriptions.get(language) or next(iter(self.descriptions.values()), ""))

    def clean(self) -> None:
        for field in ("names", "descriptions"):
            value = getattr(self, field)
            if not isinstance(value, dict) or any(
                not isinstance(text, str) for text in value.values()
            ):
                raise ValidationError({field: _("Use an object of language code -> text.")})
            unknown = set(value) - set(settings.LANGUAGE_CODES)
            if unknown:
                raise ValidationError({field: _("Unknown languages: %s") % ", ".join(unknown)})
        if not self.names:
            raise ValidationError({"names": _("Give the service a name in at least one language.")})


class ServiceDeposit(models.Model):
    """The deposit for a service in one currency (like ``VariantPrice``)."""

    shop_scope_path = "service__shop"

    service = models.ForeignKey(
        ConsultationService, on_delete=models.CASCADE, related_name="deposits"
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(code, code) for code in settings.CURRENCIES]
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "currency"], name="unique_deposit_currency"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="deposit_not_negative"),
        ]
        verbose_name = _("deposit")
        verbose_name_plural = _("deposits")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Consultant(models.Model):
    """A staff member with the consultant role in ``shop``, bookable for ``services``."""

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="consultants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultant_profiles"
    )
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    max_calls_per_day = models.PositiveSmallIntegerField(_("maximum calls per day"), default=8)
    services = models.ManyToManyField(
        ConsultationService, related_name="consultants", blank=True, verbose_name=_("services")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "user"], name="unique_consultant_per_shop")
        ]
        verbose_name = _("consultant")
        verbose_name_plural = _("consultants")

    def __str__(self) -> str:
        return self.display_name or str(self.user)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self) -> None:
        if (
            self.shop_id
            and self.user_id
            and not StaffMembership.objects.filter(
                shop_id=self.shop_id, user_id=self.user_id, role=Role.CONSULTANT
            ).exists()
        ):
            raise ValidationError({"user": _("This person is not a consultant of the shop.")})


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyAvailability(models.Model):
    """Recurring working hours, in the consultant's local time (same-day windows only)."""

    shop_scope_path = "consultant__shop"

    consultant = models.ForeignKey(
        Consultant, on_delete=models.CASCADE, related_name="weekly_availability"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="weekly_availability_ends_after_start",
            )
        ]
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """One local date that differs from the weekly hours: closed, or open at special hours.

    Every exception row of a date replaces that date's weekly hours; a closed row closes it.
    """

    shop_scope_path = "consultant__shop"

    consultant = models.ForeignKey(Consultant, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    is_closed = models.BooleanField(_("closed all day"), default=True)
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_closed=True)
                | models.Q(
                    start_time__isnull=False,
                    end_time__isnull=False,
                    end_time__gt=models.F("start_time"),
                ),
                name="exception_closed_or_has_hours",
            )
        ]
        verbose_name = _("availability exception")
        verbose_name_plural = _("availability exceptions")

    def __str__(self) -> str:
        if self.is_closed:
            return f"{self.date} closed"
        return f"{self.date} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class BookingStatus(models.TextChoices):
    HELD = "held", _("Held")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Hold expired")
    COMPLETED = "completed", _("Completed")


# Statuses that occupy the consultant's calendar (a HELD row only until ``hold_expires_at``).
BLOCKING_STATUSES = (BookingStatus.HELD, BookingStatus.CONFIRMED)


class Booking(models.Model):
    shop_scope_path = "service__shop"

    service = models.ForeignKey(
        ConsultationService, on_delete=models.PROTECT, related_name="bookings"
    )
    consultant = models.ForeignKey(Consultant, on_delete=models.PROTECT, related_name="bookings")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultation_bookings"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    blocked_until = models.DateTimeField(_("calendar blocked until"))
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.HELD
    )
    hold_expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)
    buyer_time_zone = models.CharField(
        _("buyer time zone"), max_length=64, validators=[validate_time_zone]
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # The buyer's display currency when booking: deposit, pushed cards and the summary e-mail.
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=[(code, code) for code in settings.CURRENCIES],
        default=settings.DEFAULT_CURRENCY,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The deposit, when the service asks for one, is paid through an ordinary checkout order.
    deposit_order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deposit order"),
    )
    # Set once each reminder went out, so a retried beat run never sends it twice.
    reminder_24h_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_15m_sent_at = models.DateTimeField(null=True, blank=True)
    # When the current start time was agreed (hold or reschedule): a time agreed less than 24 h
    # (15 min) ahead gets no 24 h (15 min) reminder.
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # The calendar invite's SEQUENCE (RFC 5545): bumped by every reschedule and the cancel.
    ics_sequence = models.PositiveIntegerField(default=0)
    # Keys ("confirmed:0", "updated:1", ...) of the e-mails sent, so a retried task sends once.
    emails_sent = models.JSONField(default=list, blank=True)
    call_started_at = models.DateTimeField(_("call started at"), null=True, blank=True)
    call_ended_at = models.DateTimeField(_("call ended at"), null=True, blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["consultant", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at"))
                & models.Q(blocked_until__gte=models.F("ends_at")),
                name="booking_times_ordered",
            ),
            PostgresOnlyExclusionConstraint(
                name="booking_no_overlap_per_consultant",
                expressions=[
                    (
                        TsTzRange("starts_at", "blocked_until", RangeBoundary()),
                        RangeOperators.OVERLAPS,
                    ),
                    ("consultant", RangeOperators.EQUAL),
                ],
                condition=models.Q(status__in=["held", "confirmed"]),
            ),
        ]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")

    def __str__(self) -> str:
        return f"{self.service} with {self.consultant} at {self.starts_at:%Y-%m-%d %H:%M} UTC"


class CallMessage(models.Model):
    """A chat line in a consultation call (kept so a reconnecting party sees the history)."""

    shop_scope_path = "booking__service__shop"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("text"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("call message")
        verbose_name_plural = _("call messages")

    def __str__(self) -> str:
        return self.text[:60]


class CallProduct(models.Model):
    """A product the consultant pushed to the buyer's screen during the call."""

    shop_scope_path = "booking__service__shop"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="products_shown")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    shown_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    shown_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shown_at", "id"]
        verbose_name = _("product shown")
        verbose_name_plural = _("products shown")

    def __str__(self) -> str:
        return f"product {self.product_id} shown in booking {self.booking_id}"


class CallConnectSample(models.Model):
    """Click-to-first-remote-frame time one party's page measured and reported."""

    shop_scope_path = "booking__service__shop"

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="connect_samples")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    connect_ms = models.PositiveIntegerField(_("click to first remote frame (ms)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.connect_ms} ms"


class BuyerNote(models.Model):
    """A consultant's note about a buyer, private to the shop (optionally from one call)."""

    shop_scope_path = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="buyer_notes")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes_about_me"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    booking = models.ForeignKey(
        Booking, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    text = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shop", "buyer"])]
        verbose_name = _("buyer note")
        verbose_name_plural = _("buyer notes")

    def __str__(self) -> str:
        return self.text[:60]
