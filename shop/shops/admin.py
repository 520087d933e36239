"""Shop scoping for the merchant admin, and the admin for shops and staff.

``ShopScopedAdmin`` is the one place that decides which rows a staff user sees: every model
admin of shop-owned data inherits it and names the path to the owning shop (``shop_path``).
Rows of other shops are invisible in lists, by direct URL (the admin then answers "does not
exist") and in foreign-key choices.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User
from shop.shops.models import Shop, StaffMembership
from shop.shops.selectors import shop_ids_for_user
from shop.shops.services import staff_add


def _owning_shop_id(obj: Model, shop_path: str) -> int | None:
    value: Any = obj
    for part in shop_path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value.pk if isinstance(value, Model) else int(value)


class ShopScopingMixin:
    """Shared by model admins and inlines: filter rows and choices to the user's shops."""

    shop_path = "shop"

    def _shop_ids(self, request: HttpRequest) -> set[int] | None:
        """None means "all shops" (platform superuser)."""
        if request.user.is_superuser:
            return None
        return shop_ids_for_user(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        shop_ids = self._shop_ids(request)
        if shop_ids is None:
            return queryset
        return queryset.filter(**{f"{self.shop_path}__in": shop_ids})

    def _object_allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        shop_ids = self._shop_ids(request)
        if obj is None or shop_ids is None or obj.pk is None:
            return True
        return _owning_shop_id(obj, self._object_shop_path) in shop_ids

    @property
    def _object_shop_path(self) -> str:
        return self.shop_path

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_view_permission(request, obj) and self._object_allowed(request, obj)  # type: ignore[misc]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_change_permission(request, obj) and self._object_allowed(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_delete_permission(request, obj) and self._object_allowed(request, obj)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        shop_ids = self._shop_ids(request)
        if shop_ids is not None:
            related = db_field.remote_field.model
            if related is Shop:
                kwargs["queryset"] = Shop.objects.filter(id__in=shop_ids)
            elif hasattr(related, "shop_scope_path"):
                kwargs["queryset"] = related._default_manager.filter(
                    **{f"{related.shop_scope_path}__in": shop_ids}
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        shop_ids = self._shop_ids(request)
        related = db_field.remote_field.model
        if shop_ids is not None and hasattr(related, "shop_scope_path"):
            kwargs["queryset"] = related._default_manager.filter(
                **{f"{related.shop_scope_path}__in": shop_ids}
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class ShopScopedAdmin(ShopScopingMixin, admin.ModelAdmin):
    """Model admin for rows owned by a shop (directly or through ``shop_path``)."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        shop_ids = self._shop_ids(request)
        if shop_ids is not None:
            if self.shop_path == "shop" and getattr(obj, "shop_id", None) is None:
                if len(shop_ids) != 1:
                    raise PermissionDenied("Choose a shop.")
                obj.shop_id = next(iter(shop_ids))
            if _owning_shop_id(obj, self.shop_path) not in shop_ids:
                raise PermissionDenied("That object belongs to another shop.")
        super().save_model(request, obj, form, change)

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser and self.shop_path == "shop":
            filters.insert(0, "shop")
        return filters


class ShopScopedReadOnlyAdmin(ShopScopedAdmin):
    """Rows only services write (ledger entries, gift sends, draws, conversations): staff of
    the shop look, never add or edit. Deleting is refused unless ``allow_delete``."""

    allow_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.allow_delete and super().has_delete_permission(request, obj)


class ShopScopedInline(ShopScopingMixin):
    """Mixin for inlines: rows and choices limited to the user's shops.

    Django passes the *parent* object to an inline's permission checks, so those follow
    ``parent_shop_path`` (from the parent to its shop), while rows follow ``shop_path``.
    """

    parent_shop_path = "shop"

    @property
    def _object_shop_path(self) -> str:
        return self.parent_shop_path

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return super().has_add_permission(request, obj) and self._object_allowed(request, obj)  # type: ignore[misc]


class StaffMembershipForm(forms.ModelForm):
    email = forms.EmailField(
        label=_("Staff e-mail"), help_text=_("The person must have an account.")
    )

    class Meta:
        model = StaffMembership
        fields = ["shop", "email", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].initial = self.instance.user.email

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        try:
            self.cleaned_data["user"] = User.objects.get(email__iexact=email)
        except User.DoesNotExist as missing:
            raise forms.ValidationError(_("No account uses this e-mail address.")) from missing
        return str(email)


@admin.register(StaffMembership)
class StaffMembershipAdmin(ShopScopedAdmin):
    form = StaffMembershipForm
    list_display = ("user", "shop", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__username")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        shop_ids = self._shop_ids(request)
        shop = form.cleaned_data.get("shop") or obj.shop
        if shop_ids is not None and shop.pk not in shop_ids:
            raise PermissionDenied("That shop is not yours.")
        if change and obj.user_id != form.cleaned_data["user"].pk:
            obj.delete()
        membership = staff_add(
            shop=shop, user=form.cleaned_data["user"], role=form.cleaned_data["role"]
        )
        obj.pk, obj.user, obj.shop = membership.pk, membership.user, membership.shop


class StaffInline(ShopScopedInline, admin.TabularInline):
    model = StaffMembership
    shop_path = "shop"
    parent_shop_path = "id"
    extra = 0
    fields = ("user", "role")
    readonly_fields = ("user",)
    can_delete = True

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # staff are added through the membership form (by e-mail)


@admin.register(Shop)
class ShopAdmin(ShopScopedAdmin):
    shop_path = "id"
    list_display = ("name", "slug", "default_language", "default_currency", "country", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [StaffInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if request.user.is_superuser:
            return ()
        return ("slug", "is_active")
