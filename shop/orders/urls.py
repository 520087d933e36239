from django.urls import path

from shop.orders import views
from shop.payments.views import pay, stripe_confirm

app_name = "orders"

urlpatterns = [
    path("checkout/<slug:shop_slug>/", views.checkout, name="checkout"),
    path("orders/", views.order_list, name="list"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/pay/", pay, name="pay"),
    path("orders/<str:number>/pay/stripe/", stripe_confirm, name="stripe-confirm"),
]
