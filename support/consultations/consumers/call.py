"""``/ws/calls/<id>/``: the consultation call's socket, one per party's page.

A thin adapter: authenticate from the session scope, authorize with ``access_call`` (only the
buyer and the assigned consultant; everyone else is closed with a documented code), join the
call's group, then send the snapshot. Inbound messages are parsed and validated
(``support.consultations.call_protocol``), rate-limited per connection, and handed to a
service; WebRTC signaling goes to the relay's private two-party room.
"""

from __future__ import annotations

import contextlib
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from liverooms.media.services import MediaError, relay_call
from liverooms.realtime.inbound import InboundRules, Refusal, parse_frame
from liverooms.realtime.ratelimit import ConnectionLimiter
from shop.accounts.models import User
from support.consultations import call_events
from support.consultations.call_protocol import (
    CLOSE_AUTH_REQUIRED,
    CLOSE_CALL_CLOSED,
    CLOSE_FLOOD,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    INBOUND,
    INBOUND_TYPES,
    MAX_FRAME_BYTES,
    MAX_RTC_FRAME_BYTES,
    RATE_LIMITS,
    RTC_TYPES,
    CallChatSend,
    CallConnected,
    CallEnd,
    CallInboundMessage,
    CallPing,
    CallRtcLeave,
    CallRtcPublish,
    CallRtcSubscribe,
    ErrorCode,
    ProductPush,
)
from support.consultations.models import Booking, BookingStatus
from support.consultations.selectors.calls import (
    CallRole,
    CallState,
    NotACallParty,
    access_call,
    call_messages,
    call_party_name,
    call_role,
    call_state,
)
from support.consultations.services.calls import (
    CallError,
    call_connect_record,
    call_end,
    call_message_post,
    call_product_cards,
    call_product_push,
    call_publisher_add,
    call_publisher_remove,
    call_publishers,
    call_rtc_grant,
    call_started,
)

logger = logging.getLogger(__name__)


INBOUND_RULES = InboundRules(
    adapter=INBOUND,
    types=frozenset(INBOUND_TYPES),
    max_bytes=MAX_FRAME_BYTES,
    large_types=frozenset(RTC_TYPES),
    max_large_bytes=MAX_RTC_FRAME_BYTES,
)


