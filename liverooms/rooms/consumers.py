"""``/ws/rooms/<slug>/``: one socket per viewer for everything realtime in a room.

A thin adapter: parse and validate (liverooms.realtime.protocol), rate-limit, call a service,
hand results to the hub. Join first, snapshot second, so nothing is missed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils.translation import get_supported_language_variant
from django.utils.translation.trans_real import parse_accept_lang_header

from liverooms.gifts.socket import gift_socket_message
from liverooms.giveaways.live import giveaway_chat_line, giveaway_socket_message
from liverooms.media.pk import pk_subscribe_room
from liverooms.media.selectors import user_identity
from liverooms.media.services import (
    MediaError,
    cohost_request,
    relay_call,
    rtc_publish_grant,
    rtc_subscribe_grant,
)
from liverooms.quizzes.socket import quiz_socket_message
from liverooms.realtime import events
from liverooms.realtime.hub import Member, get_hub
from liverooms.realtime.inbound import DirectDispatch, InboundRules, Refusal, parse_frame
from liverooms.realtime.protocol import (
    CLOSE_BANNED,
    CLOSE_FLOOD,
    CLOSE_ROOM_NOT_FOUND,
    INBOUND,
    INBOUND_TYPES,
    MAX_FRAME_BYTES,
    MAX_RTC_FRAME_BYTES,
    RTC_TYPES,
    ChatSend,
    CohostAsk,
    CouponClaim,
    ErrorCode,
    GiftSendMessage,
    GiveawayEnter,
    InboundMessage,
    LikeSend,
    Ping,
    QuizAnswer,
    RoomResume,
    RtcLeave,
    RtcPublish,
    RtcSubscribe,
)
from liverooms.realtime.ratelimit import ConnectionLimiter
from liverooms.realtime.uvicorn_ws import PREPARED_FRAMES
from liverooms.rooms.models import LiveRoom, RoomStatus
from liverooms.rooms.selectors import is_banned, room_for_socket, room_snapshot
from liverooms.rooms.services import RoomError, chat_post
from liverooms.rooms.snapshots import get_socket_cache, snapshot_text

logger = logging.getLogger(__name__)
SLOW_SIGNALING_SECONDS = 3.0
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def viewer_language(scope: dict[str, Any], query: dict[str, list[str]]) -> str:
    """The viewer's language: ``?lang=`` (the page's), else the language cookie, else the
    browser's Accept-Language, else the site default."""
    candidates = [query.get("lang", [""])[0], scope.get("cookies", {}).get(LANGUAGE_COOKIE)]
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1")
    candidates += [code for code, _quality in parse_accept_lang_header(accept)]
    for candidate in candidates:
        if not candidate or candidate == "*":
            continue
        with contextlib.suppress(LookupError):
            return get_supported_language_variant(candidate.lower())
    return settings.LANGUAGE_CODE


INBOUND_RULES = InboundRules(
    adapter=INBOUND,
    types=frozenset(INBOUND_TYPES),
    max_bytes=MAX_FRAME_BYTES,
    large_types=frozenset(RTC_TYPES),
    max_large_bytes=MAX_RTC_FRAME_BYTES,
)


