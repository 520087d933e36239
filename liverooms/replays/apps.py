from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    name = "liverooms.replays"
    label = "replays"
    verbose_name = "Replays"
