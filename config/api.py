"""API conventions shared by every endpoint: pagination and the error body shape.

Errors always look like ``{"error": "<stable_code>", "message": "...", "fields": {...}?}``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, ValidationError):
        response.data = {
            "error": "invalid_parameters",
            "message": "Invalid parameters: " + ", ".join(sorted(map(str, detail))) + "."
            if isinstance(detail, dict)
            else "Invalid parameters.",
            "fields": detail,
        }
    elif isinstance(detail, dict) and "detail" in detail:
        code = getattr(detail["detail"], "code", "error")
        response.data = {"error": str(code), "message": str(detail["detail"])}
    return response
