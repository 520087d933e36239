"""The control API refuses bad requests clearly and leaves nothing behind for them."""

from __future__ import annotations

import time

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liverooms.relay.tokens import mint
from tests.fuzz import json_values as fuzz_json
from tests.relay.conftest import RelayProcess
from tests.relay.media import Publisher, RelayCallError, Subscriber, gaps, use_loopback

PLAUSIBLE_SDP = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 97\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\n"
    "a=rtpmap:97 VP8/90000\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
    "a=fingerprint:sha-256 00:11\r\na=candidate:1 1 udp 1 127.0.0.1 9 typ host\r\n"
)


def publish_body(relay: RelayProcess, room: str, **grants: object) -> dict[str, object]:
    token = relay.token(room, "host", publish=True, **grants)
    return {"token": token, "sdp": PLAUSIBLE_SDP, "type": "offer"}


def assert_error(
    result: tuple[int, dict[str, object]], status: int, code: str
) -> dict[str, object]:
    got_status, body = result
    assert (got_status, body.get("error")) == (status, code), body
    assert isinstance(body.get("message"), str) and body["message"]
    return body


def assert_no_room(relay: RelayProcess, room: str) -> None:
    """Refused requests leave nothing behind: no room, so no participant and no peer."""
    admin = {"Authorization": f"Bearer {relay.admin(room)}"}
    assert_error(relay.call("GET", f"/v1/rooms/{room}", headers=admin), 404, "room_not_found")


def test_tokens_are_enforced(relay: RelayProcess) -> None:
    room = "api-tokens"
    valid = publish_body(relay, room)

    assert_error(relay.call("POST", "/v1/publish", {**valid, "token": None}), 401, "token_invalid")
    assert_error(
        relay.call("POST", "/v1/publish", {**valid, "token": "v1.x.y"}), 401, "token_invalid"
    )
    forged = mint("not-the-secret", room=room, identity="host", publish=True)
    assert_error(
        relay.call("POST", "/v1/publish", {**valid, "token": forged}), 401, "token_invalid"
    )
    expired = relay.token(room, "host", publish=True, ttl=1, now=time.time() - 60)
    assert_error(
        relay.call("POST", "/v1/publish", {**valid, "token": expired}), 401, "token_expired"
    )
    assert_error(relay.call("POST", "/v1/publish", {**valid, "room": "other"}), 403, "wrong_room")
    viewer = relay.token(room, "viewer")
    assert_error(
        relay.call("POST", "/v1/publish", {**valid, "token": viewer}), 403, "publish_not_allowed"
    )
    no_subscribe = relay.token(room, "viewer", subscribe=False)
    assert_error(
        relay.call(
            "POST",
            "/v1/subscribe",
            {"token": no_subscribe, "publisher": "host", "sdp": PLAUSIBLE_SDP},
        ),
        403,
        "subscribe_not_allowed",
    )
    for path in (f"/v1/rooms/{room}/close", f"/v1/rooms/{room}/remove"):
        assert_error(relay.call("POST", path, {"token": viewer}), 403, "admin_required")
    assert_error(
        relay.call("POST", "/v1/rooms/other/close", {"token": relay.admin(room)}), 403, "wrong_room"
    )
    assert_error(relay.call("GET", f"/v1/rooms/{room}"), 401, "token_invalid")
    assert_error(
        relay.call("GET", f"/v1/rooms/{room}", headers={"Authorization": f"Bearer {viewer}"}),
        403,
        "admin_required",
    )
    assert_no_room(relay, room)


