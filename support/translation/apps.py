from django.apps import AppConfig


class TranslationConfig(AppConfig):
    name = "support.translation"
    label = "support_translation"
    verbose_name = "Translation"
