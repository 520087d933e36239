from django.urls import path

from shop.wallet import views

app_name = "wallet"

urlpatterns = [
    path("", views.coins, name="coins"),
    path("buy/<int:pack_id>/", views.coins_buy, name="buy"),
]
