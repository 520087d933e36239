from django.urls import path

from shop.payments import views

app_name = "payments"

urlpatterns = [
    path("test/<int:payment_id>/confirm/", views.test_confirm, name="test-confirm"),
]
