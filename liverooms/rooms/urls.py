from django.urls import path

from liverooms.rooms import buy, views

app_name = "rooms"

urlpatterns = [
    path("", views.live_list, name="list"),
    path("cards/", views.live_cards, name="cards"),
    path("<slug:slug>/", views.room_detail, name="room"),
    path("<slug:slug>/remind/", views.room_remind, name="remind"),
    path("<slug:slug>/host/", views.host_console, name="host"),
    path("<slug:slug>/host/action/", views.host_action, name="host-action"),
    path("<slug:slug>/host/stats/", views.host_stats, name="host-stats"),
    path("<slug:slug>/host/pk/rooms/", views.host_pk_rooms, name="host-pk-rooms"),
    path("<slug:slug>/buy/quote/", buy.room_buy_quote, name="buy-quote"),
    path("<slug:slug>/buy/", buy.room_buy, name="buy"),
    path("<slug:slug>/buy/<str:number>/check/", buy.room_buy_check, name="buy-check"),
]
