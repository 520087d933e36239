from django.conf import settings
from django.http import HttpRequest


def currency(request: HttpRequest) -> dict[str, object]:
    from shop.cart.selectors import cart_count

    return {
        "CART_COUNT": cart_count(request),
        "CURRENCY": getattr(request, "currency", settings.DEFAULT_CURRENCY),
        "CURRENCIES": list(settings.CURRENCIES),
    }
