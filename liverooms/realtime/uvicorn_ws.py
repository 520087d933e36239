"""uvicorn's sans-I/O WebSocket protocol plus one ASGI extension: prepared frames.

A room event reaches thousands of sockets as the same text frame. A server frame is neither
masked nor (with per-message deflate off, as ``config.services.web_command`` runs uvicorn)
compressed, so its bytes are the same for every socket: the hub serialises it once and
writes those bytes straight to each connection's transport, instead of going through the
ASGI ``send`` of each socket (a message dict, the server's state checks, a frame object and
its serialisation: ~10 us of Python per socket).

The extension is offered in the scope as ``scope["extensions"][PREPARED_FRAMES]["write"]``:
``write(frame_bytes) -> bool``. It returns False, and writes nothing, whenever the ordinary
``send`` would not write at once: before the handshake completes, after a close was sent or
the connection was lost, while the transport applies backpressure, or when the connection
negotiated an extension that changes frame bytes. The caller then takes the ASGI path, so
frames are never reordered and a slow reader still gets the server's flow control.

Run with ``uvicorn --ws liverooms.realtime.uvicorn_ws:PreparedFramesProtocol``. Other servers
(daphne) do not offer the extension and everything goes through ASGI ``send``.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

PREPARED_FRAMES = "showroom.prepared_frames"


def prepare_text_frame(text: str) -> bytes:
    """The bytes of one unmasked, uncompressed, final text frame carrying ``text``."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class PreparedFramesProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent if the upgrade was refused
        if scope is not None:
            scope["extensions"][PREPARED_FRAMES] = {"write": self.write_prepared}

    def write_prepared(self, frame: bytes) -> bool:
        """Write a frame made by ``prepare_text_frame`` now, if ``send`` would write it now."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(frame)
        return True
