"""WebSocket URL map. Each realtime area adds its consumers here (rooms, calls, support)."""

from django.urls import URLPattern, path

from liverooms.rooms.consumers import RoomConsumer
from support.chat.routing import websocket_urlpatterns as support_sockets
from support.consultations.routing import websocket_urlpatterns as consultation_sockets

websocket_urlpatterns: list[URLPattern] = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi()),
    *consultation_sockets,
    *support_sockets,
]
