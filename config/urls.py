"""URL map: storefront pages under a language prefix; admin, API, i18n switches without."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog, set_language
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from liverooms.media.views import relay_events
from shop.catalog.api import ProductViewSet
from shop.orders.api import OrderViewSet
from shop.payments.views import stripe_webhook
from shop.pricing.views import set_currency

admin.site.site_header = "Showroom"
admin.site.site_title = "Showroom admin"
admin.site.index_title = "Merchant admin"

api_v1 = DefaultRouter(trailing_slash=True)
api_v1.register("products", ProductViewSet, basename="product")
api_v1.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1.urls, "api"), namespace="api-v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("currency/", set_currency, name="set_currency"),
    path("payments/stripe/webhook/", stripe_webhook, name="stripe-webhook"),
    path("rtc/relay/events/", relay_events, name="relay-events"),
    path("replays/media/", include("liverooms.replays.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("shop.accounts.urls")),
    path("cart/", include("shop.cart.urls")),
    path("coins/", include("shop.wallet.urls")),
    path("consultations/", include("support.consultations.urls")),
    path("support/", include("support.chat.urls")),
    path("", include("liverooms.giveaways.urls")),
    path("live/", include("liverooms.rooms.urls")),
    path("replays/", include("liverooms.replays.page_urls")),
    path("payments/", include("shop.payments.urls")),
    path("", include("shop.orders.urls")),
    path("", include("shop.vouchers.urls")),
    path("", include("shop.storefront.urls")),
    prefix_default_language=True,
)

if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