class RoomConsumer(DirectDispatch, AsyncWebsocketConsumer):
    # Room traffic goes through the hub (one subscription per process), never through the
    # channel layer: without this every socket would subscribe its own Redis channel.
    # All its database work goes through database_sync_to_async (see DirectDispatch).
    channel_layer_alias = None
    room: LiveRoom | None = None
    member: Member | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.peers: dict[str, tuple[str, str]] = {}  # relay peer id -> (relay URL, token)

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.user = self.scope.get("user")
        self.signed_in = bool(self.user and self.user.is_authenticated)
        self.limiter = ConnectionLimiter()
        self.cache = get_socket_cache()
        self.room = await self.cache.room(slug)
        await self.accept()
        if self.room is None:
            await self._error("room_not_found", "No such room.")
            await self.close(code=CLOSE_ROOM_NOT_FOUND)
            return
        if self.signed_in and await database_sync_to_async(is_banned)(self.room, self.user):
            await self._error(ErrorCode.FORBIDDEN, "You are banned from this room.")
            await self.close(code=CLOSE_BANNED)
            return
        self.hub = get_hub()
        prepared = self.scope.get("extensions", {}).get(PREPARED_FRAMES, {})
        self.member = Member(self._send_frame, self._send_snapshot, prepared.get("write"))
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.member.language = viewer_language(self.scope, query)  # chat.translated for it
        await self.hub.join(self.room.pk, self.member)  # join first ...
        since = query.get("since", [""])[0]
        if since.isdigit():
            await self._resume(int(since))
        else:
            await self._send_snapshot()  # ... snapshot second
        self.member.ready.set()  # then the events that arrived meanwhile
        await self.hub.publish_viewers(self.room.pk)

    async def disconnect(self, code: int) -> None:
        if self.room is not None and self.member is not None:
            await self.hub.leave(self.room.pk, self.member)
        for peer_id in list(self.peers):  # the relay would time them out; this is sooner
            await self._leave_peer(peer_id)

    # Outbound ----------------------------------------------------------------------------
    async def _send_frame(self, frame: str) -> None:
        if self.room is not None and events.ROOM_STATUS_MARKER in frame:
            self.room.status = json.loads(frame)["status"]  # keep the cached status current
        if events.ROOM_KICK_MARKER in frame and self._is_me(json.loads(frame).get("user_id")):
            await self._error(ErrorCode.FORBIDDEN, "You are banned from this room.")
            await self.close(code=CLOSE_BANNED)
            return
        # Straight to the server's send: the hot path of every delivery.
        await self.base_send({"type": "websocket.send", "text": frame})

    def _is_me(self, user_id: object) -> bool:
        return bool(self.user and self.user.is_authenticated and self.user.pk == user_id)

    async def _send_snapshot(self) -> None:
        assert self.room is not None
        seq = await events.current_seq(self.hub.redis, self.room.pk)  # before reading the DB
        if not self.signed_in:  # the same for every signed-out viewer: built once per seq
            await self.send(text_data=await self.cache.anonymous_snapshot(self.hub, self.room, seq))
            await self._send_recent_translations()
            return

        def read() -> tuple[LiveRoom, Any]:
            assert self.room is not None
            room = room_for_socket(self.room.slug) or self.room
            return room, room_snapshot(room, self.user)

        self.room, snapshot = await database_sync_to_async(read)()
        likes = int(await self.hub.redis.get(events.key(self.room.pk, "likes")) or 0)
        viewers = await self.hub.viewer_count(self.room.pk)
        await self.send(text_data=snapshot_text(seq, snapshot, likes, viewers))
        await self._send_recent_translations()

    async def _send_recent_translations(self) -> None:
        """chat.translated of recent lines in this viewer's language (after a snapshot or a
        resume: they carry no seq, so neither the history nor the snapshot has them)."""
        assert self.room is not None and self.member is not None
        if self.member.language:
            for frame in await events.recent_for_language(
                self.hub.redis, self.room.pk, self.member.language
            ):
                await self.send(text_data=frame)

    async def _resume(self, last_seq: int) -> None:
        assert self.room is not None
        frames = await events.frames_since(self.hub.redis, self.room.pk, last_seq)
        if frames is None:
            await self._send_snapshot()  # too far behind: start again from a snapshot
            return
        for frame in frames:
            await self.send(text_data=frame)
        await self._send_recent_translations()

    async def _error(self, code: str, message: str, ref: str | None = None) -> None:
        body: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref:
            body["ref"] = ref
        await self.send(text_data=json.dumps(body))

    async def _refuse(self, code: str, message: str, ref: str | None = None) -> None:
        await self._error(code, message, ref)
        if self.limiter.refused():
            await self.close(code=CLOSE_FLOOD)

    # Inbound -----------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.member is None:
            return
        message = parse_frame(text_data, bytes_data, INBOUND_RULES, self.limiter)
        if isinstance(message, Refusal):
            await self._refuse(message.code, message.message, message.ref)
            return
        try:
            await self._handle(message)
        except Exception:
            # A bug or a database error in one handler answers this message with an error;
            # it never closes the socket or stops the room.
            logger.exception("room %s: handling %s failed", self.room.slug, message.type)
            await self._error(ErrorCode.INTERNAL, "Something went wrong; try again.", message.ref)

    async def _handle(self, message: InboundMessage) -> None:
        assert self.room is not None
        if isinstance(message, RtcPublish | RtcSubscribe | RtcLeave | CohostAsk):
            await self._media(message)
        elif isinstance(message, GiftSendMessage):
            await gift_socket_message(self, message)
        elif isinstance(message, QuizAnswer):
            await quiz_socket_message(self, message)
        elif isinstance(message, GiveawayEnter | CouponClaim):
            await giveaway_socket_message(self, message)
        elif isinstance(message, Ping):
            await self.send(text_data=json.dumps({"type": "pong", "ref": message.ref}))
        elif isinstance(message, RoomResume):
            await self._resume(message.last_seq)
        elif isinstance(message, LikeSend):
            if not self.user or not self.user.is_authenticated:
                await self._refuse(ErrorCode.AUTH_REQUIRED, "Sign in to like.", message.ref)
            elif self.room.status != RoomStatus.LIVE:
                await self._refuse(ErrorCode.ROOM_NOT_LIVE, "The room is not live.", message.ref)
            else:
                self.hub.add_likes(self.room.pk, message.count)
        elif isinstance(message, ChatSend):
            try:
                line = await database_sync_to_async(chat_post)(
                    room=self.room, user=self.user, text=message.text
                )
            except RoomError as refused:
                await self._refuse(refused.code, str(refused), message.ref)
                return
            if message.ref:
                line = {**line, "ref": message.ref}  # lets the sender match its own line
            self.hub.add_chat(self.room.pk, line)
            await giveaway_chat_line(self, message.text, message.ref)  # a keyword enters

    # Media: signaling for the relay, co-host requests ---------------------------------------
    async def _media(self, message: RtcPublish | RtcSubscribe | RtcLeave | CohostAsk) -> None:
        assert self.room is not None and self.member is not None
        started = time.monotonic()
        try:
            if isinstance(message, CohostAsk):
                if not self.signed_in:
                    raise MediaError("Sign in to join the stream.", ErrorCode.AUTH_REQUIRED)
                await database_sync_to_async(cohost_request)(room=self.room, user=self.user)
                return
            if isinstance(message, RtcLeave):
                await self._leave_peer(message.peer_id)
                return
            if isinstance(message, RtcPublish):
                if not self.signed_in:
                    raise MediaError("Sign in to go live.", ErrorCode.AUTH_REQUIRED)
                url, token = await database_sync_to_async(rtc_publish_grant)(
                    room=self.room, user=self.user
                )
                path, body = "/v1/publish", {"token": token, "sdp": message.sdp}
            else:
                identity = (
                    user_identity(self.user) if self.signed_in else f"viewer-{self.member.id}"
                )
                room = self.room
                if message.room is not None and message.room != room.slug:
                    # A linked (PK) room's publisher, only while the battle runs.
                    room = await database_sync_to_async(pk_subscribe_room)(
                        room=room, slug=message.room
                    )
                url, token = await sync_to_async(rtc_subscribe_grant, thread_sensitive=False)(
                    room=room, identity=identity
                )
                path = "/v1/subscribe"
                body = {"token": token, "sdp": message.sdp, "publisher": message.publisher}
            answer = await relay_call(url, path, {**body, "type": "offer"})
        except MediaError as failed:
            logger.info("%s in room %s refused: %s", message.type, self.room.slug, failed.code)
            reply: dict[str, Any] = {"type": "error", "code": failed.code, "message": str(failed)}
            if message.ref:
                reply["ref"] = message.ref
            if failed.detail:
                reply["detail"] = failed.detail
            await self.send(text_data=json.dumps(reply))
            return
        self.peers[str(answer.get("peer_id"))] = (url, token)
        elapsed = time.monotonic() - started
        if elapsed > SLOW_SIGNALING_SECONDS:  # the page gives up after 20 s
            logger.warning("%s in room %s took %.1f s", message.type, self.room.slug, elapsed)
        await self.send(
            text_data=json.dumps(
                {
                    "type": "rtc.answer",
                    "ref": message.ref,
                    "sdp": answer.get("sdp"),
                    "peer_id": answer.get("peer_id"),
                    "publisher": getattr(message, "publisher", None),
                }
            )
        )

    async def _leave_peer(self, peer_id: str) -> None:
        peer = self.peers.pop(peer_id, None)
        if peer is None:
            return
        url, token = peer
        with contextlib.suppress(MediaError):
            await relay_call(url, "/v1/leave", {"token": token, "peer_id": peer_id})
