"""Requests carrying NUL characters get a 400 before any view runs.

PostgreSQL refuses NUL in text, so a NUL in a query parameter that a view passes straight to
a lookup (``?shop=%00``) would otherwise end as a 500. Forms already refuse NUL; this covers
raw parameters everywhere at once."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

FORM = "application/x-www-form-urlencoded"


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        form = request.method == "POST" and request.content_type == FORM
        if (
            "\x00" in request.path
            or _has_nul(request.GET.lists())
            or (form and _has_nul(request.POST.lists()))
        ):
            return HttpResponseBadRequest("Requests may not contain NUL characters.")
        return self.get_response(request)


def _has_nul(items: object) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in items)  # type: ignore[attr-defined]
