from django.contrib import admin

from liverooms.media.models import CohostRequest, Recording, RoomPublisher
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