class CallConsumer(AsyncWebsocketConsumer):
    booking: Booking | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # relay peer id -> (relay URL, token, "publish" | "subscribe")
        self.peers: dict[str, tuple[str, str, str]] = {}
        self.limiter = ConnectionLimiter(RATE_LIMITS)
        self.joined = False

    # Connect and leave ---------------------------------------------------------------------
    async def connect(self) -> None:
        self.user: User = self.scope.get("user")  # type: ignore[assignment]
        booking_id = int(self.scope["url_route"]["kwargs"]["booking_id"])
        await self.accept()  # accept first, so a refusal can say why before the close
        try:
            booking = await database_sync_to_async(access_call)(self.user, booking_id)
        except Booking.DoesNotExist:
            await self._error("not_found", "No such consultation.")
            await self.close(code=CLOSE_NOT_FOUND)
            return
        except NotACallParty:
            if self.user is None or not self.user.is_authenticated:
                await self._error(ErrorCode.AUTH_REQUIRED, "Sign in to join the call.")
                await self.close(code=CLOSE_AUTH_REQUIRED)
            else:
                await self._error(ErrorCode.NOT_A_PARTY, "This call is not yours.")
                await self.close(code=CLOSE_FORBIDDEN)
            return
        state = call_state(booking)
        if state != CallState.OPEN:
            await self._error(ErrorCode.CALL_CLOSED, f"The call is {state.value}.")
            await self.close(code=CLOSE_CALL_CLOSED)
            return
        self.booking = booking
        self.role = call_role(self.user, booking)
        self.identity = f"user-{self.user.pk}"
        other_id = (
            booking.buyer_id if self.role == CallRole.CONSULTANT else booking.consultant.user_id
        )
        self.other_identity = f"user-{other_id}"
        self.name = call_party_name(self.user, booking)
        await self.channel_layer.group_add(call_events.group_name(booking.pk), self.channel_name)
        self.joined = True  # join first ...
        await self._send_snapshot()  # ... snapshot second

    async def disconnect(self, code: int) -> None:
        if self.booking is None:
            return
        if self.joined:
            await self.channel_layer.group_discard(
                call_events.group_name(self.booking.pk), self.channel_name
            )
        for peer_id in list(self.peers):  # the relay would time them out; this is sooner
            await self._leave_peer(peer_id)

    async def _send_snapshot(self) -> None:
        assert self.booking is not None
        booking = self.booking

        def read() -> dict[str, Any]:
            return {
                "messages": call_messages(booking),
                "products": call_product_cards(booking),
                "publishers": call_publishers(booking.pk),
            }

        data = await database_sync_to_async(read)()
        await self._send(
            {
                "type": "call.snapshot",
                "booking": {
                    "id": booking.pk,
                    "status": booking.status,
                    "starts_at": booking.starts_at.isoformat(),
                    "ends_at": booking.ends_at.isoformat(),
                    "currency": booking.currency,
                    "language": booking.language,
                },
                "you": {"identity": self.identity, "role": str(self.role), "name": self.name},
                "other": {"identity": self.other_identity},
                **data,
            }
        )

    # Outbound ------------------------------------------------------------------------------
    async def _send(self, body: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(body, ensure_ascii=False))

    async def _error(
        self, code: str, message: str, ref: str | None = None, detail: str = ""
    ) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref:
            body["ref"] = ref
        if detail:
            body["detail"] = detail
        await self._send(body)

    async def _refuse(self, code: str, message: str, ref: str | None = None) -> None:
        await self._error(code, message, ref)
        if self.limiter.refused():
            await self.close(code=CLOSE_FLOOD)

    async def call_event(self, message: dict[str, Any]) -> None:
        """An event for both parties (``call_events``)."""
        event = message["event"]
        if event.get("type") == "call.ended" and self.booking is not None:
            self.booking.status = BookingStatus.COMPLETED
            for peer_id in list(self.peers):
                await self._leave_peer(peer_id, announce=False)
        await self._send(event)

    # Inbound -------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.booking is None:
            return
        message = parse_frame(text_data, bytes_data, INBOUND_RULES, self.limiter)
        if isinstance(message, Refusal):
            await self._refuse(message.code, message.message, message.ref)
            return
        try:
            await self._handle(message)
        except CallError as refused:
            await self._refuse(refused.code, str(refused), message.ref)
        except MediaError as failed:
            await self._error(failed.code, str(failed), message.ref, failed.detail)
        except Exception:
            # A bug or a database error answers this message with an error; the call goes on.
            logger.exception("call %s: handling %s failed", self.booking.pk, message.type)
            await self._error(ErrorCode.INTERNAL, "Something went wrong; try again.", message.ref)

    async def _handle(self, message: CallInboundMessage) -> None:
        booking = self.booking
        assert booking is not None
        if isinstance(message, CallRtcPublish | CallRtcSubscribe):
            await self._signal(message)
        elif isinstance(message, CallRtcLeave):
            await self._leave_peer(message.peer_id)
        elif isinstance(message, CallChatSend):
            line = await database_sync_to_async(call_message_post)(
                booking=booking, sender=self.user, text=message.text
            )
            if message.ref:  # the sender matches its own line; the group event has no ref
                await self._send({"type": "chat.sent", "ref": message.ref, "id": line["id"]})
        elif isinstance(message, ProductPush):
            await database_sync_to_async(call_product_push)(
                booking=booking, actor=self.user, product_id=message.product_id
            )
        elif isinstance(message, CallConnected):
            sample = await database_sync_to_async(call_connect_record)(
                booking=booking, user=self.user, connect_ms=message.connect_ms
            )
            await self._send(
                {
                    "type": "call.connect_recorded",
                    "ref": message.ref,
                    "connect_ms": sample.connect_ms,
                }
            )
        elif isinstance(message, CallEnd):
            await database_sync_to_async(call_end)(booking=booking, actor=self.user)
        elif isinstance(message, CallPing):
            await self._send({"type": "pong", "ref": message.ref})

    # Media: signaling for the relay's private room -------------------------------------------
    async def _signal(self, message: CallRtcPublish | CallRtcSubscribe) -> None:
        booking = self.booking
        assert booking is not None
        if isinstance(message, CallRtcSubscribe) and message.publisher != self.other_identity:
            raise CallError("You can only receive the other party.", ErrorCode.NOT_THE_OTHER_PARTY)
        url, token = await database_sync_to_async(call_rtc_grant)(booking=booking, user=self.user)
        if isinstance(message, CallRtcPublish):
            path, body = "/v1/publish", {"token": token, "sdp": message.sdp}
        else:
            path = "/v1/subscribe"
            body = {"token": token, "sdp": message.sdp, "publisher": message.publisher}
        answer = await relay_call(url, path, {**body, "type": "offer"})
        peer_id = str(answer.get("peer_id"))
        role = "publish" if isinstance(message, CallRtcPublish) else "subscribe"
        self.peers[peer_id] = (url, token, role)
        await self._send(
            {
                "type": "rtc.answer",
                "ref": message.ref,
                "sdp": answer.get("sdp"),
                "peer_id": peer_id,
                "publisher": getattr(message, "publisher", None),
            }
        )
        if role == "publish":
            await sync_to_async(call_publisher_add, thread_sensitive=False)(
                booking_id=booking.pk, identity=self.identity, name=self.name, peer_id=peer_id
            )
            await database_sync_to_async(call_started)(booking_id=booking.pk)
            await self._announce_publishers()

    async def _announce_publishers(self) -> None:
        assert self.booking is not None
        publishers = await sync_to_async(call_publishers, thread_sensitive=False)(self.booking.pk)
        await call_events.publish_async(
            self.booking.pk, "rtc.publishers", {"publishers": publishers}
        )

    async def _leave_peer(self, peer_id: str, announce: bool = True) -> None:
        peer = self.peers.pop(peer_id, None)
        if peer is None or self.booking is None:
            return
        url, token, role = peer
        with contextlib.suppress(MediaError):
            await relay_call(url, "/v1/leave", {"token": token, "peer_id": peer_id})
        if role == "publish":
            changed = await sync_to_async(call_publisher_remove, thread_sensitive=False)(
                booking_id=self.booking.pk, identity=self.identity, peer_id=peer_id
            )
            if changed and announce:
                with contextlib.suppress(Exception):
                    await self._announce_publishers()
