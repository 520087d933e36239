"""The shopper's coins page: balances per shop, coin packs to buy, and the ledger."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from shop.orders.views import remember_order
from shop.shops.models import Shop
from shop.wallet.selectors import coin_packs_for_sale, ledger_for_user, wallets_for_user
from shop.wallet.services import WalletError, coin_pack_order, coin_purchases_settle


@login_required
def coins(request: HttpRequest) -> HttpResponse:
    """``?shop=<slug>`` narrows the packs to one shop (the room page links here that way)."""
    coin_purchases_settle(user=request.user)  # type: ignore[arg-type]
    shop = None
    if request.GET.get("shop"):
        shop = get_object_or_404(Shop, slug=request.GET["shop"], is_active=True)
    currency = getattr(request, "currency", "USD")
    return render(
        request,
        "wallet/coins.html",
        {
            "shop": shop,
            "wallets": wallets_for_user(request.user),  # type: ignore[arg-type]
            "offers": [o for o in coin_packs_for_sale(currency=currency, shop=shop) if o.price],
            "entries": ledger_for_user(request.user),  # type: ignore[arg-type]
        },
    )


@login_required
@require_POST
def coins_buy(request: HttpRequest, pack_id: int) -> HttpResponse:
    """Order the pack and go to the shop's payment page (test gateway or Stripe)."""
    try:
        order = coin_pack_order(
            pack_id=pack_id,
            user=request.user,  # type: ignore[arg-type]
            currency=getattr(request, "currency", "USD"),
            language=get_language() or "en",
        )
    except WalletError as refused:
        messages.error(request, str(refused))
        return redirect("wallet:coins")
    remember_order(request, order)
    return redirect("orders:pay", number=order.number)
