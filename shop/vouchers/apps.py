from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "shop.vouchers"
    label = "vouchers"
    verbose_name = "Vouchers"
