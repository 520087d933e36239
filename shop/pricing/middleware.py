"""Puts the visitor's currency on ``request.currency``."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shop.pricing.locale import currency_for_request


class CurrencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.currency = currency_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
