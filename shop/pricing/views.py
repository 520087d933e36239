"""Switch the display currency (POST), like Django's ``set_language``."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.accounts.services import user_set_preferred_currency
from shop.pricing.money import CurrencyError, check_currency


@require_POST
def set_currency(request: HttpRequest) -> HttpResponse:
    try:
        code = check_currency(request.POST.get("currency", ""))
    except CurrencyError:
        return HttpResponseBadRequest(_("Unsupported currency."))
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.CURRENCY_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    if request.user.is_authenticated:
        user_set_preferred_currency(user=request.user, currency=code)
    return response
