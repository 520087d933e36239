"""Local HTTP servers that speak LibreTranslate's and the OpenAI chat-completions protocols,
for the translation engine tests: deterministic answers, request counting, failure modes."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (source, target, text) -> translation; anything else becomes "<target>: <text>".
PHRASES: dict[tuple[str, str, str], str] = {
    ("en", "es", "Is it silk?"): "¿Es de seda?",
    ("en", "zh", "Is it silk?"): "是真丝吗？",
    ("en", "zh-Hans", "Is it silk?"): "是真丝吗？",
    ("en", "es", "I love [[0]] scarves"): "Me encantan las bufandas [[0]]",
    ("en", "es", "Sale on silk scarves"): "Rebajas en pañuelos silk",
}


@dataclass
class FakeServer:
    url: str = ""
    requests: Counter[str] = field(default_factory=Counter)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    # "ok", "error" (HTTP 500), "slow" (answers after 1 s), "garbage" (not JSON),
    # "ramble" (OpenAI only: a long answer instead of a translation)
    mode: str = "ok"
    chinese_code: str = "zh-Hans"  # LibreTranslate >= 1.6; older servers say "zh"
    api_key: str = ""

    def translations(self, target: str) -> int:
        return self.requests[f"translate:{target}"]


def _libretranslate_answer(server: FakeServer, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    if server.api_key and body.get("api_key") != server.api_key:
        return 403, {"error": "Invalid API key"}
    codes = ["en", "es", "ar", "id", server.chinese_code]
    if path == "/detect":
        return 200, [{"confidence": 90.0, "language": "en"}]
    source, target, text = body.get("source"), body.get("target"), body.get("q", "")
    if target not in codes or (source != "auto" and source not in codes):
        return 400, {"error": f"{target} is not supported"}
    server.requests[f"translate:{target}"] += 1
    known_source = "en" if source == "auto" else source
    translated = PHRASES.get((known_source, target, text), f"{target}: {text}")
    answer: dict[str, Any] = {"translatedText": translated}
    if source == "auto":
        answer["detectedLanguage"] = {"confidence": 90.0, "language": "en"}
    return 200, answer


_LANGUAGE_NAMES = {"Spanish": "es", "Simplified Chinese": "zh-Hans", "English": "en"}
_LANGUAGE_NAMES |= {"Arabic": "ar", "Indonesian": "id"}


def _openai_answer(server: FakeServer, body: dict[str, Any]) -> tuple[int, Any]:
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    found = re.search(r"into (.+?)\. Reply", system)
    target = _LANGUAGE_NAMES.get(found.group(1) if found else "", "?")
    server.requests[f"translate:{target}"] += 1
    text = re.sub(r"^<text>(.*)</text>$", r"\1", user, flags=re.S)
    translated = PHRASES.get(("en", target, text), f"{target}: {text}")
    if 'must be written "Lumière"' in system:  # the model follows the glossary it was given
        translated = translated.replace("Lumiere", "Lumière")
    if server.mode == "ramble":  # a chatty model answering instead of translating
        translated = "Sure! Here is some background on silk. " * 40
    message = {"role": "assistant", "content": translated}
    return 200, {"id": "x", "object": "chat.completion", "choices": [{"message": message}]}


def _handler(server: FakeServer, kind: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, payload: Any) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError):  # the client timed out ("slow" mode)
                self.wfile.write(data)

        def do_GET(self) -> None:
            server.requests[f"GET {self.path}"] += 1
            if self.path == "/languages":
                codes = ["en", "es", "ar", "id", server.chinese_code]
                self._reply(200, [{"code": c, "name": c, "targets": codes} for c in codes])
            else:
                self._reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            server.requests[f"POST {self.path}"] += 1
            server.bodies.append({"path": self.path, "headers": dict(self.headers), **body})
            if server.mode == "slow":
                time.sleep(1)
            if server.mode == "error":
                self._reply(500, {"error": "model crashed"})
                return
            if server.mode == "garbage":
                self._reply(200, b"<html>proxy error</html>")
                return
            if kind == "openai":
                self._reply(*_openai_answer(server, body))
            else:
                self._reply(*_libretranslate_answer(server, self.path, body))

    return Handler


@contextmanager
def running(kind: str) -> Iterator[FakeServer]:
    """A fake ``libretranslate`` or ``openai`` server on 127.0.0.1 (a free port)."""
    fake = FakeServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake, kind))
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    if kind == "openai":
        fake.url += "/v1"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
