"""``/ws/support/``: the shopper's support widget.

A thin adapter. The socket knows its shopper from the scope (the signed-in user, or the
anonymous visitor id the widget's config request put in the session), its shop from the
``shop`` query parameter, joins its conversation's group, then sends the snapshot. Each shopper
message is stored by a service; while the conversation is with the AI agent, the agent's reply
runs as a task streaming ``agent.delta`` frames, and a new message cancels it first (the
partial reply is stored with ``interrupted``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from shop.shops.models import Shop
from support.agent.interface import Handoff, Token, ToolUsed, Understood
from support.chat import events
from support.chat.consumers.base import JsonSocket, query_params
from support.chat.models import Conversation, ConversationStatus, SupportMessage
from support.chat.protocol import (
    CLOSE_SHOP_NOT_FOUND,
    ErrorCode,
    Ping,
    SupportInboundMessage,
    SupportNew,
    SupportOpen,
    SupportRate,
    SupportSend,
)
from support.chat.selectors import (
    ConversationNotFound,
    Shopper,
    access_conversation_for_shopper,
    agent_context,
    conversation_current,
    conversation_history,
    conversation_messages,
    conversation_payload,
    message_payload,
)
from support.chat.services import (
    SupportError,
    conversation_agent_reply_store,
    conversation_agent_understood,
    conversation_attach_visitor,
    conversation_csat_submit,
    conversation_handoff,
    conversation_shopper_message_post,
)

logger = logging.getLogger(__name__)

VISITOR_SESSION_KEY = "support_visitor"


@dataclass
class ReplyInFlight:
    """The agent's reply being streamed: what was sent so far, and its task."""

    key: str
    conversation_id: int
    language: str
    message_id: int  # the shopper message being answered
    parts: list[str] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None
    final: asyncio.Future[None] | None = None  # the store of the finished reply, once begun


