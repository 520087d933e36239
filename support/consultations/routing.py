"""WebSocket routes for consultations (included by ``config.routing``)."""

from django.urls import URLPattern, path

from support.consultations.consumers.call import CallConsumer
from support.consultations.consumers.slots import SlotsConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/calls/<int:booking_id>/", CallConsumer.as_asgi()),
    path("ws/consultations/<int:service_id>/slots/", SlotsConsumer.as_asgi()),
]
