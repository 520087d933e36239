"""The naive reference for bench/chat_fanout.py: the Channels tutorial pattern.

Every chat message and every like is one ``group_send`` on channels_redis's core layer (the
layer then writes one message per member), and each consumer sends it on: no batching, no
per-process fan-out. Run with: daphne bench.naive_app:application (REDIS_URL in the env).
"""

from __future__ import annotations

import json
import os

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    # A pool big enough that the baseline is limited by its design, not by
                    # connection starvation.
                    "hosts": [{"address": os.environ["REDIS_URL"], "max_connections": 4000}],
                    "prefix": "bench-naive",
                    "capacity": 5000,
                },
            }
        },
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.urls import path


class ChatConsumer(AsyncWebsocketConsumer):
    group = "room"

    async def connect(self) -> None:
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = json.loads(text_data or "{}")
        if message.get("type") == "chat.send":
            await self.channel_layer.group_send(
                self.group, {"type": "chat.message", "text": message["text"]}
            )
        elif message.get("type") == "like.send":
            await self.channel_layer.group_send(self.group, {"type": "like.message"})

    async def chat_message(self, event: dict[str, str]) -> None:
        await self.send(text_data=json.dumps({"type": "chat", "text": event["text"]}))

    async def like_message(self, event: dict[str, str]) -> None:
        await self.send(text_data='{"type":"like"}')


application = URLRouter([path("ws/rooms/<slug:slug>/", ChatConsumer.as_asgi())])
