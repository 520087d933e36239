from django.urls import path

from shop.storefront import views

app_name = "storefront"

urlpatterns = [
    path("", views.home, name="home"),
    path("products/", views.product_list, name="products"),
    path("c/<slug:category_slug>/", views.product_list, name="category"),
    path("s/<slug:shop_slug>/", views.product_list, name="shop"),
    path("s/<slug:shop_slug>/p/<slug:slug>/", views.product_detail, name="product"),
]
