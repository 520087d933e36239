from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "support.chat"
    label = "support_chat"
    verbose_name = "Support chat"
