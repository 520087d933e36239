"""Which currency a visitor sees: cookie, account, country, browser language, then the default."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

EUROZONE = {
    "AT",
    "BE",
    "CY",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
}
COUNTRY_CURRENCY = {"US": "USD", "CN": "CNY", "JP": "JPY", "ID": "IDR", "SA": "SAR"}
COUNTRY_CURRENCY.update({country: "EUR" for country in EUROZONE})
# A bare language tag implies the country most of its shoppers buy from.
LANGUAGE_COUNTRY = {"zh": "CN", "ja": "JP", "id": "ID", "ar": "SA"}


def currency_for_country(country: str) -> str | None:
    code = COUNTRY_CURRENCY.get(country.upper())
    return code if code in settings.CURRENCIES else None


def country_from_accept_language(header: str) -> str | None:
    for part in header.split(","):
        tag = part.split(";")[0].strip().replace("_", "-")
        if not tag or tag == "*":
            continue
        pieces = tag.split("-")
        region = next((p for p in pieces[1:] if len(p) == 2 and p.isalpha()), None)
        if region:
            return region.upper()
        if pieces[0].lower() in LANGUAGE_COUNTRY:
            return LANGUAGE_COUNTRY[pieces[0].lower()]
    return None


def currency_for_request(request: HttpRequest) -> str:
    cookie = request.COOKIES.get(settings.CURRENCY_COOKIE_NAME, "").upper()
    if cookie in settings.CURRENCIES:
        return cookie
    user = getattr(request, "user", None)
    preferred = getattr(user, "preferred_currency", "") if user and user.is_authenticated else ""
    if preferred in settings.CURRENCIES:
        return preferred
    header_country = request.META.get(settings.COUNTRY_HEADER, "")
    if header_country and currency_for_country(header_country):
        return currency_for_country(header_country) or settings.DEFAULT_CURRENCY
    country = country_from_accept_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if country and currency_for_country(country):
        return currency_for_country(country) or settings.DEFAULT_CURRENCY
    return str(settings.DEFAULT_CURRENCY)
