"""Checking a client's SDP offer before any peer connection is made for it.

A malformed or unsupported offer is refused here with a clear message, so nothing is created
for it; what passes is still negotiated by aiortc, whose failure is reported the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_SDP_LENGTH = 32 * 1024
SEND_DIRECTIONS = ("sendonly", "sendrecv")
RECEIVE_DIRECTIONS = ("recvonly", "sendrecv")


@dataclass(frozen=True)
class MediaLine:
    kind: str
    direction: str
    codecs: tuple[str, ...]


@dataclass(frozen=True)
class Offer:
    sdp: str
    media: tuple[MediaLine, ...]

    def kinds(self, directions: tuple[str, ...]) -> list[str]:
        return [m.kind for m in self.media if m.direction in directions and m.kind != "application"]


class InvalidOffer(ValueError):
    pass


def _media_lines(sdp: str) -> list[MediaLine]:
    media: list[MediaLine] = []
    kind: str | None = None
    direction = "sendrecv"
    codecs: list[str] = []

    def close() -> None:
        if kind is not None:
            media.append(MediaLine(kind, direction, tuple(codecs)))

    for line in sdp.splitlines():
        if line.startswith("m="):
            close()
            parts = line[2:].split()
            if len(parts) < 4:
                raise InvalidOffer("an m= line is malformed")
            kind, direction, codecs = parts[0], "sendrecv", []
        elif (
            kind is not None
            and line[2:] in ("sendonly", "recvonly", "sendrecv", "inactive")
            and line.startswith("a=")
        ):
            direction = line[2:]
        elif kind is not None and line.startswith("a=rtpmap:"):
            _, _, encoding = line.partition(" ")
            codecs.append(encoding.split("/")[0].lower())
    close()
    return media


def parse_offer(sdp: object) -> Offer:
    """Structural checks only; aiortc does the real parsing during negotiation."""
    if not isinstance(sdp, str) or not sdp.strip():
        raise InvalidOffer("sdp must be a non-empty string")
    if len(sdp) > MAX_SDP_LENGTH:
        raise InvalidOffer(f"sdp is longer than {MAX_SDP_LENGTH} characters")
    if "\x00" in sdp:
        raise InvalidOffer("sdp contains NUL characters")
    lines = [line for line in sdp.splitlines() if line]
    if not lines or lines[0] != "v=0":
        raise InvalidOffer("sdp must start with v=0")
    for line in lines:
        if len(line) < 2 or line[1] != "=" or not line[0].isalpha():
            raise InvalidOffer(f"sdp line is not of the form x=value: {line[:40]!r}")
    media = _media_lines(sdp)
    if not any(m.kind in ("audio", "video") for m in media):
        raise InvalidOffer("the offer has no audio or video m= line")
    for kind in ("audio", "video"):
        if sum(1 for m in media if m.kind == kind) > 1:
            raise InvalidOffer(f"at most one {kind} m= line per peer connection")
    if not any(line.startswith("a=candidate:") for line in lines):
        raise InvalidOffer(
            "the offer has no ICE candidates: send a complete offer after gathering "
            "(the relay does not take trickled candidates)"
        )
    for name in ("a=fingerprint:", "a=ice-ufrag:", "a=ice-pwd:"):
        if not any(line.startswith(name) for line in lines):
            raise InvalidOffer(f"the offer has no {name[2:-1]}")
    for line in media:
        wanted = {"audio": "opus", "video": "vp8"}.get(line.kind)
        if wanted and line.direction != "inactive" and wanted not in line.codecs:
            raise InvalidOffer(f"the {line.kind} m= line does not offer {wanted.upper()}")
    return Offer(sdp=sdp, media=tuple(media))
