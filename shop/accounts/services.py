"""Writes on user accounts."""

from shop.accounts.models import User
from shop.pricing.money import check_currency


def user_set_preferred_currency(*, user: User, currency: str) -> None:
    """Remember the shopper's display currency on their account (validated ISO code)."""
    code = check_currency(currency)
    if user.preferred_currency != code:
        user.preferred_currency = code
        user.save(update_fields=["preferred_currency"])
