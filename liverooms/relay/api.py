"""The relay's control API (aiohttp, JSON), called by the web tier and by clients.

Adapters only: parse the request, verify the token, call one ``Relay`` service, render JSON.
Every refusal is ``{"error": code, "message": text}`` with a 4xx/5xx status; a malformed
request is refused before the relay creates anything for it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from liverooms.relay.errors import STATUS, RelayError
from liverooms.relay.relay import Relay
from liverooms.relay.tokens import Grant, TokenError, verify

logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(code: str, message: str, status: int | None = None) -> web.Response:
    return web.json_response(
        {"error": code, "message": message}, status=status or STATUS.get(code, 400)
    )


CORS_HEADERS = {
    # Tokens travel in the body or the Authorization header, never in cookies, so any page
    # may call the relay: the token is what is checked.
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Browsers call the relay directly (cross-origin) with the token the web tier minted."""
    if request.method == "OPTIONS":
        return web.Response(status=204, headers=CORS_HEADERS)
    response = await handler(request)
    response.headers.update(CORS_HEADERS)
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RelayError as exc:
        return error_response(exc.code, exc.message, exc.status)
    except TokenError as exc:
        status = 403 if exc.code == "wrong_room" else 401
        return error_response(exc.code, exc.message, status)
    except web.HTTPRequestEntityTooLarge:
        return error_response("too_large", f"the request body is over {MAX_BODY} bytes")
    except web.HTTPNotFound:
        return error_response("not_found", "no such endpoint")
    except web.HTTPMethodNotAllowed:
        return error_response("method_not_allowed", "method not allowed on this endpoint")
    except web.HTTPException as exc:
        return error_response("bad_request", exc.reason, exc.status)
    except Exception:
        logger.exception("control API %s %s failed", request.method, request.path)
        return error_response("internal_error", "the relay failed to handle this request", 500)


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise RelayError("too_large", f"the request body is over {MAX_BODY} bytes")
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RelayError("bad_request", "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise RelayError("bad_request", "the body must be a JSON object")
    return body


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class ControlApi:
    def __init__(self, relay: Relay, secret: str) -> None:
        self.relay = relay
        self.secret = secret

    def _grant(
        self, request: web.Request, body: dict[str, Any] | None, room: str | None = None
    ) -> Grant:
        token = (body or {}).get("token") or _bearer(request)
        if not isinstance(token, str) or not token:
            raise TokenError("token_invalid", "a token is required (body 'token' or Bearer)")
        if room is None and body is not None and "room" in body:
            if not isinstance(body["room"], str):
                raise RelayError("bad_request", "room must be a string")
            room = body["room"]
        return verify(self.secret, token, room=room)

    @staticmethod
    def _offer_type(body: dict[str, Any]) -> None:
        if body.get("type", "offer") != "offer":
            raise RelayError("bad_request", "type must be 'offer'")

    async def publish(self, request: web.Request) -> web.Response:
        offered_at = time.monotonic()
        body = await _json_body(request)
        grant = self._grant(request, body)
        self._offer_type(body)
        answer = await self.relay.publish(grant, body.get("sdp"), offered_at=offered_at)
        return web.json_response(answer)

    async def subscribe(self, request: web.Request) -> web.Response:
        offered_at = time.monotonic()
        body = await _json_body(request)
        grant = self._grant(request, body)
        self._offer_type(body)
        answer = await self.relay.subscribe(
            grant, body.get("publisher"), body.get("sdp"), offered_at=offered_at
        )
        return web.json_response(answer)

    async def leave(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        grant = self._grant(request, body)
        return web.json_response(await self.relay.leave(grant, body.get("peer_id")))

    async def remove(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        grant = self._grant(request, body, room=request.match_info["room"])
        return web.json_response(await self.relay.remove_participant(grant, body.get("identity")))

    async def close(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        grant = self._grant(request, body, room=request.match_info["room"])
        return web.json_response(await self.relay.close_room(grant))

    async def room(self, request: web.Request) -> web.Response:
        grant = self._grant(request, None, room=request.match_info["room"])
        return web.json_response(self.relay.describe_room(grant))

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response(self.relay.health())


def build_app(relay: Relay, secret: str) -> web.Application:
    api = ControlApi(relay, secret)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[cors_middleware, error_middleware])
    app.router.add_post("/v1/publish", api.publish)
    app.router.add_post("/v1/subscribe", api.subscribe)
    app.router.add_post("/v1/leave", api.leave)
    app.router.add_post("/v1/rooms/{room}/remove", api.remove)
    app.router.add_post("/v1/rooms/{room}/close", api.close)
    app.router.add_get("/v1/rooms/{room}", api.room)
    app.router.add_get("/healthz", api.health)
    return app
