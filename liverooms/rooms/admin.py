from django.contrib import admin

from liverooms.rooms.models import ChatMessage, ChatWordFilter, LiveRoom, RoomSanction
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


@admin.register(ChatMessage)
class ChatMessageAdmin(ShopScopedAdmin):
    shop_path = "room__shop"
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
