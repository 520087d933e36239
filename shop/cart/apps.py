from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = "Carts"

    def ready(self) -> None:
        from shop.cart import signals  # noqa: F401  (merges the session cart on login)
