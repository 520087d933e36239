"""Who is on a WebSocket: Django's session user, read once at connect.

Replaces Channels' ``AuthMiddlewareStack`` for sockets. Visitors without a session cookie (most
live-room viewers) cost no database trip at all; Channels' AuthMiddleware always hops to its
single database thread, and at thousands of joins a second those hops queue. Channels'
SessionMiddleware also wraps every outgoing message to save the session on HTTP responses,
which a socket never needs: a busy room sends tens of thousands of frames a second.
``scope["session"]`` is still there (read-only: sockets do not save sessions).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import get_user
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser


class SessionAuthMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        scope["session"] = self.store(key)
        if "user" not in scope:
            scope["user"] = await get_user(scope) if key else AnonymousUser()
        return await self.inner(scope, receive, send)


def SessionAuthMiddlewareStack(inner: Any) -> Any:  # mirrors Channels name
    return CookieMiddleware(SessionAuthMiddleware(inner))
