from django.apps import AppConfig


class WalletConfig(AppConfig):
    name = "shop.wallet"
    label = "wallet"
    verbose_name = "Coins and wallets"

    def ready(self) -> None:
        from shop.orders.services import register_paid_hook, register_refund_hook
        from shop.wallet.services import (
            COIN_SOURCE,
            coin_purchase_credit_order,
            coin_purchase_refund_order,
        )

        register_paid_hook(COIN_SOURCE, coin_purchase_credit_order)
        register_refund_hook(COIN_SOURCE, coin_purchase_refund_order)
