"""Helpers for support chat socket tests: connect a widget or an inbox socket, read frames
(each validated against the protocol's outbound schema)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore

from support.chat.consumers import VISITOR_SESSION_KEY
from support.chat.protocol import OUTBOUND
from support.chat.routing import websocket_urlpatterns

application = URLRouter(websocket_urlpatterns)


def visitor_session(visitor: str) -> SessionStore:
    """A saved session holding an anonymous visitor id (what the widget's config request
    leaves behind)."""
    session = SessionStore()
    session[VISITOR_SESSION_KEY] = visitor
    session.save()
    return session


async def widget(
    user: Any = None,
    *,
    shop: str = "shop-a",
    lang: str = "en",
    session: SessionStore | None = None,
    extra: str = "",
) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/support/?shop={shop}&lang={lang}{extra}")
    socket.scope["user"] = user or AnonymousUser()
    if session is not None:
        socket.scope["session"] = session
    connected, _ = await socket.connect()
    assert connected
    return socket


async def inbox(user: Any, lang: str = "en") -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/support/inbox/?lang={lang}")
    socket.scope["user"] = user
    connected, _ = await socket.connect()
    assert connected
    return socket


async def receive(socket: WebsocketCommunicator, timeout: float = 5.0) -> dict[str, Any]:
    frame = json.loads(await socket.receive_from(timeout=timeout))
    OUTBOUND.validate_python(frame)  # every frame matches the documented schema
    return frame


async def until(
    socket: WebsocketCommunicator,
    event_type: str,
    timeout: float = 8.0,
    seen: list[dict[str, Any]] | None = None,
    **matching: Any,
) -> dict[str, Any]:
    """The next frame of ``event_type`` (whose fields equal ``matching``); frames passed on
    the way are appended to ``seen``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        frame = await receive(socket, max(remaining, 0.01))
        if seen is not None:
            seen.append(frame)
        if frame["type"] == event_type and all(frame.get(k) == v for k, v in matching.items()):
            return frame


async def say(socket: WebsocketCommunicator, text: str, ref: str = "m") -> dict[str, Any]:
    await socket.send_to(text_data=json.dumps({"type": "support.send", "text": text, "ref": ref}))
    return await until(socket, "support.sent", ref=ref)


async def silent(socket: WebsocketCommunicator, seconds: float = 0.5) -> list[dict[str, Any]]:
    """Frames arriving within ``seconds`` (none expected, usually)."""
    frames = []
    # receive_nothing, not a timed-out receive: a receive timeout cancels the application.
    while not await socket.receive_nothing(timeout=seconds):
        frames.append(await receive(socket))
    return frames
