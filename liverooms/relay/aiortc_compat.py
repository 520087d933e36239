"""Every use of aiortc and aioice internals, in one place.

aiortc is a WebRTC endpoint, not an SFU: its receiver decodes what it receives and its sender
encodes what it sends. The relay needs four things aiortc has no public API for:

1. The encoded frames the receiver's jitter buffer assembles, before decoding (video). The
   receiver keeps NACK, RTX and its own PLIs, so loss recovery stays aiortc's job.
2. Each RTP packet as it arrives, before the jitter buffer (audio): aiortc's audio jitter
   buffer stalls on holes and audio has no NACK, so audio is forwarded packet by packet.
3. Sending a PLI to a publisher, and hearing a subscriber's PLI/FIR.
4. Offering chosen host addresses: aioice leaves 127.0.0.1 out of its host candidates.

What is used (checked by ``verify_hooks()`` at startup and by tests/relay/test_aiortc_compat.py):

- ``aioice.ice.get_host_addresses`` (module function, replaced)
- ``RTCRtpReceiver._handle_rtp_packet`` (wrapped per instance)
- ``RTCRtpReceiver.receive`` (public, wrapped per instance to learn payload types)
- ``RTCRtpReceiver._RTCRtpReceiver__decoder_queue`` (replaced per instance; the jitter buffer
  puts ``(codec, JitterFrame)`` there, a decoder thread gets from it)
- ``aiortc.jitterbuffer.JitterFrame.data`` / ``.timestamp``
- ``RTCRtpReceiver._send_rtcp_pli``
- ``RTCRtpSender._send_keyframe`` (replaced per instance; called on PLI/FIR)
- ``RTCRtpSender._next_encoded_frame`` packing an ``av.Packet`` with the encoder's ``pack()``
- ``RtpPacket.ssrc/.payload_type/.timestamp/.payload/.padding_size``
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import queue
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import aioice.ice
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.codecs.opus import OpusEncoder
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.jitterbuffer import JitterFrame

logger = logging.getLogger(__name__)

_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"
_ORIGINAL_GET_HOST_ADDRESSES = aioice.ice.get_host_addresses


class AiortcCompatError(RuntimeError):
    """An aiortc/aioice internal the relay depends on is missing or changed shape."""


class ReceiverListener(Protocol):
    """Told about each media RTP packet and each encoded frame a publisher's receiver gets."""

    def on_rtp(self, ssrc: int, sequence: int, timestamp: int, payload: bytes, size: int) -> None:
        """A media packet as received (RTX excluded): payload as sent, size on the wire."""

    def on_frame(self, data: bytes, timestamp: int) -> None:
        """A complete encoded frame from the jitter buffer; timestamp starts at 0, unwrapped."""


def use_ice_host_addresses(addresses: Sequence[str]) -> None:
    """Offer exactly ``addresses`` as host candidates (empty: aioice's own choice).

    aioice lists every interface address but 127.0.0.1, so two peers on one machine with no
    other interface, or a relay meant to be reached on loopback, never connect. Applies to the
    whole process: a relay process offers the same addresses on every peer connection.
    """
    chosen = [str(ipaddress.ip_address(address.strip())) for address in addresses if address]
    if not chosen:
        aioice.ice.get_host_addresses = _ORIGINAL_GET_HOST_ADDRESSES
        return

    def get_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [
            address
            for address in chosen
            if (use_ipv6 if ipaddress.ip_address(address).version == 6 else use_ipv4)
        ]

    aioice.ice.get_host_addresses = get_host_addresses


class _FrameQueue:
    """Stands in for the receiver's decoder queue: frames go to the listener, not a decoder.

    ``None`` (the receiver stopping) and ``get()`` still reach the real queue, so the idle
    decoder thread aiortc started exits normally and the remote track ends.
    """

    def __init__(self, original: queue.Queue[Any], on_frame: Callable[[bytes, int], None]):
        self._original = original
        self._on_frame = on_frame

    def put(self, task: tuple[Any, JitterFrame] | None) -> None:
        if task is None:
            self._original.put(None)
            return
        frame = task[1]
        try:
            self._on_frame(frame.data, frame.timestamp)
        except Exception:  # never let the relay's bug stop aiortc's receive loop
            logger.exception("relay frame listener failed")

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._original.get(*args, **kwargs)


