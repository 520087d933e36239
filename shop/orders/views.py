"""Checkout, order pages and the shopper's order list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from shop.cart.models import CartLine
from shop.cart.selectors import cart_for_request, cart_items_by_shop
from shop.cart.services import cart_set_currency
from shop.orders.forms import CheckoutForm
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors import (
    checkout_quote,
    order_access_token,
    order_for_viewer,
    orders_for_shopper,
)
from shop.orders.services import CheckoutError, order_place
from shop.pricing.locale import country_from_accept_language
from shop.shops.models import Shop

SESSION_ORDERS = "order_numbers"


def remember_order(request: HttpRequest, order: Order) -> None:
    """Let this browser session open the order page without the e-mailed link."""
    numbers = request.session.get(SESSION_ORDERS, [])
    request.session[SESSION_ORDERS] = [*numbers[-19:], order.number]


def viewer_order(request: HttpRequest, number: str) -> Order:
    token = request.GET.get("token", "")
    if not token and number in request.session.get(SESSION_ORDERS, []):
        token = order_access_token(Order(number=number))
    return order_for_viewer(number=number, user=request.user, token=token)


def checkout(request: HttpRequest, shop_slug: str) -> HttpResponse:
    shop = get_object_or_404(Shop, slug=shop_slug, is_active=True)
    cart = cart_for_request(request)
    items = cart_items_by_shop(cart).get(shop.pk, []) if cart else []
    if not items:
        messages.info(request, _("Your cart has nothing from this shop."))
        return redirect("cart:detail")
    cart_set_currency(cart=cart, currency=request.currency)  # type: ignore[arg-type, attr-defined]
    language = get_language() or "en"
    data = request.POST if request.method == "POST" else None
    initial = {
        "email": getattr(request.user, "email", ""),
        "country": country_from_accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", "")) or "",
    }
    country = (data.get("country") if data else initial["country"]) or ""
    rate_raw = data.get("shipping_rate") if data else ""
    quote = checkout_quote(
        shop=shop,
        items=items,
        currency=cart.currency,
        language=language,  # type: ignore[union-attr]
        country=country.upper()[:2],
        rate_id=int(rate_raw) if rate_raw and rate_raw.isdigit() else None,
        voucher_code=(data.get("voucher_code", "") if data else ""),
        email=(data.get("email", "") if data else initial["email"]),
        user=request.user,
    )
    if quote.shipping is None and quote.shipping_options:
        quote.shipping = quote.shipping_options[0]
    form = CheckoutForm(
        data,
        initial=initial,
        language=language,
        rate_ids=[o.rate_id for o in quote.shipping_options],
    )
    if data is not None and data.get("action") == "place" and form.is_valid() and form.address:
        try:
            order = order_place(
                shop=shop,
                items=items,
                currency=cart.currency,
                language=language,  # type: ignore[union-attr]
                email=form.cleaned_data["email"],
                user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
                address=form.address,
                rate_id=form.cleaned_data["shipping_rate"] or 0,
                voucher_code=form.cleaned_data["voucher_code"],
                expected_total=form.cleaned_data["expected_total"],
            )
        except CheckoutError as refused:
            messages.error(request, str(refused))
        else:
            CartLine.objects.filter(cart=cart, variant_id__in=[v for v, _q in items]).delete()
            remember_order(request, order)
            return redirect("orders:pay", number=order.number)
    return render(
        request,
        "orders/checkout.html",
        {
            "shop": shop,
            "form": form,
            "quote": quote,
            "submitted": data is not None and data.get("action") == "place",
        },
    )


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = viewer_order(request, number)
    payment_id = request.GET.get("payment")
    if payment_id and payment_id.isdigit() and order.status == OrderStatus.PENDING_PAYMENT:
        from shop.payments.services import payment_refresh

        payment = order.payments.filter(pk=int(payment_id)).first()
        if payment is not None:
            payment_refresh(payment=payment)
            order.refresh_from_db()
    token = request.GET.get("token", "")
    return render(
        request,
        "orders/detail.html",
        {"order": order, "token": token, "events": order.events.filter(kind__startswith="status:")},
    )


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/list.html", {"orders": orders_for_shopper(request.user)})  # type: ignore[arg-type]


def order_pay_url(order: Order) -> str:
    return reverse("orders:pay", args=[order.number])
