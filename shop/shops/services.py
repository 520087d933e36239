"""Writes for shops and staff."""

from __future__ import annotations

from django.db import transaction

from shop.accounts.models import User
from shop.shops.models import Shop, StaffMembership


@transaction.atomic
def staff_add(*, shop: Shop, user: User, role: str) -> StaffMembership:
    """Make ``user`` staff of ``shop`` with ``role`` (updating the role if already staff).

    Marks the user ``is_staff`` so they can sign in to the merchant admin.
    """
    membership, _created = StaffMembership.objects.update_or_create(
        shop=shop, user=user, defaults={"role": role}
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership
