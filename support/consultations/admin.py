"""Merchant admin for consultation services, consultants, their hours and bookings (shop-scoped)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.shops.admin import ShopScopedAdmin, ShopScopedInline
from shop.shops.models import Role
from support.consultations.models import (
    AvailabilityException,
    Booking,
    BuyerNote,
    Consultant,
    ConsultationService,
    ServiceDeposit,
    WeeklyAvailability,
)
from support.consultations.selectors.consultant import week_start_for


class DepositInline(ShopScopedInline, admin.TabularInline):
    model = ServiceDeposit
    shop_path = "service__shop"
    parent_shop_path = "shop"
    extra = 0


@admin.register(ConsultationService)
class ConsultationServiceAdmin(ShopScopedAdmin):
    list_display = (
        "__str__",
        "shop",
        "duration_minutes",
        "buffer_minutes",
        "cancel_cutoff_hours",
        "is_active",
    )
    list_filter = ("is_active",)
    inlines = [DepositInline]


class WeeklyAvailabilityInline(ShopScopedInline, admin.TabularInline):
    model = WeeklyAvailability
    shop_path = "consultant__shop"
    parent_shop_path = "shop"
    extra = 0


class AvailabilityExceptionInline(ShopScopedInline, admin.TabularInline):
    model = AvailabilityException
    shop_path = "consultant__shop"
    parent_shop_path = "shop"
    extra = 0


@admin.register(Consultant)
class ConsultantAdmin(ShopScopedAdmin):
    list_display = ("__str__", "shop", "time_zone", "max_calls_per_day", "is_active")
    list_filter = ("is_active",)
    filter_horizontal = ("services",)
    inlines = [WeeklyAvailabilityInline, AvailabilityExceptionInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            # Only people with the consultant role, and only in the admin user's shops.
            users = User.objects.filter(memberships__role=Role.CONSULTANT)
            shop_ids = self._shop_ids(request)
            if shop_ids is not None:
                users = users.filter(memberships__shop_id__in=shop_ids)
            kwargs["queryset"] = users.distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MyBookingsFilter(admin.SimpleListFilter):
    """ "My calls": the bookings of the signed-in consultant (shown only to consultants)."""

    title = _("consultant")
    parameter_name = "mine"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if Consultant.objects.filter(user_id=request.user.pk).exists():
            return [("1", str(_("My calls")))]
        return []

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "1":
            return queryset.filter(consultant__user_id=request.user.pk)
        return queryset


def _buyer_profile_url(*, buyer_id: int, shop_id: int) -> str:
    return f"{reverse('consultations:buyer_profile', args=[buyer_id])}?shop={shop_id}"


@admin.register(Booking)
class BookingAdmin(ShopScopedAdmin):
    """Bookings are made and changed through the booking services; the admin shows them."""

    shop_path = "service__shop"
    list_display = (
        "starts_at",
        "service",
        "consultant",
        "buyer_link",
        "status",
        "buyer_time_zone",
        "calendar_link",
    )
    list_filter = (MyBookingsFilter, "status", ("consultant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("service", "consultant__user", "buyer")
    search_fields = ("buyer__email",)
    date_hierarchy = "starts_at"
    readonly_fields = ("buyer_link", "calendar_link")

    @admin.display(description=_("buyer"), ordering="buyer__email")
    def buyer_link(self, booking: Booking) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            _buyer_profile_url(buyer_id=booking.buyer_id, shop_id=booking.service.shop_id),
            booking.buyer,
        )

    @admin.display(description=_("calendar"))
    def calendar_link(self, booking: Booking) -> str:
        week = week_start_for(booking.starts_at.astimezone(booking.consultant.zone).date())
        url = reverse("consultations:calendar")
        return format_html(
            '<a href="{}?consultant={}&amp;week={}">{}</a>',
            url,
            booking.consultant_id,
            week.isoformat(),
            _("Open in calendar"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BuyerNote)
class BuyerNoteAdmin(ShopScopedAdmin):
    """Notes are written on the buyer profile page (through ``buyer_note_add``); here staff
    search, read and delete them. Adding here would offer every account as a buyer."""

    list_display = ("created_at", "buyer_link", "author", "excerpt", "booking")
    list_select_related = ("buyer", "author", "booking")
    search_fields = ("buyer__email", "text")
    date_hierarchy = "created_at"
    fields = ("shop", "buyer_link", "author", "booking", "text", "created_at")
    readonly_fields = fields

    @admin.display(description=_("buyer"), ordering="buyer__email")
    def buyer_link(self, note: BuyerNote) -> str:
        return format_html(
            '<a href="{}#notes">{}</a>',
            _buyer_profile_url(buyer_id=note.buyer_id, shop_id=note.shop_id),
            note.buyer,
        )

    @admin.display(description=_("note"))
    def excerpt(self, note: BuyerNote) -> str:
        return note.text if len(note.text) <= 80 else f"{note.text[:79]}…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