class ReceiverTap:
    """Hooks one ``RTCRtpReceiver`` so its media reaches a ``ReceiverListener`` undecoded.

    Install before the receiver starts (right after ``addTransceiver``): no packet is missed
    and the decoder thread is handed the stand-in queue.
    """

    def __init__(self, receiver: RTCRtpReceiver, listener: ReceiverListener) -> None:
        self.receiver = receiver
        self.listener = listener
        self.media_payload_types: set[int] = set()
        original_handle = receiver._handle_rtp_packet
        original_receive = receiver.receive
        on_rtp = listener.on_rtp
        payload_types = self.media_payload_types

        async def handle_rtp_packet(packet: Any, arrival_time_ms: int) -> None:
            if packet.payload_type in payload_types:
                try:
                    on_rtp(
                        packet.ssrc,
                        packet.sequence_number,
                        packet.timestamp,
                        packet.payload,
                        len(packet.payload) + packet.padding_size,
                    )
                except Exception:  # never let the relay's bug stop aiortc's receive loop
                    logger.exception("relay RTP listener failed")
            await original_handle(packet, arrival_time_ms)

        async def receive(parameters: Any) -> None:
            for codec in parameters.codecs:
                if codec.mimeType.lower().split("/")[-1] != "rtx":
                    payload_types.add(codec.payloadType)
            await original_receive(parameters)

        original_queue = getattr(receiver, _DECODER_QUEUE)
        receiver._handle_rtp_packet = handle_rtp_packet  # type: ignore[method-assign]
        receiver.receive = receive  # type: ignore[method-assign]
        setattr(receiver, _DECODER_QUEUE, _FrameQueue(original_queue, listener.on_frame))

    async def send_pli(self, media_ssrc: int) -> None:
        """Ask the publisher for a keyframe (RTCP PLI on this receiver's transport)."""
        await self.receiver._send_rtcp_pli(media_ssrc)


def on_keyframe_request(sender: RTCRtpSender, callback: Callable[[], None]) -> None:
    """Call ``callback`` when the subscriber behind ``sender`` sends a PLI or FIR.

    aiortc's own handler only flags its encoder; the relay never encodes, so it replaces it.
    """
    sender._send_keyframe = callback  # type: ignore[method-assign]


def _source(obj: Any, name: str) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise AiortcCompatError(f"cannot read the source of {name}: {exc}") from exc


def _require(condition: bool, internal: str, why: str) -> None:
    if not condition:
        raise AiortcCompatError(
            f"aiortc/aioice internal changed: {internal} ({why}). The relay's hooks in "
            "liverooms/relay/aiortc_compat.py must be updated for this aiortc version."
        )


def verify_hooks() -> None:
    """Fail loudly, naming the internal, when an upgrade broke one of the relay's hooks."""
    from aiortc import rtcdtlstransport, rtcrtpreceiver

    _require(
        callable(getattr(aioice.ice, "get_host_addresses", None)),
        "aioice.ice.get_host_addresses",
        "function missing",
    )
    _require(
        "get_host_addresses(" in _source(aioice.ice.Connection.gather_candidates, "gather"),
        "aioice.ice.Connection.gather_candidates",
        "no longer calls get_host_addresses()",
    )
    handle = getattr(RTCRtpReceiver, "_handle_rtp_packet", None)
    _require(callable(handle), "RTCRtpReceiver._handle_rtp_packet", "method missing")
    handle_source = _source(handle, "RTCRtpReceiver._handle_rtp_packet")
    _require(
        "self.__decoder_queue.put((codec, encoded_frame))" in handle_source,
        "RTCRtpReceiver.__decoder_queue",
        "assembled frames are no longer put on the decoder queue as (codec, frame)",
    )
    _require(
        "self.__jitter_buffer.add(packet)" in handle_source,
        "RTCRtpReceiver.__jitter_buffer",
        "frames are no longer assembled by the jitter buffer in _handle_rtp_packet",
    )
    init_source = _source(RTCRtpReceiver.__init__, "RTCRtpReceiver.__init__")
    _require(
        "self.__decoder_queue" in init_source,
        "RTCRtpReceiver.__decoder_queue",
        "attribute no longer created in __init__",
    )
    worker_source = _source(rtcrtpreceiver.decoder_worker, "decoder_worker")
    _require(
        "input_q.get()" in worker_source and "if task is None" in worker_source,
        "aiortc.rtcrtpreceiver.decoder_worker",
        "no longer gets tasks from its queue and stops on None",
    )
    frame = JitterFrame(data=b"x", timestamp=1)
    _require(
        frame.data == b"x" and frame.timestamp == 1,
        "aiortc.jitterbuffer.JitterFrame",
        "data/timestamp attributes changed",
    )
    _require(
        callable(getattr(RTCRtpReceiver, "_send_rtcp_pli", None)),
        "RTCRtpReceiver._send_rtcp_pli",
        "method missing",
    )
    _require(
        "receiver._handle_rtp_packet(" in _source(rtcdtlstransport, "rtcdtlstransport"),
        "RTCDtlsTransport RTP dispatch",
        "no longer calls receiver._handle_rtp_packet(), so per-instance hooks are bypassed",
    )
    sender_rtcp = _source(RTCRtpSender._handle_rtcp_packet, "RTCRtpSender._handle_rtcp_packet")
    _require(
        "self._send_keyframe()" in sender_rtcp,
        "RTCRtpSender._send_keyframe",
        "PLI/FIR handling no longer calls self._send_keyframe()",
    )
    next_frame = _source(RTCRtpSender._next_encoded_frame, "RTCRtpSender._next_encoded_frame")
    _require(
        ".pack(data)" in next_frame,
        "RTCRtpSender._next_encoded_frame",
        "an av.Packet from the track is no longer packetized with the encoder's pack()",
    )
    for encoder in (Vp8Encoder, OpusEncoder):
        _require(
            callable(getattr(encoder, "pack", None)),
            f"{encoder.__name__}.pack",
            "method missing",
        )
    _require(
        asyncio.iscoroutinefunction(RTCRtpReceiver.receive),
        "RTCRtpReceiver.receive",
        "no longer a coroutine",
    )
