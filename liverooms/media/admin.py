from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from liverooms.media.models import CohostRequest, PkBattle, Recording, RoomPublisher
from shop.shops.admin import ShopScopedAdmin


@admin.register(RoomPublisher)
class RoomPublisherAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = ["identity", "name", "role", "room", "node", "updated_at"]
    readonly_fields = ["room", "identity", "user", "name", "role", "kinds", "node"]


@admin.register(CohostRequest)
class CohostRequestAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = ["user", "room", "status", "updated_at"]
    list_filter = ["status"]


@admin.register(Recording)
class RecordingAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = ["relay_room", "room", "finished_at", "node"]
    readonly_fields = ["room", "relay_room", "event_id", "node", "files", "finished_at"]


@admin.register(PkBattle)
class PkBattleAdmin(ShopScopedAdmin):
    """Read-only: battles are made and closed from the host consoles. Staff see the battles
    either of whose rooms belongs to their shop."""

    shop_path = "inviter_room__shop"
    list_display = [
        "inviter_room",
        "invitee_room",
        "status",
        "duration_seconds",
        "started_at",
        "ended_at",
        "end_reason",
    ]
    list_filter = ["status", "end_reason"]
    list_select_related = ["inviter_room", "invitee_room"]
    readonly_fields = [
        "inviter_room",
        "invitee_room",
        "status",
        "duration_seconds",
        "invited_by",
        "answered_by",
        "ended_by",
        "end_reason",
        "created_at",
        "invite_expires_at",
        "started_at",
        "ends_at",
        "ended_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PkBattle]:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        shop_ids = self._shop_ids(request)
        if shop_ids is None:
            return queryset
        return queryset.filter(
            Q(inviter_room__shop__in=shop_ids) | Q(invitee_room__shop__in=shop_ids)
        )

    def _object_allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        shop_ids = self._shop_ids(request)
        if not isinstance(obj, PkBattle) or shop_ids is None:
            return True
        return bool({obj.inviter_room.shop_id, obj.invitee_room.shop_id} & shop_ids)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
