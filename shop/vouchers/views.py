"""Shopper pages for vouchers: the codes an account owns (won in quizzes, giveaways, drops)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop.vouchers.selectors import vouchers_for_shopper


@login_required
def my_coupons(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "vouchers/mine.html",
        {"vouchers": vouchers_for_shopper(request.user)},  # type: ignore[arg-type]
    )
