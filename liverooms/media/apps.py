from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "liverooms.media"
    label = "media"
    verbose_name = "Live media"
