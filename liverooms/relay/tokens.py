"""Relay access tokens and webhook signatures: the contract between the web tier and a relay.

The web tier mints a short-lived token per (room, identity) with the grants it decided on; the
relay verifies it without a database. Events the relay posts back are signed the same way
Stripe signs its webhooks, so the receiver can reject forged or replayed requests.

Standard library only: the Django web tier imports this module, and so does the relay
process, which must stay free of Django.

Token format: ``v1.<b64url(json payload)>.<b64url(hmac-sha256(secret, "v1.<payload>"))>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

VERSION = "v1"
ROOM_KINDS = ("live", "private")
MAX_TOKEN_LENGTH = 4096
MAX_NAME_LENGTH = 200
MAX_ID_LENGTH = 128


class TokenError(Exception):
    """A token or signature was refused; ``code`` is stable and safe to show to clients."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What the bearer of a verified token may do in one room."""

    room: str
    identity: str
    name: str
    publish: bool
    subscribe: bool
    admin: bool
    kind: str
    exp: int
    iat: int = 0


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if not key:
        raise ValueError("the relay secret must not be empty")
    return key


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _check_id(label: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{label} must be a non-empty string of at most {MAX_ID_LENGTH} chars")
    return value


def mint(
    secret: str | bytes,
    *,
    room: str,
    identity: str,
    name: str = "",
    publish: bool = False,
    subscribe: bool = True,
    admin: bool = False,
    kind: str = "live",
    ttl: int = 300,
    now: float | None = None,
) -> str:
    """Sign a token granting ``identity`` the given rights in ``room`` for ``ttl`` seconds."""
    _check_id("room", room)
    _check_id("identity", identity)
    if kind not in ROOM_KINDS:
        raise ValueError(f"kind must be one of {ROOM_KINDS}")
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    issued = int(_now(now))
    payload = {
        "room": room,
        "identity": identity,
        "name": str(name)[:MAX_NAME_LENGTH],
        "publish": bool(publish),
        "subscribe": bool(subscribe),
        "admin": bool(admin),
        "kind": kind,
        "iat": issued,
        "exp": issued + int(ttl),
    }
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signing_input = f"{VERSION}.{body}"
    signature = hmac.new(_key(secret), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def _grant_from_payload(payload: Any) -> Grant:
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    room = _check_id("room", payload.get("room"))
    identity = _check_id("identity", payload.get("identity"))
    name = payload.get("name", "")
    kind = payload.get("kind", "live")
    exp = payload.get("exp")
    iat = payload.get("iat", 0)
    flags = {key: payload.get(key, False) for key in ("publish", "subscribe", "admin")}
    if not isinstance(name, str) or kind not in ROOM_KINDS:
        raise ValueError("bad name or kind")
    if not all(isinstance(value, bool) for value in flags.values()):
        raise ValueError("grants must be booleans")
    for number in (exp, iat):
        if not isinstance(number, int) or isinstance(number, bool):
            raise ValueError("exp and iat must be integers")
    return Grant(room=room, identity=identity, name=name, kind=kind, exp=exp, iat=iat, **flags)


def verify(
    secret: str | bytes, token: str, *, room: str | None = None, now: float | None = None
) -> Grant:
    """Return the grant carried by ``token``.

    Raises ``TokenError`` with code ``token_invalid`` (malformed, forged, unknown version),
    ``token_expired`` or ``wrong_room`` (valid token, but for another room than ``room``).
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenError("token_invalid", "the token is missing or malformed")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise TokenError("token_invalid", "the token is malformed or of an unknown version")
    try:
        signature = _b64decode(parts[2])
    except (ValueError, binascii.Error) as exc:
        raise TokenError("token_invalid", "the token signature is malformed") from exc
    expected = hmac.new(_key(secret), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise TokenError("token_invalid", "the token signature does not match")
    try:
        grant = _grant_from_payload(json.loads(_b64decode(parts[1])))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise TokenError("token_invalid", "the token payload is malformed") from exc
    if _now(now) >= grant.exp:
        raise TokenError("token_expired", "the token has expired")
    if room is not None and grant.room != room:
        raise TokenError("wrong_room", "the token is for another room")
    return grant


def _webhook_mac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(_key(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_webhook(secret: str | bytes, body: bytes, now: float | None = None) -> str:
    """Value of the ``X-Relay-Signature`` header for ``body``: ``t=<unix>,v1=<hex>``."""
    timestamp = int(_now(now))
    return f"t={timestamp},v1={_webhook_mac(secret, timestamp, body)}"


def verify_webhook(
    secret: str | bytes,
    body: bytes,
    header: str,
    tolerance: int = 300,
    now: float | None = None,
) -> None:
    """Check an ``X-Relay-Signature`` header.

    Raises ``TokenError('signature_invalid')`` for a malformed header or a wrong signature and
    ``TokenError('signature_expired')`` when the signed time is more than ``tolerance`` seconds
    away from now (a replayed request). Several ``v1=`` entries are accepted, for key rotation.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for item in (header or "").split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        raise TokenError("signature_invalid", "the signature header is malformed")
    expected = _webhook_mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise TokenError("signature_invalid", "the signature does not match the body")
    if abs(_now(now) - timestamp) > tolerance:
        raise TokenError("signature_expired", "the signature is too old")
