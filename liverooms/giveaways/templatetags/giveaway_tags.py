"""Template helpers for the host console's giveaway and coupon part."""

from __future__ import annotations

from django import template

from liverooms.rooms.models import LiveRoom
from shop.vouchers.models import Voucher

register = template.Library()


@register.simple_tag
def coupon_templates(room: LiveRoom) -> list[Voucher]:
    """The shop's own voucher templates a drop can be made from (not generated codes)."""
    return list(
        Voucher.objects.filter(
            shop_id=room.shop_id, is_active=True, template__isnull=True, owner__isnull=True
        ).order_by("code")[:100]
    )
