"""Storefront pages. Each view parses input, calls catalog selectors, and renders."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from liverooms.replays.selectors import published_replays
from liverooms.rooms.views import rooms_context
from shop.catalog.selectors import (
    ProductFilters,
    categories_for_menu,
    filterable_attributes,
    product_get_for_display,
    product_queryset,
    product_views,
    with_display_data,
)
from shop.shops.models import Shop
from shop.storefront.forms import ListingForm

PAGE_SIZE = 24


def _language() -> str:
    return get_language() or "en"


def home(request: HttpRequest) -> HttpResponse:
    language, currency = _language(), request.currency  # type: ignore[attr-defined]
    featured = with_display_data(product_queryset(ProductFilters(sort="featured")))[:8]
    newest = with_display_data(product_queryset(ProductFilters(sort="newest")))[:8]
    return render(
        request,
        "storefront/home.html",
        {
            "featured": product_views(list(featured), language=language, currency=currency),
            "newest": product_views(list(newest), language=language, currency=currency),
            "categories": categories_for_menu(language),
            "shops": Shop.objects.filter(is_active=True),
            "replays": list(published_replays()[:6]),
            **rooms_context(limit=6),
        },
    )


def product_list(
    request: HttpRequest, category_slug: str | None = None, shop_slug: str | None = None
) -> HttpResponse:
    language, currency = _language(), request.currency  # type: ignore[attr-defined]
    data = request.GET.copy()
    if category_slug:
        data["category"] = category_slug
    shop = get_object_or_404(Shop, slug=shop_slug, is_active=True) if shop_slug else None
    if shop:
        data["shop"] = shop.slug
    form = ListingForm(data)
    form.is_valid()  # invalid fields are shown as notices and ignored
    cleaned = form.cleaned_data
    filters = ProductFilters(
        query=cleaned.get("q") or "",
        category=cleaned.get("category"),
        shop_slug=cleaned.get("shop") or "",
        option_values=tuple(cleaned.get("option") or ()),
        in_stock=bool(cleaned.get("in_stock")),
        sort=cleaned.get("sort") or "newest",
    )
    products = product_queryset(filters)
    paginator = Paginator(with_display_data(products), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    if shop:
        heading = shop.name
    elif filters.category:
        heading = filters.category.name_in(language)
    else:
        heading = _("All products")
    facet_scope = ProductFilters(
        category=filters.category, shop_slug=filters.shop_slug, query=filters.query
    )
    return render(
        request,
        "storefront/listing.html",
        {
            "heading": heading,
            "form": form,
            "filters": filters,
            "shop": shop,
            "page": page,
            "products": product_views(list(page.object_list), language=language, currency=currency),
            "facets": filterable_attributes(product_queryset(facet_scope), language),
            "categories": categories_for_menu(language),
            "query_string": query_without_page.urlencode(),
            "selected_options": set(filters.option_values),
            "replays": list(published_replays(shop_id=shop.pk)[:6]) if shop else [],
        },
    )


def product_detail(request: HttpRequest, shop_slug: str, slug: str) -> HttpResponse:
    product = product_get_for_display(
        shop_slug=shop_slug,
        slug=slug,
        user=request.user,  # type: ignore[arg-type]
        language=_language(),
        currency=request.currency,  # type: ignore[attr-defined]
    )
    variants = [
        {
            "id": v.id,
            "sku": v.sku,
            "options": v.options,
            "stock": v.stock,
            "price": v.price.money.format() if v.price else None,
            "converted": bool(v.price and v.price.converted),
        }
        for v in product.variants
    ]
    return render(
        request, "storefront/product.html", {"product": product, "variants_json": variants}
    )
