"""Merchant controls for replays: status and progress, publish/unpublish, trim, cover frame,
rebuild, delete (with the files). Scoped to the staff user's shops (ShopScopedAdmin)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from liverooms.replays.models import Replay, RoomTimelineEvent
from liverooms.replays.selectors import replay_stats
from liverooms.replays.services import (
    ReplayError,
    replay_delete,
    replay_publish,
    replay_rebuild,
    replay_update_settings,
    replay_validate_settings,
)
from shop.shops.admin import ShopScopedAdmin


class ReplayForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Replay
        fields = ["title", "trim_start", "trim_end", "cover_time"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            replay_validate_settings(
                duration=self.instance.duration,
                trim_start=data.get("trim_start") or 0.0,
                trim_end=data.get("trim_end"),
                cover_time=data.get("cover_time") or 0.0,
            )
        return data


@admin.register(Replay)
class ReplayAdmin(ShopScopedAdmin):
    form = ReplayForm
    list_display = [
        "title",
        "room",
        "status",
        "progress_bar",
        "duration_display",
        "is_published",
        "views",
        "watch_seconds",
        "product_clicks",
        "created_at",
    ]
    list_filter = ["status", "is_published"]
    list_select_related = ["room"]
    search_fields = ["title", "slug"]
    actions = ["publish", "unpublish", "rebuild", "delete_with_files"]
    readonly_fields = [
        "room",
        "slug",
        "status",
        "progress_bar",
        "error",
        "poster_preview",
        "video",
        "duration",
        "starts_at",
        "chapters",
        "is_published",
        "published_at",
        "views",
        "watch_seconds",
        "product_clicks",
        "sales",
        "attempts",
        "created_at",
        "processed_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "room", "slug", "status", "progress_bar", "error"]}),
        (_("Video"), {"fields": ["poster_preview", "video", "duration", "starts_at", "chapters"]}),
        (
            _("Merchant settings"),
            {
                "fields": ["trim_start", "trim_end", "cover_time"],
                "description": _(
                    "Trim is applied by the player. Changing the cover time makes a new poster."
                ),
            },
        ),
        (
            _("Publishing and analytics"),
            {
                "fields": [
                    "is_published",
                    "published_at",
                    "views",
                    "watch_seconds",
                    "product_clicks",
                    "sales",
                    "attempts",
                    "created_at",
                    "processed_at",
                ]
            },
        ),
    ]

    @admin.display(description=_("progress"), ordering="progress")
    def progress_bar(self, replay: Replay) -> str:
        return format_html(
            '<progress value="{}" max="100" title="{}%">{}%</progress> {}%',
            replay.progress,
            replay.progress,
            replay.progress,
            replay.progress,
        )

    @admin.display(description=_("orders from the replay"))
    def sales(self, replay: Replay) -> str:
        """Orders whose source is this replay, paid revenue per currency, clicks per product."""
        if replay.pk is None:
            return "-"
        stats = replay_stats(replay)
        revenue = ", ".join(f"{amount} {code}" for code, amount in stats["revenue"].items())
        names = dict(replay.clicks.values_list("product_id", "product__slug"))
        clicks = ", ".join(
            f"{names.get(product_id, product_id)}: {count}"
            for product_id, count in stats["clicks_by_product"].items()
        )
        return format_html(
            "{}: {} · {}: {} · {}: {}<br>{}: {}",
            _("orders"),
            stats["orders"],
            _("paid"),
            stats["paid_orders"],
            _("revenue"),
            revenue or "-",
            _("clicks by product"),
            clicks or "-",
        )

    @admin.display(description=_("duration"), ordering="duration")
    def duration_display(self, replay: Replay) -> str:
        if replay.duration is None:
            return "-"
        minutes, seconds = divmod(round(replay.duration), 60)
        return f"{minutes}:{seconds:02d}"

    @admin.display(description=_("poster"))
    def poster_preview(self, replay: Replay) -> str:
        if not replay.poster or replay.pk is None:
            return "-"
        return format_html(
            '<img src="/replays/media/{}/poster" alt="" style="max-width:320px">', replay.pk
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # replays come from recordings

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # delete_with_files removes the files too
        return actions

    def save_model(self, request: HttpRequest, obj: Replay, form: Any, change: bool) -> None:
        replay_update_settings(
            replay=obj,
            actor=request.user,  # type: ignore[arg-type]
            title=form.cleaned_data["title"],
            trim_start=form.cleaned_data.get("trim_start") or 0.0,
            trim_end=form.cleaned_data.get("trim_end"),
            cover_time=form.cleaned_data.get("cover_time") or 0.0,
        )

    def delete_model(self, request: HttpRequest, obj: Replay) -> None:
        replay_delete(replay=obj, actor=request.user)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Replay]) -> None:
        for replay in queryset:
            replay_delete(replay=replay, actor=request.user)  # type: ignore[arg-type]

    def _each(self, request: HttpRequest, queryset: QuerySet[Replay], apply: Any) -> int:
        done = 0
        for replay in queryset:
            try:
                apply(replay)
                done += 1
            except ReplayError as refused:
                self.message_user(request, f"{replay}: {refused}", messages.WARNING)
        return done

    @admin.action(description=_("Publish selected replays"), permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Replay]) -> None:
        done = self._each(
            request,
            queryset,
            lambda replay: replay_publish(replay=replay, actor=request.user),
        )
        self.message_user(
            request, ngettext("%d replay published.", "%d replays published.", done) % done
        )

    @admin.action(description=_("Unpublish selected replays"), permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Replay]) -> None:
        done = self._each(
            request,
            queryset,
            lambda replay: replay_publish(replay=replay, actor=request.user, published=False),
        )
        self.message_user(
            request, ngettext("%d replay unpublished.", "%d replays unpublished.", done) % done
        )

    @admin.action(description=_("Process selected replays again"), permissions=["change"])
    def rebuild(self, request: HttpRequest, queryset: QuerySet[Replay]) -> None:
        done = self._each(
            request, queryset, lambda replay: replay_rebuild(replay=replay, actor=request.user)
        )
        self.message_user(request, ngettext("%d replay queued.", "%d replays queued.", done) % done)

    @admin.action(description=_("Delete selected replays and their files"), permissions=["delete"])
    def delete_with_files(self, request: HttpRequest, queryset: QuerySet[Replay]) -> None:
        count = queryset.count()
        self.delete_queryset(request, queryset)
        self.message_user(
            request, ngettext("%d replay deleted.", "%d replays deleted.", count) % count
        )


@admin.register(RoomTimelineEvent)
class RoomTimelineEventAdmin(ShopScopedAdmin):
    """Read-only: the timeline is written by the room's pin and flash deal services."""

    shop_path = "room__shop"
    list_display = ["room", "kind", "product", "at"]
    list_filter = ["kind"]
    list_select_related = ["room", "product"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
