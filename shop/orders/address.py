"""Shipping address validation shared by the checkout form, the API and the services."""

from __future__ import annotations

import re

from babel import Locale
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

COUNTRIES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}
)
POSTAL_CODES = {
    "US": r"\d{5}(-\d{4})?",
    "CN": r"\d{6}",
    "JP": r"\d{3}-?\d{4}",
    "ID": r"\d{5}",
    "SA": r"\d{5}(-\d{4})?",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "ES": r"\d{5}",
    "IT": r"\d{5}",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
}
# Countries where addresses have no postal codes (the field may stay empty).
NO_POSTAL_CODE = {"AE", "HK", "QA", "IE", "PA", "JM"}
PHONE = re.compile(r"^\+?[\d\s().-]{6,25}$")


class AddressError(ValueError):
    """Invalid address; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ShippingAddress(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    name: str = Field(min_length=2, max_length=120)
    line1: str = Field(min_length=3, max_length=200)
    line2: str = Field(default="", max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postal_code: str = Field(default="", max_length=20)
    region: str = Field(default="", max_length=100)
    country: str = Field(min_length=2, max_length=2)
    phone: str = Field(default="", max_length=30)

    @field_validator("country")
    @classmethod
    def known_country(cls, value: str) -> str:
        code = value.upper()
        if code not in COUNTRIES:
            raise ValueError("unknown country")
        return code

    @field_validator("phone")
    @classmethod
    def phone_shape(cls, value: str) -> str:
        if value and not PHONE.match(value):
            raise ValueError("invalid phone number")
        return value

    @model_validator(mode="after")
    def postal_code_for_country(self) -> ShippingAddress:
        code = self.postal_code.upper()
        pattern = POSTAL_CODES.get(self.country)
        if not code and self.country not in NO_POSTAL_CODE:
            raise ValueError("postal_code: required")
        if code and pattern and not re.fullmatch(pattern, code):
            raise ValueError("postal_code: invalid for country")
        if code and not re.fullmatch(r"[A-Z0-9 -]{2,12}", code):
            raise ValueError("postal_code: invalid")
        return self


FIELD_MESSAGES = {
    "name": lambda: _("Enter the recipient's full name."),
    "line1": lambda: _("Enter a street address."),
    "line2": lambda: _("This line is too long."),
    "city": lambda: _("Enter a city."),
    "postal_code": lambda: _("Enter a valid postal code for this country."),
    "region": lambda: _("This value is too long."),
    "country": lambda: _("Choose a country from the list."),
    "phone": lambda: _("Enter a valid phone number."),
}


def address_parse(data: dict[str, object]) -> ShippingAddress:
    """Validate raw input; raise AddressError with a translated message per bad field."""
    try:
        return ShippingAddress.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as invalid:
        errors: dict[str, str] = {}
        for error in invalid.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            if not field and "postal_code" in str(error.get("msg", "")):
                field = "postal_code"
            errors[field or "address"] = FIELD_MESSAGES.get(
                field, lambda: _("Check this address.")
            )()
        raise AddressError(errors) from invalid


def country_choices(language: str) -> list[tuple[str, str]]:
    """(code, name in ``language``) for every known country, sorted by name."""
    from django.utils.translation import to_locale

    try:
        names = Locale.parse(to_locale(language)).territories
    except (ValueError, LookupError):
        names = Locale("en").territories
    return sorted(((code, names.get(code, code)) for code in COUNTRIES), key=lambda item: item[1])
