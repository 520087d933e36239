"""iCalendar (RFC 5545) invites for bookings: one VEVENT per booking, its UID stable for life.

METHOD:REQUEST for a new or moved booking (SEQUENCE grows with every change, so calendar
apps replace the old entry), METHOD:CANCEL with the same UID to remove it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LINE_OCTETS = 75


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    method: str  # "REQUEST" or "CANCEL"
    starts_at: dt.datetime
    ends_at: dt.datetime
    stamp: dt.datetime
    summary: str
    description: str
    url: str
    organizer_name: str
    organizer_email: str
    attendee_email: str


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _param(value: str) -> str:
    """A parameter value, quoted; DQUOTE and control characters cannot appear in one."""
    cleaned = "".join(ch for ch in value if ch >= " " and ch != '"')
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (RFC 5545 3.1)."""
    out: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = char, width, LINE_OCTETS - 1  # continuation starts with " "
        else:
            current += char
            size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def invite_ics(invite: Invite) -> str:
    """The whole VCALENDAR as text with CRLF line ends."""
    if invite.method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported METHOD {invite.method!r}")
    status = "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Showroom//Consultations//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invite.method}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(invite.uid)}",
        f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{_utc(invite.stamp)}",
        f"DTSTART:{_utc(invite.starts_at)}",
        f"DTEND:{_utc(invite.ends_at)}",
        f"SUMMARY:{escape_text(invite.summary)}",
        f"DESCRIPTION:{escape_text(invite.description)}",
        f"URL:{invite.url}",
        f"LOCATION:{escape_text(invite.url)}",
        f"ORGANIZER;CN={_param(invite.organizer_name)}:mailto:{invite.organizer_email}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{invite.attendee_email}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
