"""REST API v1 for the catalog: read-only products in the requested currency and language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import ViewSet

from config.api import StandardPagination
from shop.catalog.selectors import (
    ProductFilters,
    product_queryset,
    product_view,
    product_views,
    products_visible_to,
    with_display_data,
)
from shop.catalog.serializers import (
    DetailQuerySerializer,
    ProductDetailSerializer,
    ProductQuerySerializer,
    ProductSerializer,
)
from shop.pricing.selectors import FxTable


def _currency_and_language(request: Request, params: dict[str, Any]) -> tuple[str, str]:
    currency = params.get("currency") or getattr(
        request._request, "currency", settings.DEFAULT_CURRENCY
    )
    language = params.get("lang") or translation.get_language() or settings.LANGUAGE_CODE
    return currency, language


COMMON_PARAMETERS = [
    OpenApiParameter("currency", OpenApiTypes.STR, enum=list(settings.CURRENCIES)),
    OpenApiParameter("lang", OpenApiTypes.STR, enum=settings.LANGUAGE_CODES),
]


class ProductViewSet(ViewSet):
    """Published products of every active shop (drafts too for staff of their own shop)."""

    @extend_schema(
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter("q", OpenApiTypes.STR, description="Search text"),
            OpenApiParameter("category", OpenApiTypes.STR, description="Category slug"),
            OpenApiParameter("shop", OpenApiTypes.STR, description="Shop slug"),
            OpenApiParameter(
                "option", OpenApiTypes.INT, many=True, description="Attribute value id"
            ),
            OpenApiParameter("in_stock", OpenApiTypes.BOOL),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=["newest", "featured"]),
            OpenApiParameter("include_drafts", OpenApiTypes.BOOL, description="Staff: own drafts"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT),
        ],
        responses=ProductSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        raw = request.query_params.copy()
        data: dict[str, Any] = {key: raw.get(key) for key in raw if key != "option"}
        if "option" in raw:
            data["option"] = raw.getlist("option")
        query = ProductQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        _check_page_params(request)
        currency, language = _currency_and_language(request, params)
        filters = ProductFilters(
            query=params.get("q", ""),
            category=params.get("category"),
            shop_slug=params.get("shop", ""),
            option_values=tuple(params.get("option", ())),
            in_stock=params["in_stock"],
            sort=params["sort"],
        )
        products = with_display_data(
            product_queryset(filters, user=request.user, include_drafts=params["include_drafts"])
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(products, request, view=self)
        views = product_views(page or [], language=language, currency=currency)
        serializer = ProductSerializer(views, many=True, context={"language": language})
        return paginator.get_paginated_response(serializer.data)

    @extend_schema(
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses=ProductDetailSerializer,
    )
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        if not str(pk).isdigit():
            return Response(
                {"error": "invalid_id", "message": "Product id must be a positive integer."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        query = DetailQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        currency, language = _currency_and_language(request, query.validated_data)
        product = with_display_data(products_visible_to(request.user)).filter(pk=int(pk)).first()
        if product is None:
            raise Http404
        view = product_view(product, language=language, currency=currency, fx=FxTable())
        data = ProductDetailSerializer(
            view, context={"language": language, "request": request}
        ).data
        return Response(data)


def _check_page_params(request: Request) -> None:
    errors: dict[str, str] = {}
    for name in ("page", "page_size"):
        value = request.query_params.get(name)
        if value is not None and (not value.isdigit() or int(value) < 1):
            errors[name] = f"{name} must be a positive integer."
    if errors:
        raise ValidationError(errors)


__all__ = ["ProductViewSet"]
