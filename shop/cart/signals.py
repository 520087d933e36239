"""Glue only: Django's login signal calls the cart merge service."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def merge_session_cart(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from shop.cart.services import cart_merge_on_login

    if request is not None:
        cart_merge_on_login(request=request, user=user)
