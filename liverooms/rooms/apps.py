from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "liverooms.rooms"
    label = "rooms"
    verbose_name = "Live rooms"

    def ready(self) -> None:
        from liverooms.rooms.services import announce_room_order
        from shop.orders.models import SourceType
        from shop.orders.services import register_paid_hook

        register_paid_hook(SourceType.LIVE_ROOM, announce_room_order)
