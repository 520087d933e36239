"""Cart writes. Quantities are checked against stock; prices are never stored in the cart.

The cart keeps only variants and quantities; prices are computed on every read in the cart's
currency (shop/cart/selectors.py), so a switched currency or a changed price shows at once.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from shop.accounts.models import User
from shop.cart.models import Cart, CartLine
from shop.catalog.models import ProductStatus, Variant
from shop.pricing.money import check_currency

SESSION_KEY = "cart_id"
MAX_QUANTITY = 99


class CartError(ValueError):
    """A cart change that cannot be made; the message is shown to the shopper."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def cart_get_or_create(*, request: HttpRequest, currency: str) -> Cart:
    """The visitor's cart (user's, else the session's), created on first use."""
    user = request.user
    if user.is_authenticated:
        cart, _created = Cart.objects.get_or_create(user=user, defaults={"currency": currency})
        return cart
    cart_id = request.session.get(SESSION_KEY)
    cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if cart is None:
        cart = Cart.objects.create(currency=currency)
        request.session[SESSION_KEY] = cart.pk
    return cart


def _sellable_variant(variant_id: int) -> Variant:
    variant = (
        Variant.objects.select_related("product__shop")
        .filter(
            pk=variant_id,
            is_active=True,
            product__status=ProductStatus.PUBLISHED,
            product__shop__is_active=True,
        )
        .first()
    )
    if variant is None:
        raise CartError(_("This product is not available."), "unavailable")
    return variant


def _check_quantity(variant: Variant, quantity: int) -> None:
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise CartError(
            _("Quantity must be between 1 and %(max)d.") % {"max": MAX_QUANTITY}, "bad_quantity"
        )
    if quantity > variant.stock:
        if variant.stock <= 0:
            raise CartError(_("Sorry, this item is sold out."), "sold_out")
        raise CartError(
            _("Only %(count)d left in stock.") % {"count": variant.stock}, "insufficient_stock"
        )


@transaction.atomic
def cart_add_item(*, cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Add ``quantity`` of a variant (added to what is already in the cart)."""
    variant = _sellable_variant(variant_id)
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    new_quantity = quantity + (line.quantity if line else 0)
    _check_quantity(variant, new_quantity)
    if line is None:
        return CartLine.objects.create(cart=cart, variant=variant, quantity=new_quantity)
    line.quantity = new_quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, variant_id: int, quantity: int) -> None:
    """Set a line's quantity; 0 removes it."""
    if quantity == 0:
        CartLine.objects.filter(cart=cart, variant_id=variant_id).delete()
        return
    variant = _sellable_variant(variant_id)
    _check_quantity(variant, quantity)
    updated = CartLine.objects.filter(cart=cart, variant=variant).update(quantity=quantity)
    if not updated:
        raise CartError(_("This item is not in your cart."), "not_in_cart")


def cart_set_currency(*, cart: Cart, currency: str) -> bool:
    """Switch the cart to ``currency``; True if it changed (the page then says so)."""
    code = check_currency(currency)
    if cart.currency == code:
        return False
    cart.currency = code
    cart.save(update_fields=["currency", "updated_at"])
    return True


@transaction.atomic
def cart_merge_on_login(*, request: HttpRequest, user: User) -> None:
    """Move the anonymous session cart's lines into the user's cart (quantities add up,
    capped at stock); the session cart is then deleted."""
    cart_id = request.session.get(SESSION_KEY)
    if not cart_id:
        return
    anonymous = Cart.objects.filter(pk=cart_id, user__isnull=True).first()
    request.session.pop(SESSION_KEY, None)
    if anonymous is None:
        return
    target, _created = Cart.objects.get_or_create(
        user=user, defaults={"currency": anonymous.currency}
    )
    for line in anonymous.lines.select_related("variant"):
        existing = CartLine.objects.filter(cart=target, variant=line.variant).first()
        quantity = min(
            line.quantity + (existing.quantity if existing else 0), line.variant.stock, MAX_QUANTITY
        )
        if quantity <= 0:
            continue
        CartLine.objects.update_or_create(
            cart=target, variant=line.variant, defaults={"quantity": quantity}
        )
    anonymous.delete()
