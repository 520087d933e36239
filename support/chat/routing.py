"""WebSocket routes for the support chat (included by ``config.routing``)."""

from django.urls import URLPattern, path

from support.chat.consumers import InboxConsumer, SupportConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/support/", SupportConsumer.as_asgi()),
    path("ws/support/inbox/", InboxConsumer.as_asgi()),
]