def test_malformed_requests_get_clear_errors(relay: RelayProcess) -> None:
    room = "api-malformed"
    valid = publish_body(relay, room)

    assert_error(relay.call("POST", "/v1/publish", b"{not json"), 400, "bad_request")
    assert_error(relay.call("POST", "/v1/publish", b"[1, 2]"), 400, "bad_request")
    assert_error(relay.call("POST", "/v1/publish", b"\xff\xfe"), 400, "bad_request")
    assert_error(relay.call("POST", "/v1/publish", b"x" * 70_000), 413, "too_large")
    assert_error(relay.call("POST", "/v1/publish", {**valid, "type": "answer"}), 400, "bad_request")
    for sdp in (None, "", "hello", "v=0\r\n", PLAUSIBLE_SDP.replace("a=candidate", "a=cand")):
        assert_error(relay.call("POST", "/v1/publish", {**valid, "sdp": sdp}), 400, "invalid_sdp")
    h264_only = PLAUSIBLE_SDP.replace("VP8/90000", "H264/90000")
    body = assert_error(
        relay.call("POST", "/v1/publish", {**valid, "sdp": h264_only}), 400, "invalid_sdp"
    )
    assert "VP8" in str(body["message"])
    # Passes the structural checks but aiortc cannot negotiate it (bogus fingerprint).
    assert_error(relay.call("POST", "/v1/publish", valid), 400, "invalid_sdp")
    viewer = relay.token(room, "viewer")
    recv_sdp = PLAUSIBLE_SDP.replace("a=sendonly", "a=recvonly")
    assert_error(
        relay.call(
            "POST", "/v1/subscribe", {"token": viewer, "publisher": "nobody", "sdp": recv_sdp}
        ),
        404,
        "publisher_not_found",
    )
    assert_error(
        relay.call("POST", "/v1/subscribe", {"token": viewer, "publisher": 5, "sdp": recv_sdp}),
        400,
        "bad_request",
    )
    assert_error(
        relay.call("POST", "/v1/leave", {"token": viewer, "peer_id": "PUB_x"}),
        404,
        "peer_not_found",
    )
    assert_error(
        relay.call(
            "POST", f"/v1/rooms/{room}/remove", {"token": relay.admin(room), "identity": "x"}
        ),
        404,
        "participant_not_found",
    )
    assert_error(relay.call("GET", "/v1/nothing"), 404, "not_found")
    assert_error(relay.call("GET", "/v1/publish"), 405, "method_not_allowed")
    assert_no_room(relay, room)


json_values = fuzz_json(text_size=20, width=4, max_leaves=10)
sdp_like = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PLAUSIBLE_SDP.split("\r\n")) | st.text(max_size=30), max_size=20).map(
        "\r\n".join
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["/v1/publish", "/v1/subscribe", "/v1/leave", "/v1/rooms/fuzz/remove"]),
    raw=st.binary(max_size=200),
    fields=st.dictionaries(
        st.sampled_from(["sdp", "type", "publisher", "peer_id", "identity", "room", "token"]),
        json_values,
        max_size=5,
    ),
    sdp=sdp_like,
    use_raw=st.booleans(),
)
def test_fuzzed_requests_are_refused_without_harm(
    relay: RelayProcess, path: str, raw: bytes, fields: dict[str, object], sdp: str, use_raw: bool
) -> None:
    token = relay.token("fuzz", "fuzzer", publish=True, admin=True)
    body: object = raw if use_raw else {"token": token, "sdp": sdp, "publisher": "p", **fields}

    status, answer = relay.call("POST", path, body)

    assert 400 <= status < 500, answer
    assert set(answer) == {"error", "message"}
    assert_no_room(relay, "fuzz")


@pytest.mark.asyncio
async def test_bad_requests_do_not_disturb_peers_that_are_streaming(relay: RelayProcess) -> None:
    use_loopback()
    room = "api-busy"
    async with aiohttp.ClientSession() as session:
        publisher = Publisher(relay.url, relay.token(room, "host", publish=True))
        await publisher.start(session)
        subscriber = Subscriber(relay.url, relay.token(room, "viewer"), "host")
        await subscriber.start(session)
        await subscriber.wait_video(10)
        storm_started = time.monotonic()

        bad_bodies: list[object] = [
            {"token": "garbage", "sdp": PLAUSIBLE_SDP},
            {**publish_body(relay, room), "sdp": "v=0\r\nm=video"},
            publish_body(relay, room),  # plausible, but aiortc cannot negotiate it
            {"token": relay.token(room, "host"), "sdp": PLAUSIBLE_SDP},  # no publish grant
        ]
        for _ in range(5):
            for body in bad_bodies:
                async with session.post(f"{relay.url}/v1/publish", json=body) as response:
                    assert response.status in (400, 401, 403)
            async with session.post(f"{relay.url}/v1/publish", data=b"{broken") as response:
                assert response.status == 400
        with pytest.raises(RelayCallError) as refused:
            await Subscriber(relay.url, relay.token(room, "other"), "nobody").start(session)
        assert refused.value.body["error"] == "publisher_not_found"
        await subscriber.wait_video(len(subscriber.received.counters) + 20)
        peers = relay.health()["peers"]
        await subscriber.close()
        await publisher.close()

    assert gaps(subscriber.received, since=storm_started) == []
    assert peers == 2, "a refused request left a peer behind"
