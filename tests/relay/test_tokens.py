"""Relay tokens and webhook signatures: what the web tier mints, the relay accepts."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from liverooms.relay.tokens import (
    Grant,
    TokenError,
    mint,
    sign_webhook,
    verify,
    verify_webhook,
)

SECRET = "s3cret"
NOW = 1_800_000_000


def test_a_minted_token_verifies_to_its_grant() -> None:
    token = mint(
        SECRET, room="r1", identity="alice", name="Alice", publish=True, kind="private", now=NOW
    )

    grant = verify(SECRET, token, room="r1", now=NOW + 10)

    assert token.startswith("v1.") and token.count(".") == 2
    assert grant == Grant(
        room="r1",
        identity="alice",
        name="Alice",
        publish=True,
        subscribe=True,
        admin=False,
        kind="private",
        exp=NOW + 300,
        iat=NOW,
    )


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "token_invalid"),
        (lambda t: "v2" + t[2:], "token_invalid"),
        (lambda t: t.replace(".", "", 1), "token_invalid"),
        (lambda t: "", "token_invalid"),
        (lambda t: "v1.%%%.%%%", "token_invalid"),
        (lambda t: t + "." + t, "token_invalid"),
    ],
)
def test_tampered_or_malformed_tokens_are_refused(mangle: object, code: str) -> None:
    token = mint(SECRET, room="r1", identity="alice", now=NOW)

    with pytest.raises(TokenError) as refused:
        verify(SECRET, mangle(token), now=NOW)  # type: ignore[operator]

    assert refused.value.code == code


def test_a_payload_swap_breaks_the_signature() -> None:
    token = mint(SECRET, room="r1", identity="alice", now=NOW)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    payload["admin"] = True
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    forged = ".".join([token.split(".")[0], forged_body, token.split(".")[2]])

    with pytest.raises(TokenError, match="signature") as refused:
        verify(SECRET, forged, now=NOW)
    assert refused.value.code == "token_invalid"


def test_another_secret_is_refused() -> None:
    token = mint("other", room="r1", identity="alice", now=NOW)

    with pytest.raises(TokenError) as refused:
        verify(SECRET, token, now=NOW)

    assert refused.value.code == "token_invalid"


def test_expiry_and_room_are_enforced() -> None:
    token = mint(SECRET, room="r1", identity="alice", ttl=60, now=NOW)

    with pytest.raises(TokenError) as expired:
        verify(SECRET, token, now=NOW + 60)
    with pytest.raises(TokenError) as wrong_room:
        verify(SECRET, token, room="r2", now=NOW)

    assert expired.value.code == "token_expired"
    assert wrong_room.value.code == "wrong_room"


@pytest.mark.parametrize(
    "kwargs",
    [{"room": ""}, {"identity": ""}, {"kind": "public"}, {"ttl": 0}, {"room": "x" * 200}],
)
def test_minting_refuses_bad_arguments(kwargs: dict[str, object]) -> None:
    arguments: dict[str, object] = {"room": "r1", "identity": "alice", **kwargs}

    with pytest.raises(ValueError):
        mint(SECRET, **arguments)  # type: ignore[arg-type]


def test_webhook_signatures_round_trip_and_reject_changes() -> None:
    body = b'{"id":"evt_1"}'
    header = sign_webhook(SECRET, body, now=NOW)

    verify_webhook(SECRET, body, header, now=NOW + 100)
    verify_webhook(SECRET, body, f"{header},v1=deadbeef", now=NOW)  # several v1 (rotation)

    assert header.startswith(f"t={NOW},v1=")
    for bad_body, bad_header, code in [
        (b'{"id":"evt_2"}', header, "signature_invalid"),
        (body, sign_webhook("other", body, now=NOW), "signature_invalid"),
        (body, "garbage", "signature_invalid"),
        (body, f"t={NOW}", "signature_invalid"),
        (body, header, "signature_expired"),
    ]:
        with pytest.raises(TokenError) as refused:
            verify_webhook(SECRET, bad_body, bad_header, tolerance=300, now=NOW + 301)
        assert refused.value.code == code, (bad_body, bad_header)


def test_the_token_module_needs_only_the_standard_library() -> None:
    """The Django web tier imports it; it must not drag in aiortc, aiohttp or Django."""
    code = (
        "import sys; import liverooms.relay.tokens; "
        "bad = [m for m in ('django', 'aiortc', 'aiohttp', 'av', 'redis') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == ""
