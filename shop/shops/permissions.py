"""Model permissions granted by shop roles, declared in code instead of database groups.

Django's admin asks ``user.has_perm("app.action_model")``; this backend answers from the roles
the user holds. Which *objects* they may touch is decided by shop scoping (shop/shops/admin.py).
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Any

from shop.shops.models import Role
from shop.shops.selectors import roles_for_user

# Models shared by the whole platform: shop staff may look, only superusers may change.
PLATFORM_MODELS = {
    "catalog.category",
    "catalog.attribute",
    "catalog.attributevalue",
    "pricing.fxrate",
    "accounts.user",
    "shops.shop",
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OWNER: [
        "shops.view_shop",
        "shops.change_shop",
        "shops.*_staffmembership",
        "catalog.*",
        "pricing.view_*",
        "orders.*",
        "vouchers.*",
        "shipping.*",
        "rooms.*",
        "quizzes.*",
        "giveaways.view_*",  # read-only: run from the host console
        "media.view_*",
        "gifts.*",
        "replays.*",
        "wallet.*",
        "consultations.*",
        "support.*",
        "support_chat.*",
        "support_agent.*",
        "support_translation.*",
    ],
    Role.HOST: [
        "shops.view_shop",
        "catalog.view_*",
        "rooms.*",
        "media.view_*",
        "gifts.view_*",
        "giveaways.view_*",
        "replays.view_*",
    ],
    Role.CONSULTANT: ["shops.view_shop", "catalog.view_*", "consultations.*", "orders.view_*"],
    Role.SUPPORT: [
        "shops.view_shop",
        "catalog.view_*",
        "orders.view_*",
        "support.*",
        "support_chat.*",
        "support_agent.view_*",
        "support_translation.view_*",
        "support_translation.*_translationmemoryentry",  # support staff curate translations
    ],
}


def role_allows(role: str, perm: str) -> bool:
    app_label, _dot, codename = perm.partition(".")
    action, _sep, model = codename.partition("_")
    if f"{app_label}.{model}" in PLATFORM_MODELS and action != "view":
        return perm == "shops.change_shop" and role == Role.OWNER
    return any(fnmatch(perm, pattern) for pattern in ROLE_PERMISSIONS.get(role, []))


class ShopRoleBackend:
    """Authorises active staff users by their shop roles. Never authenticates anyone."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not user_obj.is_active or not user_obj.is_staff:
            return False
        return any(role_allows(role, perm) for role in roles_for_user(user_obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if not user_obj.is_active or not user_obj.is_staff:
            return False
        roles = roles_for_user(user_obj)
        return any(
            pattern.startswith(f"{app_label}.")
            for role in roles
            for pattern in ROLE_PERMISSIONS.get(role, [])
        )

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        # The admin only needs has_perm/has_module_perms; listing every permission would need
        # the Permission table, which this backend deliberately does not depend on.
        return set()
