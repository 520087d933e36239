"""Checkout form: contact, address, shipping method, voucher. Prices are never posted."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shop.orders.address import AddressError, ShippingAddress, address_parse, country_choices


class CheckoutForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    name = forms.CharField(label=_("Full name"), max_length=120)
    line1 = forms.CharField(label=_("Address"), max_length=200)
    line2 = forms.CharField(label=_("Apartment, suite (optional)"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    region = forms.CharField(label=_("State / province (optional)"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"))
    phone = forms.CharField(label=_("Phone (for the courier)"), max_length=30, required=False)
    shipping_rate = forms.TypedChoiceField(
        label=_("Shipping method"), coerce=int, required=False, empty_value=None
    )
    voucher_code = forms.CharField(label=_("Voucher code"), max_length=40, required=False)
    expected_total = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, language: str, rate_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *country_choices(language)]  # type: ignore[attr-defined]
        self.fields["shipping_rate"].choices = [(str(i), str(i)) for i in rate_ids]  # type: ignore[attr-defined]
        self.address: ShippingAddress | None = None

    def clean_expected_total(self) -> Decimal | None:
        raw = self.cleaned_data.get("expected_total") or ""
        if not raw:
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise forms.ValidationError(_("Reload the page and try again.")) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fields = ("name", "line1", "line2", "city", "postal_code", "region", "country", "phone")
        if all(name not in self.errors for name in ("name", "line1", "city", "country")):
            try:
                self.address = address_parse({name: cleaned.get(name, "") for name in fields})
            except AddressError as invalid:
                for field, message in invalid.errors.items():
                    self.add_error(field if field in self.fields else None, message)
        return cleaned
