from django.conf import settings
from django.http import HttpRequest


def currency(request: HttpRequest) -> dict[str, object]:
    return {
        "CURRENCY": getattr(request, "currency", settings.DEFAULT_CURRENCY),
        "CURRENCIES": list(settings.CURRENCIES),
    }
