"""The cart as the shopper sees it: lines grouped by shop, priced in the cart's currency."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from shop.cart.models import Cart
from shop.cart.services import SESSION_KEY
from shop.orders.selectors import Quote, checkout_quote
from shop.pricing.selectors import FxTable
from shop.shops.models import Shop


@dataclass
class CartGroup:
    shop: Shop
    quote: Quote


def cart_for_request(request: HttpRequest) -> Cart | None:
    """The visitor's cart if they have one (never creates)."""
    if request.user.is_authenticated:
        return Cart.objects.filter(user=request.user).first()
    cart_id = request.session.get(SESSION_KEY)
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None


def cart_items_by_shop(cart: Cart) -> dict[int, list[tuple[int, int]]]:
    grouped: dict[int, list[tuple[int, int]]] = {}
    for variant_id, shop_id, quantity in cart.lines.values_list(
        "variant_id", "variant__shop_id", "quantity"
    ):
        grouped.setdefault(shop_id, []).append((variant_id, quantity))
    return grouped


def cart_groups(cart: Cart, *, language: str) -> list[CartGroup]:
    fx = FxTable()
    grouped = cart_items_by_shop(cart)
    shops = Shop.objects.in_bulk(list(grouped))
    return [
        CartGroup(
            shops[shop_id],
            checkout_quote(
                shop=shops[shop_id], items=items, currency=cart.currency, language=language, fx=fx
            ),
        )
        for shop_id, items in grouped.items()
    ]


def cart_count(request: HttpRequest) -> int:
    cart = cart_for_request(request)
    return sum(cart.lines.values_list("quantity", flat=True)) if cart else 0
