"""The relay's refusals: a stable code, an HTTP status and a message for the caller."""

from __future__ import annotations

STATUS = {
    "bad_request": 400,
    "invalid_sdp": 400,
    "token_invalid": 401,
    "token_expired": 401,
    "wrong_room": 403,
    "publish_not_allowed": 403,
    "subscribe_not_allowed": 403,
    "admin_required": 403,
    "participant_removed": 403,
    "peer_not_owned": 403,
    "not_found": 404,
    "publisher_not_found": 404,
    "peer_not_found": 404,
    "participant_not_found": 404,
    "room_not_found": 404,
    "method_not_allowed": 405,
    "room_kind_mismatch": 409,
    "room_full": 409,
    "too_large": 413,
    "unsupported_media_type": 415,
    "relay_full": 503,
    "negotiation_timeout": 504,
}


class RelayError(Exception):
    """Raised by the relay's services; the control API renders it as JSON."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = STATUS.get(code, 400)
