"""Reads about shops and staff, and the checks that scope everything to a shop."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from shop.accounts.models import User
from shop.shops.models import Role, Shop, StaffMembership


def shop_ids_for_user(user: User | AnonymousUser, *, roles: set[str] | None = None) -> set[int]:
    """Ids of the shops where ``user`` is staff (optionally with one of ``roles``).

    Memoised on the user object for the length of a request.
    """
    if not user.is_authenticated:
        return set()
    cache: dict[frozenset[str] | None, set[int]] = user.__dict__.setdefault("_shop_ids", {})
    key = frozenset(roles) if roles else None
    if key not in cache:
        memberships = StaffMembership.objects.filter(user=user, shop__is_active=True)
        if roles:
            memberships = memberships.filter(role__in=roles)
        cache[key] = set(memberships.values_list("shop_id", flat=True))
    return cache[key]


def roles_for_user(user: User | AnonymousUser) -> set[str]:
    """Every role ``user`` holds in any active shop."""
    if not user.is_authenticated:
        return set()
    cache = user.__dict__
    if "_shop_roles" not in cache:
        cache["_shop_roles"] = set(
            StaffMembership.objects.filter(user=user, shop__is_active=True).values_list(
                "role", flat=True
            )
        )
    return set(cache["_shop_roles"])


def shops_for_user(user: User | AnonymousUser) -> QuerySet[Shop]:
    if user.is_authenticated and user.is_superuser:
        return Shop.objects.all()
    return Shop.objects.filter(id__in=shop_ids_for_user(user))


def access_shop(user: User | AnonymousUser, shop: Shop, *, roles: set[str] | None = None) -> Shop:
    """Return ``shop`` if ``user`` may act for it (optionally in one of ``roles``), else raise."""
    if user.is_authenticated and user.is_superuser:
        return shop
    if shop.pk not in shop_ids_for_user(user, roles=roles):
        raise PermissionDenied("You are not staff of this shop.")
    return shop


__all__ = ["Role", "access_shop", "roles_for_user", "shop_ids_for_user", "shops_for_user"]
