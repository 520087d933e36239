from django.urls import path

from liverooms.giveaways import views

app_name = "giveaways"

urlpatterns = [
    path("live/<slug:slug>/giveaways/<int:giveaway_id>.json", views.giveaway_json, name="record"),
    path("prizes/", views.my_prizes, name="prizes"),
]
