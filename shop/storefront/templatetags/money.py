from decimal import Decimal

from django import template

from shop.pricing.money import Money, format_money

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """Format Money in the active language, e.g. ``{{ price.money|money }}``."""
    if value is None:
        return ""
    return format_money(value)


@register.filter
def money_of(amount: Decimal | None, currency: str) -> str:
    """Format a stored amount in ``currency``: ``{{ order.total|money_of:order.currency }}``."""
    if amount is None:
        return ""
    return format_money(Money(Decimal(amount), currency))
