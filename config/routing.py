"""WebSocket URL map. Each realtime area adds its consumers here (rooms, calls, support)."""

from django.urls import URLPattern, path

from liverooms.rooms.consumers import RoomConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi()),
]
