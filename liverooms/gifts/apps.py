from django.apps import AppConfig


class GiftsConfig(AppConfig):
    name = "liverooms.gifts"
    label = "gifts"
    verbose_name = "Gifts"
