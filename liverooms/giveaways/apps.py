from django.apps import AppConfig


class GiveawaysConfig(AppConfig):
    name = "liverooms.giveaways"
    label = "giveaways"
    verbose_name = "Giveaways and live coupons"