class SupportConsumer(JsonSocket):
    """The shopper's widget socket: ``/ws/support/?shop=<slug>&lang=<code>&origin=<path>``."""

    shop: Shop | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conversation_id: int | None = None
        self.flight: ReplyInFlight | None = None

    # Connect and leave ---------------------------------------------------------------------
    async def connect(self) -> None:
        query = query_params(self.scope)
        await self.accept()  # first, so a refusal can say why before the close
        shop = await database_sync_to_async(
            lambda: Shop.objects.filter(slug=query.get("shop", ""), is_active=True).first()
        )()
        if shop is None:
            await self._error("shop_not_found", "No such shop.")
            await self.close(code=CLOSE_SHOP_NOT_FOUND)
            return
        self.shop = shop
        language = query.get("lang", "")
        self.language = language if language in settings.LANGUAGE_CODES else shop.default_language
        self.origin = query.get("origin", "")
        self.room_slug = query.get("room", "")
        cookie_currency = self.scope.get("cookies", {}).get(settings.CURRENCY_COOKIE_NAME, "")
        self.currency = (
            cookie_currency if cookie_currency in settings.CURRENCIES else shop.default_currency
        )
        self.shopper = await database_sync_to_async(self._who)()
        conversation = await database_sync_to_async(conversation_current)(self.shopper, shop)
        await self._switch_to(conversation.pk if conversation else None)

    def _who(self) -> Shopper:
        session = self.scope.get("session")
        visitor = ""
        if session is not None and session.session_key:
            visitor = str(session.get(VISITOR_SESSION_KEY, ""))[:64]
        user = self.scope.get("user")
        shopper = Shopper.of(user, visitor or uuid.uuid4().hex)  # no session: this socket only
        if shopper.user is not None and visitor:
            conversation_attach_visitor(user=shopper.user, visitor=visitor)
        return shopper

    async def disconnect(self, code: int) -> None:
        self.gone = True
        await self._interrupt()
        if self.conversation_id is not None:
            await self.channel_layer.group_discard(
                events.conversation_group(self.conversation_id), self.channel_name
            )

    async def _switch_to(self, conversation_id: int | None, ref: str | None = None) -> None:
        """Follow ``conversation_id`` (join its group first), then send the snapshot."""
        if self.conversation_id is not None and self.conversation_id != conversation_id:
            await self.channel_layer.group_discard(
                events.conversation_group(self.conversation_id), self.channel_name
            )
        if conversation_id is not None and conversation_id != self.conversation_id:
            await self.channel_layer.group_add(
                events.conversation_group(conversation_id), self.channel_name
            )
        self.conversation_id = conversation_id
        await self._send_snapshot(ref)

    async def _send_snapshot(self, ref: str | None = None) -> None:
        shop, shopper, conversation_id = self.shop, self.shopper, self.conversation_id
        assert shop is not None

        def read() -> dict[str, Any]:
            conversation = (
                access_conversation_for_shopper(shopper, conversation_id)
                if conversation_id
                else None
            )
            return {
                "conversation": conversation_payload(conversation) if conversation else None,
                "messages": conversation_messages(conversation) if conversation else [],
                "history": conversation_history(shopper, shop),
            }

        data = await database_sync_to_async(read)()
        snapshot = {
            "type": "support.snapshot",
            "shop": {"slug": shop.slug, "name": shop.name},
            **data,
        }
        if ref:
            snapshot["ref"] = ref
        await self._send(snapshot)

    async def support_event(self, message: dict[str, Any]) -> None:
        """An event for this conversation's widgets (``support.chat.events``). A newer shopper
        message written on another socket (another tab or device) interrupts this socket's
        reply in flight too, as does a human taking over."""
        event = message["event"]
        flight = self.flight
        if flight is not None and event.get("type") == "support.message":
            written = event["message"]
            if (
                written["conversation_id"] == flight.conversation_id
                and written["id"] > flight.message_id
                and written["sender"] in ("shopper", "human")
            ):
                await self._interrupt()
        await self._send(event)

    # Inbound -------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.shop is None:
            return
        message = await self._parse(text_data, bytes_data)
        if message is None:
            return
        try:
            await self._handle(message)
        except ConversationNotFound:
            await self._refuse(
                ErrorCode.CONVERSATION_NOT_FOUND, "No such conversation.", message.ref
            )
        except SupportError as refused:
            await self._refuse(refused.code, str(refused), message.ref)
        except Exception:
            logger.exception("support socket: handling %s failed", message.type)
            await self._error(ErrorCode.INTERNAL, "Something went wrong; try again.", message.ref)

    async def _handle(self, message: SupportInboundMessage) -> None:
        if isinstance(message, SupportSend):
            await self._shopper_writes(message)
        elif isinstance(message, SupportOpen):
            opened = await database_sync_to_async(access_conversation_for_shopper)(
                self.shopper, message.conversation_id
            )
            if self.shop is None or opened.shop_id != self.shop.pk:  # the widget is per shop
                raise ConversationNotFound(message.conversation_id)
            await self._interrupt()
            await self._switch_to(message.conversation_id, message.ref)
        elif isinstance(message, SupportNew):
            await self._interrupt()
            await self._switch_to(None, message.ref)
        elif isinstance(message, SupportRate):
            if self.conversation_id is None:
                raise SupportError("Nothing to rate yet.", ErrorCode.NO_CONVERSATION)
            conversation = await database_sync_to_async(conversation_csat_submit)(
                shopper=self.shopper,
                conversation_id=self.conversation_id,
                score=message.score,
                comment=message.comment,
            )
            await self._send(
                {
                    "type": "support.rated",
                    "ref": message.ref,
                    "conversation_id": conversation.pk,
                    "score": message.score,
                }
            )
        elif isinstance(message, Ping):
            await self._send({"type": "pong", "ref": message.ref})

    async def _shopper_writes(self, message: SupportSend) -> None:
        await self._interrupt()  # the reply in flight stops before the new message is stored
        shop = self.shop
        assert shop is not None

        def post() -> tuple[Conversation, SupportMessage]:
            room_id = None
            if self.room_slug:
                from liverooms.rooms.models import LiveRoom

                room_id = (
                    LiveRoom.objects.filter(slug=self.room_slug, shop=shop)
                    .values_list("pk", flat=True)
                    .first()
                )
            return conversation_shopper_message_post(
                shop=shop,
                shopper=self.shopper,
                conversation_id=self.conversation_id,
                text=message.text,
                language=self.language,
                origin=self.origin,
                room_id=room_id,
            )

        conversation, stored = await database_sync_to_async(post)()
        if conversation.pk != self.conversation_id:
            await self._switch_to(conversation.pk)
        await self._send(
            {
                "type": "support.sent",
                "ref": message.ref,
                "id": stored.pk,
                "conversation_id": conversation.pk,
            }
        )
        if conversation.status == ConversationStatus.AGENT:
            flight = ReplyInFlight(
                key=uuid.uuid4().hex[:12],
                conversation_id=conversation.pk,
                language=stored.language or conversation.language,
                message_id=stored.pk,
            )
            self.flight = flight
            flight.task = asyncio.create_task(self._reply(flight, message.text))

    # The agent's reply ---------------------------------------------------------------------
    async def _reply(self, flight: ReplyInFlight, text: str) -> None:
        from support.agent import runtime

        def context() -> Any:
            conversation = Conversation.objects.select_related("shop", "shopper").get(
                pk=flight.conversation_id
            )
            return agent_context(conversation, language=flight.language, currency=self.currency)

        try:
            agent_context_now = await database_sync_to_async(context)()
            await self._send(
                {
                    "type": "agent.start",
                    "reply": flight.key,
                    "conversation_id": flight.conversation_id,
                }
            )
            async for event in runtime.respond(agent_context_now, text):
                if isinstance(event, Token):
                    if not event.text:
                        continue
                    flight.parts.append(event.text)
                    await self._send(
                        {"type": "agent.delta", "reply": flight.key, "text": event.text}
                    )
                elif isinstance(event, ToolUsed):
                    flight.tools.append(
                        {"tool": event.tool, "arguments": event.arguments, "ok": event.ok}
                    )
                elif isinstance(event, Understood):
                    await database_sync_to_async(conversation_agent_understood)(
                        conversation_id=flight.conversation_id, helped=event.helped
                    )
                elif isinstance(event, Handoff):
                    await database_sync_to_async(conversation_handoff)(
                        conversation_id=flight.conversation_id, reason=event.reason
                    )
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("the agent failed in conversation %s", flight.conversation_id)
            await self._error("agent_failed", "The assistant could not answer; try again.")
        # Shielded: an interruption arriving now waits for this store instead of racing it.
        flight.final = asyncio.ensure_future(self._finish(flight, interrupted=False))
        await asyncio.shield(flight.final)

    async def _finish(self, flight: ReplyInFlight, *, interrupted: bool) -> None:
        stored = await database_sync_to_async(conversation_agent_reply_store)(
            conversation_id=flight.conversation_id,
            text="".join(flight.parts),
            language=flight.language,
            tool_calls=flight.tools,
            interrupted=interrupted,
            reply=flight.key,
        )
        if self.flight is flight:
            self.flight = None
        conversation = (
            None if stored is None else await database_sync_to_async(lambda: stored.conversation)()
        )
        await self._send(
            {
                "type": "agent.done",
                "reply": flight.key,
                "interrupted": interrupted,
                "message": (
                    message_payload(stored, conversation.language)
                    if stored is not None and conversation is not None
                    else None
                ),
            }
        )

    async def _interrupt(self) -> None:
        """Stop the reply in flight (no further token is sent) and store what was streamed
        with ``interrupted``; a reply already being stored completes instead."""
        flight = self.flight
        if flight is None or flight.task is None:
            return
        if flight.final is None:
            flight.task.cancel()
        await asyncio.wait([flight.task])
        if flight.final is not None:
            await flight.final
        else:
            await self._finish(flight, interrupted=True)
        self.flight = None
