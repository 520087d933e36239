"""Query-string parsing for the listing page. Bad values are reported, never a crash."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.catalog.models import AttributeValue, Category

MAX_OPTION_FILTERS = 20


class ListingForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, strip=True)
    category = forms.SlugField(required=False)
    shop = forms.SlugField(required=False)
    option = forms.TypedMultipleChoiceField(required=False, coerce=int)
    in_stock = forms.BooleanField(required=False)
    sort = forms.ChoiceField(
        required=False, choices=[("newest", _("Newest")), ("featured", _("Featured"))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Facet links carry attribute-value ids; only existing ones are valid choices.
        raw = self.data.getlist("option") if hasattr(self.data, "getlist") else []
        ids = [int(value) for value in raw if str(value).isdigit()][:MAX_OPTION_FILTERS]
        known = AttributeValue.objects.filter(id__in=ids).values_list("id", flat=True)
        self.fields["option"].choices = [(str(i), str(i)) for i in known]  # type: ignore[attr-defined]

    def clean_category(self) -> Category | None:
        slug = self.cleaned_data.get("category")
        if not slug:
            return None
        category = Category.objects.filter(slug=slug, is_active=True).first()
        if category is None:
            raise forms.ValidationError(_("Unknown category."))
        return category
