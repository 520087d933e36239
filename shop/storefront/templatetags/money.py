from django import template

from shop.pricing.money import Money, format_money

register = template.Library()


@register.filter
def money(value: Money | None) -> str:
    """Format Money in the active language, e.g. ``{{ price.money|money }}``."""
    if value is None:
        return ""
    return format_money(value)
