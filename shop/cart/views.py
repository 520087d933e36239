"""Cart pages and actions (forms post here; fetch() callers get JSON)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.cart.selectors import cart_count, cart_for_request, cart_groups
from shop.cart.services import (
    MAX_QUANTITY,
    CartError,
    cart_add_item,
    cart_get_or_create,
    cart_set_currency,
    cart_set_quantity,
)


class CartLineForm(forms.Form):
    variant = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=0, max_value=MAX_QUANTITY)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target)


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    form = CartLineForm(
        {"variant": request.POST.get("variant"), "quantity": request.POST.get("quantity", 1)}
    )
    if not form.is_valid() or form.cleaned_data["quantity"] < 1:
        message, code, ok = _("Choose an option and a quantity."), "invalid", False
    else:
        cart = cart_get_or_create(request=request, currency=request.currency)  # type: ignore[attr-defined]
        try:
            cart_add_item(
                cart=cart,
                variant_id=form.cleaned_data["variant"],
                quantity=form.cleaned_data["quantity"],
            )
            message, code, ok = _("Added to your cart."), "added", True
        except CartError as refused:
            message, code, ok = str(refused), refused.code, False
    if _wants_json(request):
        return JsonResponse(
            {"ok": ok, "code": code, "message": message, "count": cart_count(request)},
            status=200 if ok else 400,
        )
    (messages.success if ok else messages.error)(request, message)
    return _back(request, "storefront:home")


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    form = CartLineForm(request.POST)
    cart = cart_for_request(request)
    if cart is None or not form.is_valid():
        messages.error(request, _("That change could not be made."))
        return redirect("cart:detail")
    try:
        cart_set_quantity(
            cart=cart,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except CartError as refused:
        messages.error(request, str(refused))
    return redirect("cart:detail")


def cart_detail(request: HttpRequest) -> HttpResponse:
    cart = cart_for_request(request)
    groups = []
    if cart is not None:
        if cart_set_currency(cart=cart, currency=request.currency):  # type: ignore[attr-defined]
            messages.info(
                request, _("Your cart is now priced in %(currency)s.") % {"currency": cart.currency}
            )
        groups = cart_groups(cart, language=get_language() or "en")
    return render(request, "cart/detail.html", {"groups": groups, "cart": cart})
