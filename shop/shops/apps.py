from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "shop.shops"
    label = "shops"
    verbose_name = "Shops"
