"""The ceiling reference for bench/chat_fanout.py: a bare ``websockets`` server that
broadcasts each chat message with ``websockets.broadcast()`` and likes as a count every 200 ms.

    python bench/ceiling_server.py PORT
"""

from __future__ import annotations

import asyncio
import json
import sys

import websockets

viewers: set[websockets.ServerConnection] = set()
likes = 0


async def handler(socket: websockets.ServerConnection) -> None:
    global likes
    viewers.add(socket)
    try:
        async for raw in socket:
            message = json.loads(raw)
            if message.get("type") == "chat.send":
                websockets.broadcast(viewers, json.dumps({"type": "chat", "text": message["text"]}))
            elif message.get("type") == "like.send":
                likes += 1
    finally:
        viewers.discard(socket)


async def like_ticker() -> None:
    while True:
        await asyncio.sleep(0.2)
        websockets.broadcast(viewers, json.dumps({"type": "likes", "total": likes}))


async def main(port: int) -> None:
    async with websockets.serve(handler, "127.0.0.1", port, max_queue=None):
        await like_ticker()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
