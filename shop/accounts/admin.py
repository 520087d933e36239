from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from shop.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Platform superusers manage accounts; shop owners manage staff through memberships."""

    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("Preferences"),
            {"fields": ("preferred_language", "preferred_currency", "country", "time_zone")},
        ),
    )
    list_display = ("username", "email", "is_staff", "is_superuser", "date_joined")
