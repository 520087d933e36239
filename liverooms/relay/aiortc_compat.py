"""Every use of aiortc and aioice internals, in one place.

aiortc is a WebRTC endpoint, not an SFU: its receiver decodes what it receives and its sender
encodes what it sends. The relay needs five things aiortc has no public API for:

1. The encoded frames the receiver's jitter buffer assembles, before decoding (video). The
   receiver keeps NACK, RTX and its own PLIs, so loss recovery stays aiortc's job.
2. Each RTP packet as it arrives, before the jitter buffer (audio): aiortc's audio jitter
   buffer stalls on holes and audio has no NACK, so audio is forwarded packet by packet.
3. Sending a PLI to a publisher, and hearing a subscriber's PLI/FIR.
4. Offering chosen host addresses: aioice leaves 127.0.0.1 out of its host candidates.
5. Sending already-encoded frames cheaply to many subscribers: a forwarding send loop in
   place of ``RTCRtpSender._run_rtp`` (see "The forwarding sender" below).

What is used (checked by ``verify_hooks()`` at startup and by tests/relay/test_aiortc_compat.py):

- ``aioice.ice.get_host_addresses`` (module function, replaced)
- ``RTCRtpReceiver._handle_rtp_packet`` (wrapped per instance)
- ``RTCRtpReceiver.receive`` (public, wrapped per instance to learn payload types)
- ``RTCRtpReceiver._RTCRtpReceiver__decoder_queue`` (replaced per instance; the jitter buffer
  puts ``(codec, JitterFrame)`` there, a decoder thread gets from it)
- ``aiortc.jitterbuffer.JitterFrame.data`` / ``.timestamp``
- ``RTCRtpReceiver._send_rtcp_pli``
- ``RTCRtpSender._send_keyframe`` (replaced per instance; called on PLI/FIR)
- ``RTCRtpSender._run_rtp`` and ``._retransmit`` (replaced per instance), its private
  ``__rtp_started/__rtp_exited/__rtp_header_extensions_map/__rtx_payload_type/__mid`` and
  the counters its RTCP reports and ``getStats()`` read (``__ntp_timestamp/__rtp_timestamp/
  __packet_count/__octet_count``), ``_ssrc/_rtx_ssrc/_enabled``
- ``RTCDtlsTransport._state/_tx_srtp/__tx_bytes/__tx_packets`` and the send path under it:
  ``RTCIceTransport._connection``, ``aioice.ice.Connection._nominated[1]``, a pair's
  ``protocol.transport.sendto`` / ``remote_addr`` (plain ``StunProtocol`` only)
- ``aiortc.rtp.HeaderExtensionsMap.set``, ``wrap_rtx``, ``RTP_HISTORY_SIZE``,
  ``aiortc.codecs.vpx.PACKET_MAX``
- ``pylibsrtp.Session._srtp/_cdata/_buffer`` and ``pylibsrtp._srtp_assert`` (``protect``
  without its per-call Python)
- ``RtpPacket.ssrc/.payload_type/.timestamp/.payload/.padding_size``
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import queue
import random
import re
import struct
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import aioice.ice
import pylibsrtp
from aiortc import MediaStreamError, RTCDtlsTransport, RTCRtpReceiver, RTCRtpSender, rtp
from aiortc.codecs import vpx
from aiortc.jitterbuffer import JitterFrame
from aiortc.rtcdtlstransport import State as DtlsState
from aiortc.rtcrtpsender import random_sequence_number
from aiortc.utils import random32

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
    verify_forwarding_sender()
    _require(
        asyncio.iscoroutinefunction(RTCRtpReceiver.receive),
        "RTCRtpReceiver.receive",
        "no longer a coroutine",
    )


# The forwarding sender ----------------------------------------------------------------------
#
# aiortc's RTCRtpSender._run_rtp does, per packet per subscriber: an RtpPacket object, header
# extensions through HeaderExtensionsMap.set(), serialize(), two datetime-based NTP clock
# reads, and three async wrappers (DTLS, ICE transport, aioice connection/protocol) before
# the socket's sendto. Each subscriber's encoder also re-packetizes every frame. The relay
# replaces that loop per sender: the frame's payload chunks are made once per frame for every
# subscriber (forwarding.EncodedFrame.chunks); per subscriber, per frame, it takes the clock
# once (time.time(), no datetime) and builds the header-extension block once; per packet it
# packs a 12-byte header, protects with SRTP and calls the UDP transport's sendto. The bytes
# on the wire are the ones aiortc's serialize() would make (tests/relay/test_aiortc_compat.py
# compares them), the RTCP sender reports and getStats() read the same counters, and NACKs
# are answered from the forwarding sender's own history (RTX as aiortc does it).

VP8_DESCRIPTOR_SIZE = 4
"""X=1, I=1 and a 15-bit picture id (M=1): the first payload byte differs only in S."""
VP8_CHUNK = vpx.PACKET_MAX - VP8_DESCRIPTOR_SIZE
"""VP8 bytes per packet, after the payload descriptor (same packet size as aiortc's)."""
NTP_EPOCH_OFFSET = 2208988800
"""Seconds from 1900-01-01 (NTP) to 1970-01-01 (unix)."""
_ABS_MARKER = b"\xab\xcd\xef"

_SENDER = "_RTCRtpSender__"
_SENDER_FIELDS = (
    "rtp_started",
    "rtp_exited",
    "rtp_header_extensions_map",
    "rtx_payload_type",
    "mid",
    "ntp_timestamp",
    "rtp_timestamp",
    "octet_count",
    "packet_count",
)
_SENDER_NTP = _SENDER + "ntp_timestamp"
_SENDER_RTP_TIMESTAMP = _SENDER + "rtp_timestamp"
_SENDER_OCTETS = _SENDER + "octet_count"
_SENDER_PACKETS = _SENDER + "packet_count"
_DTLS_TX_BYTES = "_RTCDtlsTransport__tx_bytes"
_DTLS_TX_PACKETS = "_RTCDtlsTransport__tx_packets"


def ntp_time(now: float) -> int:
    """64-bit NTP time of the unix time ``now`` (what ``aiortc.clock.current_ntp_time()``
    gives, without going through ``datetime``)."""
    seconds = int(now)
    return ((seconds + NTP_EPOCH_OFFSET) << 32) | int((now - seconds) * 4294967296.0)


class ForwardedFrame(Protocol):
    pts: int
    """RTP timestamp units from the start of the stream (the codec's clock rate)."""
    chunks: Sequence[bytes]
    """The frame's payload split once for every subscriber: Opus, one chunk; VP8, pieces of
    at most ``VP8_CHUNK`` bytes that the sender prefixes with its payload descriptor."""


class FrameSource(Protocol):
    """Where a forwarding sender gets its frames. It may also offer
    ``push_to(send: Callable[[ForwardedFrame], bool] | None)``: the source then calls
    ``send(frame)`` as each frame comes (no task switch per frame per subscriber) and falls
    back to ``next_frame()`` for the frames (and from the frame on) where it returns False."""

    async def next_frame(self) -> ForwardedFrame:
        """The next frame to send; raises ``MediaStreamError`` when the track ended."""

    def stop(self) -> None: ...


class ExtensionWriter:
    """The header-extension block a sender's negotiated map makes for (mid, abs-send-time).

    Built once with aiortc's own ``HeaderExtensionsMap.set()``; per frame only the 24-bit
    abs-send-time value is put in. Audio levels are never sent (the relay does not decode).
    """

    def __init__(self, extensions_map: rtp.HeaderExtensionsMap, mid: str | None) -> None:
        values = rtp.HeaderExtensions()
        values.mid = mid
        values.abs_send_time = int.from_bytes(_ABS_MARKER, "big")
        profile, value = extensions_map.set(values)
        block = struct.pack("!HH", profile, len(value) >> 2) + value if value else b""
        parts = block.split(_ABS_MARKER)
        if len(parts) == 2:
            self.head, self.tail = parts
            self.uses_time = True
        else:  # abs-send-time not negotiated (or the marker is ambiguous): a fixed block
            values.abs_send_time = None
            profile, value = extensions_map.set(values)
            self.head = struct.pack("!HH", profile, len(value) >> 2) + value if value else b""
            self.tail = b""
            self.uses_time = False
        self.first_byte = 0x90 if self.head else 0x80  # V=2, X when there is a block

    def block(self, ntp: int) -> bytes:
        if not self.uses_time:
            return self.head
        return self.head + ((ntp >> 14) & 0xFFFFFF).to_bytes(3, "big") + self.tail


def srtp_protect(session: Any) -> Callable[[bytes], bytes]:
    """``session.protect`` without pylibsrtp's per-call Python (a type check, a new ``int *``
    and two method layers): the same libsrtp call on the session's own buffer. Anything but
    a plain ``pylibsrtp.Session`` gets its own ``protect``."""
    if type(session) is not pylibsrtp.Session:
        return session.protect  # type: ignore[no-any-return]
    cdata = session._cdata
    buffer = session._buffer
    srtp = session._srtp[0]
    limit = len(cdata) - pylibsrtp.SRTP_MAX_TRAILER_LEN
    length = pylibsrtp.ffi.new("int *")
    srtp_protect = pylibsrtp.lib.srtp_protect

    def protect(data: bytes) -> bytes:
        size = len(data)
        if size > limit:
            raise ValueError("packet is too long")
        buffer[0:size] = data
        length[0] = size
        status = srtp_protect(srtp, cdata, length)
        if status:
            pylibsrtp._srtp_assert(status)  # raises pylibsrtp.Error naming the status
        return buffer[0 : length[0]]  # type: ignore[no-any-return]

    protect.session = session  # type: ignore[attr-defined]  # keeps the libsrtp session alive
    return protect


def _direct_sendto(dtls: RTCDtlsTransport) -> tuple[Callable[[bytes, Any], None], Any] | None:
    """The UDP transport's sendto and address aioice would send to, if it is a plain UDP
    candidate pair (for TURN or anything else, ``None``: the sender uses ``_send_rtp``)."""
    pair = dtls.transport._connection._nominated.get(1)
    if pair is None:
        raise ConnectionError("Cannot send data, not connected")
    protocol = pair.protocol
    if type(protocol).send_data is not aioice.ice.StunProtocol.send_data:
        return None
    return protocol.transport.sendto, pair.remote_addr


def use_forwarding_sender(sender: RTCRtpSender, frames: FrameSource, *, vp8: bool) -> None:
    """Make ``sender`` send ``frames`` (already encoded) with the forwarding loop above.

    Install before the sender starts (right after ``addTransceiver``).
    """
    history: list[tuple[int, bytes] | None] = [None] * rtp.RTP_HISTORY_SIZE
    rtx_sequence = random_sequence_number()

    async def run_rtp(codec: Any) -> None:
        await _run_forwarding_rtp(sender, frames, codec, vp8, history)

    async def retransmit(sequence_number: int) -> None:
        nonlocal rtx_sequence
        entry = history[sequence_number % rtp.RTP_HISTORY_SIZE]
        if entry is None or entry[0] != sequence_number:
            return
        data = entry[1]
        rtx_payload_type = getattr(sender, _SENDER + "rtx_payload_type")
        if rtx_payload_type is not None:
            extensions_map = getattr(sender, _SENDER + "rtp_header_extensions_map")
            packet = rtp.wrap_rtx(
                rtp.RtpPacket.parse(data, extensions_map),
                payload_type=rtx_payload_type,
                sequence_number=rtx_sequence,
                ssrc=sender._rtx_ssrc,
            )
            rtx_sequence = (rtx_sequence + 1) & 0xFFFF
            data = packet.serialize(extensions_map)
        await sender.transport._send_rtp(data)

    sender._run_rtp = run_rtp  # type: ignore[method-assign]
    sender._retransmit = retransmit  # type: ignore[method-assign]


class _ForwardingLoop:
    """One subscriber sender's RTP state and its per-frame send."""

    def __init__(
        self,
        sender: RTCRtpSender,
        codec: Any,
        vp8: bool,
        history: list[tuple[int, bytes] | None],
    ) -> None:
        self.sender = sender
        self.dtls = sender.transport
        self.ssrc = sender._ssrc
        self.vp8 = vp8
        self.history = history
        self.payload_type = codec.payloadType
        self.sequence = random_sequence_number()
        self.timestamp_origin = random32()
        self.picture_id = random.randint(0, 0x7FFF)
        self.packets = self.octets = 0
        self._session: Any = None
        self._protect: Callable[[bytes], bytes] = bytes
        self.extensions = ExtensionWriter(
            getattr(sender, _SENDER + "rtp_header_extensions_map"),
            getattr(sender, _SENDER + "mid"),
        )

    def push(self, frame: ForwardedFrame) -> bool:
        """Send ``frame`` now if that needs no waiting (plain UDP); False: use ``next_frame``."""
        try:
            if not self.sender._enabled:
                return True  # dropped, as aiortc's loop drops frames of a disabled sender
            direct = _direct_sendto(self.dtls)
            if direct is None:
                return False
            self.send(frame, direct)
            return True
        except Exception:  # the pull loop gets the frame, and ends if the transport did
            return False

    def send(
        self, frame: ForwardedFrame, direct: tuple[Callable[[bytes, Any], None], Any] | None
    ) -> list[bytes]:
        """Packetize, protect and (``direct``) send; returns what is left to send otherwise."""
        dtls = self.dtls
        if dtls._state != DtlsState.CONNECTED:
            raise ConnectionError("Cannot send encrypted RTP, not connected")
        session = dtls._tx_srtp
        if session is not self._session:
            self._session = session
            self._protect = srtp_protect(session)
        protect = self._protect
        history = self.history
        history_size = len(history)
        payload_type = self.payload_type
        marker_type = 0x80 | payload_type
        ssrc = self.ssrc
        sequence = self.sequence
        timestamp = (self.timestamp_origin + frame.pts) & 0xFFFFFFFF
        ntp = ntp_time(time.time())
        block = self.extensions.block(ntp)
        first_byte = self.extensions.first_byte
        chunks = frame.chunks
        last = len(chunks) - 1
        if self.vp8:
            picture_id = self.picture_id
            high, low = 0x80 | picture_id >> 8, picture_id & 0xFF
            first = block + bytes((0x90, 0x80, high, low))
            rest = block + bytes((0x80, 0x80, high, low))
            self.picture_id = (picture_id + 1) & 0x7FFF
            octets = VP8_DESCRIPTOR_SIZE * len(chunks)
        else:
            first = rest = block
            octets = 0
        pending: list[bytes] = []
        sent_bytes = 0
        for index, chunk in enumerate(chunks):
            data = b"".join(
                (
                    _pack_header(
                        first_byte,
                        marker_type if index == last else payload_type,
                        sequence,
                        timestamp,
                        ssrc,
                    ),
                    rest if index else first,
                    chunk,
                )
            )
            history[sequence % history_size] = (sequence, data)
            protected = protect(data)
            if direct is None:
                pending.append(protected)
            else:
                direct[0](protected, direct[1])
            sent_bytes += len(protected)
            octets += len(chunk)
            sequence = (sequence + 1) & 0xFFFF
        self.sequence = sequence
        self.packets += len(chunks)
        self.octets += octets
        # What aiortc's loop keeps for its RTCP sender reports and getStats().
        sender = self.sender
        setattr(sender, _SENDER_NTP, ntp)
        setattr(sender, _SENDER_RTP_TIMESTAMP, timestamp)
        setattr(sender, _SENDER_OCTETS, self.octets)
        setattr(sender, _SENDER_PACKETS, self.packets)
        setattr(dtls, _DTLS_TX_BYTES, getattr(dtls, _DTLS_TX_BYTES) + sent_bytes)
        setattr(dtls, _DTLS_TX_PACKETS, getattr(dtls, _DTLS_TX_PACKETS) + len(chunks))
        return pending


_pack_header = struct.Struct("!BBHLL").pack


async def _run_forwarding_rtp(
    sender: RTCRtpSender,
    frames: FrameSource,
    codec: Any,
    vp8: bool,
    history: list[tuple[int, bytes] | None],
) -> None:
    getattr(sender, _SENDER + "rtp_started").set()
    push_to = getattr(frames, "push_to", None)
    try:
        loop = _ForwardingLoop(sender, codec, vp8, history)
        if push_to is not None:
            push_to(loop.push)
        while True:
            # Frames come here only when pushing was not possible (or not offered).
            frame = await frames.next_frame()
            if not sender._enabled:
                continue
            for protected in loop.send(frame, _direct_sendto(sender.transport)):
                await sender.transport.transport._send(protected)
    except (asyncio.CancelledError, ConnectionError, MediaStreamError):
        pass
    except Exception:  # RTCRtpSender.stop() waits for rtp_exited: always reach it
        logger.exception("forwarding sender failed")
    finally:
        if push_to is not None:
            push_to(None)
        frames.stop()
        getattr(sender, _SENDER + "rtp_exited").set()


def verify_forwarding_sender() -> None:
    """The internals ``use_forwarding_sender`` relies on (part of ``verify_hooks()``)."""
    from aiortc import rtcicetransport

    send_source = _source(RTCRtpSender.send, "RTCRtpSender.send")
    _require(
        "self._run_rtp(parameters.codecs[0])" in send_source
        and "self.__rtp_header_extensions_map.configure(parameters)" in send_source,
        "RTCRtpSender.send",
        "no longer starts self._run_rtp(codecs[0]) after configuring the extensions map",
    )
    init_source = _source(RTCRtpSender.__init__, "RTCRtpSender.__init__")
    for name in _SENDER_FIELDS:
        _require(
            re.search(rf"self\.__{name}(: [^=]+)? = ", init_source) is not None,
            f"RTCRtpSender.__{name}",
            "attribute no longer created in __init__",
        )
    _require(
        "self._ssrc = " in init_source
        and "self._rtx_ssrc = " in init_source
        and "self._enabled = " in init_source,
        "RTCRtpSender._ssrc/_rtx_ssrc/_enabled",
        "attributes no longer created in __init__",
    )
    stop_source = _source(RTCRtpSender.stop, "RTCRtpSender.stop")
    _require(
        "self.__rtp_started.wait()" in stop_source and "self.__rtp_exited.wait()" in stop_source,
        "RTCRtpSender.stop",
        "no longer waits for __rtp_started/__rtp_exited",
    )
    rtcp_source = _source(RTCRtpSender._run_rtcp, "RTCRtpSender._run_rtcp")
    _require(
        all(
            f"self.__{name}" in rtcp_source
            for name in ("ntp_timestamp", "rtp_timestamp", "packet_count", "octet_count")
        ),
        "RTCRtpSender._run_rtcp",
        "sender reports no longer built from __ntp_timestamp/__rtp_timestamp/__*_count",
    )
    _require(
        "await self._retransmit(seq)" in _source(RTCRtpSender._handle_rtcp_packet, "rtcp"),
        "RTCRtpSender._retransmit",
        "NACKs are no longer answered through self._retransmit(seq)",
    )
    dtls_send = _source(RTCDtlsTransport._send_rtp, "RTCDtlsTransport._send_rtp")
    _require(
        "self._state != State.CONNECTED" in dtls_send
        and "self._tx_srtp.protect(data)" in dtls_send
        and "await self.transport._send(data)" in dtls_send
        and "self.__tx_bytes += len(data)" in dtls_send
        and "self.__tx_packets += 1" in dtls_send,
        "RTCDtlsTransport._send_rtp",
        "no longer protect()s with _tx_srtp and sends on transport._send, counting __tx_*",
    )
    _require(
        "self._send = self._connection.send"
        in _source(rtcicetransport.RTCIceTransport.__init__, "RTCIceTransport.__init__"),
        "RTCIceTransport._send",
        "no longer the aioice connection's send",
    )
    _require(
        "await self.sendto(data, 1)" in _source(aioice.ice.Connection.send, "Connection.send"),
        "aioice.ice.Connection.send",
        "no longer sends on component 1",
    )
    sendto_source = _source(aioice.ice.Connection.sendto, "Connection.sendto")
    _require(
        "self._nominated.get(component)" in sendto_source
        and "active_pair.protocol.send_data(data, active_pair.remote_addr)" in sendto_source,
        "aioice.ice.Connection.sendto",
        "no longer sends through _nominated[component].protocol.send_data(data, remote_addr)",
    )
    _require(
        "self.transport.sendto(data, addr)"
        in _source(aioice.ice.StunProtocol.send_data, "StunProtocol.send_data"),
        "aioice.ice.StunProtocol.send_data",
        "no longer the UDP transport's sendto",
    )
    process = _source(pylibsrtp.Session._Session__process, "pylibsrtp.Session.__process")
    _require(
        "self._buffer[0 : len(data)] = data" in process
        and "func(self._srtp[0], self._cdata, len_p)" in process
        and "return self._buffer[0 : len_p[0]]" in process
        and "lib.srtp_protect, SRTP_MAX_TRAILER_LEN"
        in _source(pylibsrtp.Session.protect, "protect")
        and callable(getattr(pylibsrtp, "_srtp_assert", None)),
        "pylibsrtp.Session.protect",
        "no longer lib.srtp_protect(_srtp[0], _cdata, len) on the session's _buffer",
    )
    _require(
        vpx.PACKET_MAX == 1300 and rtp.RTP_HISTORY_SIZE == 128,
        "aiortc.codecs.vpx.PACKET_MAX / aiortc.rtp.RTP_HISTORY_SIZE",
        "changed value",
    )
    _require(
        callable(getattr(rtp.HeaderExtensionsMap, "set", None)) and callable(rtp.wrap_rtx),
        "aiortc.rtp.HeaderExtensionsMap.set / wrap_rtx",
        "missing",
    )
