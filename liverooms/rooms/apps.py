from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "liverooms.rooms"
    label = "rooms"
    verbose_name = "Live rooms"
