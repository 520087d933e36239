"""Product cards for room events: every viewer's language and currency in one payload, so a
pin is one broadcast instead of one request per viewer."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from shop.catalog.models import Product, Variant
from shop.catalog.selectors import product_view, stock_state, with_display_data
from shop.pricing.selectors import FxTable


def product_card(product_id: int) -> dict[str, Any] | None:
    product = with_display_data(Product.objects.filter(pk=product_id)).first()
    if product is None:
        return None
    fx = FxTable()  # one rate lookup for all 11 views: this runs on every socket's snapshot
    by_language = {
        code: product_view(product, language=code, currency=settings.DEFAULT_CURRENCY, fx=fx)
        for code in settings.LANGUAGE_CODES
    }
    base = by_language[settings.LANGUAGE_CODE]
    prices: dict[str, dict[str, Any]] = {}
    for currency in settings.CURRENCIES:
        view = product_view(product, language=settings.LANGUAGE_CODE, currency=currency, fx=fx)
        price = view.from_price
        if price is not None:
            prices[currency] = {
                "amount": str(price.money.amount),
                "digits": settings.CURRENCIES[currency],
                "from": view.has_price_range,
            }
    return {
        "id": product.pk,
        "slug": product.slug,
        "shop": base.shop_slug,
        "image": base.thumbnail,
        "names": {code: view.name for code, view in by_language.items()},
        "prices": prices,
        "stock_state": base.stock_state,
        "variants": [
            {"id": v.id, "label": " / ".join(v.options.values()) or v.sku, "stock": v.stock}
            for v in base.variants
        ],
    }


def product_stock(product_id: int) -> dict[str, Any]:
    """The stock part of a card, cheap enough to re-publish after every sale."""
    variants = list(
        Variant.objects.filter(product_id=product_id, is_active=True)
        .order_by("pk")
        .values("id", "stock")
    )
    total = sum(max(0, v["stock"]) for v in variants)
    return {"product_id": product_id, "stock_state": stock_state(total), "variants": variants}
