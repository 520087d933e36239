"""WebSocket URL map. Each realtime area adds its consumers here (rooms, calls, support)."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
