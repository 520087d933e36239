"""A small OpenAI-compatible chat-completions server for tests: it speaks the real wire
protocol (POST /v1/chat/completions, SSE ``data:`` chunks, ``[DONE]``) on a loopback port and
answers from a script, recording every request it receives.

Runs its own event loop in a thread, so both sync and async tests can use it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    """One scripted answer: streamed ``chunks`` (delta dicts), or a raw body, a status, a
    delay before answering."""

    chunks: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    raw: str | None = None
    delay: float = 0.0


def text(*pieces: str) -> Reply:
    return Reply([{"content": piece} for piece in pieces])


def tool_call(name: str, arguments: dict[str, Any], call_id: str = "call_1") -> Reply:
    """A streamed tool call whose arguments arrive split over two chunks, as models do."""
    encoded = json.dumps(arguments)
    middle = len(encoded) // 2
    return Reply(
        [
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": name, "arguments": encoded[:middle]},
                    }
                ]
            },
            {"tool_calls": [{"index": 0, "function": {"arguments": encoded[middle:]}}]},
        ]
    )


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/v1"

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        reply = self.script.pop(0) if self.script else text("(no script)")
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.status != 200:
            return web.json_response({"error": {"message": "boom"}}, status=reply.status)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        if reply.raw is not None:
            await response.write(reply.raw.encode())
            return response
        for delta in reply.chunks:
            chunk = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
            await asyncio.sleep(0.01)
        await response.write(b"data: [DONE]\n\n")
        return response

    def start(self) -> FakeOpenAI:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def _cleanup() -> None:
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def running() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
