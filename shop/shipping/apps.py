from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "shop.shipping"
    label = "shipping"
    verbose_name = "Shipping"
