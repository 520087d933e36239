"""Replay media over HTTP with range requests (seeking): local files are answered here with
206 + Content-Range; files on S3 by a redirect to a short-lived presigned URL."""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Iterator
from typing import IO

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from liverooms.replays.models import replay_storage
from liverooms.replays.selectors import access_replay

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
HUGE = 10**18  # any position past this is past the end of any file


def _position(digits: str) -> int:
    """A byte position from the header's digits; very long numbers (int() refuses more than
    4300 digits) are simply past the end of the file."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else HUGE


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a single-range ``Range`` header; None when the header is absent,
    malformed or asks for several ranges (then the whole file is sent, RFC 9110 14.2);
    False when the range cannot be satisfied (416)."""
    match = RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        length = _position(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None  # syntactically invalid: ignored
    if start >= size:
        return False
    end = _position(last) if last else size - 1
    return start, min(end, size - 1)


def _stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


@require_safe
def replay_media(request: HttpRequest, replay_id: int, kind: str) -> HttpResponse:
    """``kind`` is video or poster. Published replays for anyone; unpublished ones for the
    shop's staff (preview); others get 404."""
    replay = access_replay(request.user, replay_id=replay_id)
    field = {"video": replay.video, "poster": replay.poster}.get(kind)
    if not field or not field.name:
        raise Http404("No such file.")
    storage = replay_storage()
    try:
        path = storage.path(field.name)
    except NotImplementedError:  # remote storage (S3): the store serves ranges itself
        url = storage.url(field.name, expire=settings.REPLAY_URL_EXPIRE_SECONDS)  # type: ignore[call-arg]
        response: HttpResponse = HttpResponseRedirect(url)
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        stat = os.stat(path)
    except FileNotFoundError as missing:
        raise Http404("No such file.") from missing
    size = int(stat.st_size)
    etag = f'"{int(stat.st_mtime_ns):x}-{size:x}"'
    content_type = (
        (replay.video_type if kind == "video" and replay.video_type else None)
        or mimetypes.guess_type(path)[0]
        or "application/octet-stream"
    )
    wanted = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range")
    if if_range and if_range != etag:
        wanted = None  # the file changed since the client's first part: send it whole
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
        length = max(end - start + 1, 0)
        response = StreamingHttpResponse(
            _stream(open(path, "rb"), start, length),  # noqa: SIM115 (closed by the generator)
            status=206 if isinstance(wanted, tuple) else 200,
            content_type=content_type,
        )
        response["Content-Length"] = str(length)
        if isinstance(wanted, tuple):
            response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = (
        "public, max-age=3600" if replay.is_published else "private, no-store"
    )
    return response
