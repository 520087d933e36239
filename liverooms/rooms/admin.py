from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from liverooms.rooms.models import (
    ChatMessage,
    ChatWordFilter,
    FlashDeal,
    LiveRoom,
    RoomSanction,
    SanctionKind,
)
from liverooms.rooms.services import chat_delete, room_delete, room_sanction
from shop.shops.admin import ShopScopedAdmin


@admin.register(LiveRoom)
class LiveRoomAdmin(ShopScopedAdmin):
    list_display = ("title", "shop", "status", "scheduled_at", "started_at", "language")
    list_filter = ("status", "language")
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("hosts",)
    readonly_fields = ("status", "started_at", "ended_at", "pinned_product", "pinned_message")
    fields = (
        "shop",
        "title",
        "slug",
        "description",
        "cover",
        "language",
        "scheduled_at",
        "hosts",
        "slow_mode_seconds",
        "status",
        "started_at",
        "ended_at",
        "pinned_product",
        "pinned_message",
    )

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.name == "hosts" and not request.user.is_superuser:
            from shop.accounts.models import User
            from shop.shops.selectors import shop_ids_for_user

            kwargs["queryset"] = User.objects.filter(
                memberships__shop_id__in=shop_ids_for_user(request.user)
            ).distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Deleting a room also removes its replay's files (room_delete), in both admin paths.
    def delete_model(self, request: HttpRequest, obj: LiveRoom) -> None:
        room_delete(room=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LiveRoom]) -> None:
        for room in queryset:
            room_delete(room=room)


@admin.register(ChatMessage)
class ChatMessageAdmin(ShopScopedAdmin):
    """Moderation from the admin: the same services as the host console."""

    shop_path = "room__shop"
    actions = ["delete_for_everyone", "mute_authors", "ban_authors"]

    @admin.action(description=_("Delete for everyone"))
    def delete_for_everyone(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        for message in queryset.select_related("room"):
            chat_delete(room=message.room, message_id=message.pk, actor=request.user)  # type: ignore[arg-type]

    def _sanction(self, request: HttpRequest, queryset: QuerySet[ChatMessage], kind: str) -> None:
        for message in queryset.select_related("room", "user").exclude(user=None):
            room_sanction(room=message.room, user=message.user, kind=kind, actor=request.user)  # type: ignore[arg-type]

    @admin.action(description=_("Mute the authors in their rooms"))
    def mute_authors(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        self._sanction(request, queryset, SanctionKind.MUTE)

    @admin.action(description=_("Ban the authors from their rooms"))
    def ban_authors(self, request: HttpRequest, queryset: QuerySet[ChatMessage]) -> None:
        self._sanction(request, queryset, SanctionKind.BAN)

    list_display = ("room", "author_name", "text", "created_at", "deleted_at")
    list_filter = ("room",)
    search_fields = ("text", "author_name")
    readonly_fields = ("room", "user", "author_name", "text", "language", "created_at")


@admin.register(RoomSanction)
class RoomSanctionAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = ("room", "user", "kind", "until", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("user",)


@admin.register(ChatWordFilter)
class ChatWordFilterAdmin(ShopScopedAdmin):
    list_display = ("phrase", "shop")
    search_fields = ("phrase",)


@admin.register(FlashDeal)
class FlashDealAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
    list_display = (
        "room",
        "product",
        "price",
        "currency",
        "quantity",
        "per_buyer_limit",
        "ends_at",
        "ended_at",
    )
    readonly_fields = [f.name for f in FlashDeal._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deals start from the host console, on the pinned product
