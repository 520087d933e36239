from django.urls import path

from shop.vouchers import views

app_name = "vouchers"

urlpatterns = [
    path("coupons/", views.my_coupons, name="mine"),
]
