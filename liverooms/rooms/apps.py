from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "liverooms.rooms"
    label = "rooms"
    verbose_name = "Live rooms"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from liverooms.rooms.services import announce_room_order, room_stock_changed
        from shop.catalog.models import Variant
        from shop.orders.models import SourceType
        from shop.orders.services import register_paid_hook, register_stock_hook, stock_changed

        register_paid_hook(SourceType.LIVE_ROOM, announce_room_order)
        register_stock_hook(room_stock_changed)
        # Stock edited by staff (admin, API) reaches the pinned card too; checkout moves stock
        # with conditional UPDATEs (no signal) and calls the hook itself.
        post_save.connect(
            lambda instance, **_kw: stock_changed({instance.pk}),
            sender=Variant,
            weak=False,
            dispatch_uid="rooms.variant_stock",
        )
