from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "support.consultations"
    label = "consultations"
    verbose_name = "Consultations"

    def ready(self) -> None:
        from shop.orders.services import register_paid_hook, register_refund_hook
        from support.consultations.services.deposits import (
            DEPOSIT_SOURCE,
            deposit_paid_hook,
            deposit_refund_hook,
        )

        register_paid_hook(DEPOSIT_SOURCE, deposit_paid_hook)
        register_refund_hook(DEPOSIT_SOURCE, deposit_refund_hook)
