"""Live media on the web tier.

* Rooms are assigned to relay nodes (sticky in Redis, least-loaded node first).
* Tokens for the relay are minted here with ``liverooms.relay.tokens`` (short-lived, signed
  with RELAY_SECRET; the relay checks them without a database).
* Signaling: the room socket hands an SDP offer to the relay's control API and the answer back.
* The relay's webhooks (participants, tracks, recordings) are applied once each, and the room
  hears who publishes now (``rtc.publishers``).
* Co-hosts: a viewer asks, the host accepts (the viewer may then publish) or removes them
  (the relay stops their tracks for everyone).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp
import requests
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from liverooms.media.models import (
    CohostRequest,
    CohostStatus,
    PublisherRole,
    Recording,
    RelayEvent,
    RoomPublisher,
)
from liverooms.media.selectors import (
    pk_linked_room,
    relay_nodes,
    relay_room_key,
    room_publishers,
    user_identity,
)
from liverooms.realtime import events
from liverooms.relay import tokens
from liverooms.rooms.models import LiveRoom
from liverooms.rooms.selectors import access_room_moderation, can_moderate, display_name
from shop.accounts.models import User

logger = logging.getLogger(__name__)

ASSIGNMENT_TTL = 12 * 3600  # a room stays on its node for the length of any show
RELAY_TIMEOUT = 15.0  # seconds: the relay gathers ICE candidates before it answers


class MediaError(Exception):
    def __init__(self, message: str, code: str, detail: str = "") -> None:
        super().__init__(message)
        self.code, self.detail = code, detail


# Relay nodes --------------------------------------------------------------------------------


def relay_url_for(relay_room: str) -> str:
    """The control URL of the node that serves ``relay_room``: the one it was assigned to while
    that node is alive, else the least loaded live node (and the room moves there)."""
    client = events.sync_client()
    assignment = f"{settings.RELAY_REDIS_PREFIX}:relay:room:{relay_room}"
    nodes = relay_nodes()
    if not nodes:
        raise MediaError(_("Live video is not available right now."), "relay_unavailable")
    by_id = {node["id"]: node for node in nodes}
    current = client.get(assignment)
    if current in by_id:
        client.expire(assignment, ASSIGNMENT_TTL)
        return str(by_id[current]["url"]).rstrip("/")
    chosen = nodes[0]
    client.set(assignment, chosen["id"], ex=ASSIGNMENT_TTL)
    return str(chosen["url"]).rstrip("/")


def relay_node_unreachable(url: str) -> None:
    """Nothing accepts connections at ``url``: its node crashed, and its registry entry would
    outlive it by up to the entry's TTL (15 s), sending every reconnecting page back to it.
    Forget the node now, so the next request moves its rooms to a live node. A node that is
    alive after all writes its entry again within 5 s."""
    client = events.sync_client()
    for node in relay_nodes():
        if str(node["url"]).rstrip("/") == url and node["id"] != node["url"]:  # not RELAY_URLS
            logger.warning("relay node %s at %s refuses connections: forgotten", node["id"], url)
            client.delete(f"{settings.RELAY_REDIS_PREFIX}:relay:node:{node['id']}")


def relay_token(
    relay_room: str,
    identity: str,
    *,
    name: str = "",
    publish: bool = False,
    subscribe: bool = True,
    admin: bool = False,
    kind: str = "live",
) -> str:
    return tokens.mint(
        settings.RELAY_SECRET,
        room=relay_room,
        identity=identity,
        name=name[:200],
        publish=publish,
        subscribe=subscribe,
        admin=admin,
        kind=kind,
        ttl=settings.RELAY_TOKEN_TTL,
    )


def _relay_failure(status: int, body: Any) -> MediaError:
    code = body.get("error") if isinstance(body, dict) else ""
    message = body.get("message") if isinstance(body, dict) else ""
    logger.info("relay refused (%s): %s %s", status, code, message)
    return MediaError(
        _("The video connection could not be set up: %(reason)s")
        % {"reason": message or f"HTTP {status}"},
        "rtc_failed",
        detail=str(code or status),
    )


async def relay_call(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to a relay's control API; its refusals become MediaError (code rtc_failed)."""
    timeout = aiohttp.ClientTimeout(total=RELAY_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(f"{url}{path}", json=body) as response,
        ):
            answer = await response.json(content_type=None)
    except aiohttp.ClientConnectorError as refused:
        await sync_to_async(relay_node_unreachable, thread_sensitive=False)(url)
        raise MediaError(
            _("Live video is not available right now."), "relay_unavailable"
        ) from refused
    except (aiohttp.ClientError, TimeoutError, ValueError) as failed:
        logger.warning("relay %s%s unreachable: %s", url, path, failed)
        raise MediaError(
            _("Live video is not available right now."), "relay_unavailable"
        ) from failed
    if response.status >= 400 or not isinstance(answer, dict):
        raise _relay_failure(response.status, answer)
    return answer


def relay_call_sync(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        response = requests.post(f"{url}{path}", json=body, timeout=RELAY_TIMEOUT)
        answer = response.json()
    except requests.ConnectionError as refused:
        relay_node_unreachable(url)
        raise MediaError(
            _("Live video is not available right now."), "relay_unavailable"
        ) from refused
    except (requests.RequestException, ValueError) as failed:
        raise MediaError(
            _("Live video is not available right now."), "relay_unavailable"
        ) from failed
    if response.status_code >= 400 or not isinstance(answer, dict):
        raise _relay_failure(response.status_code, answer)
    return answer  # type: ignore[no-any-return]


# Signaling ----------------------------------------------------------------------------------


def rtc_publish_grant(*, room: LiveRoom, user: User) -> tuple[str, str]:
    """(relay URL, token with a publish grant) for the host or an accepted co-host.

    Raises MediaError(publish_not_allowed) for anyone else, or when the room is not live."""
    from liverooms.media.selectors import can_publish

    if not can_publish(user, room):
        raise MediaError(
            _("Only the host and invited co-hosts can go live."), "publish_not_allowed"
        )
    if room.status == "ended":
        raise MediaError(_("This show has ended."), "room_not_live")
    relay_room = relay_room_key(room)
    token = relay_token(
        relay_room, user_identity(user), name=display_name(user), publish=True, subscribe=True
    )
    return relay_url_for(relay_room), token


def rtc_subscribe_grant(*, room: LiveRoom, identity: str) -> tuple[str, str]:
    """(relay URL, subscribe-only token) for anyone watching the room."""
    relay_room = relay_room_key(room)
    return relay_url_for(relay_room), relay_token(relay_room, identity)


# Relay webhooks -----------------------------------------------------------------------------


def _room_for(relay_room: str) -> LiveRoom | None:
    prefix, _sep, pk = relay_room.partition("-")
    if prefix != "room" or not pk.isdigit():
        return None
    return LiveRoom.objects.select_related("shop").filter(pk=int(pk)).first()


def publishers_announce(rooms: list[LiveRoom]) -> None:
    """After commit, each room hears its list of publishers (``rtc.publishers``)."""

    def publish() -> None:
        for room in rooms:
            events.publish_now(room.pk, "rtc.publishers", {"publishers": room_publishers(room)})

    transaction.on_commit(publish)


def _announce_publishers(room: LiveRoom) -> None:
    """The room's publishers changed: it hears so, and so does a room linked with it (PK),
    whose viewers watch them too."""

    def publish() -> None:
        linked = pk_linked_room(room)
        for each in [room] if linked is None else [room, linked]:
            events.publish_now(each.pk, "rtc.publishers", {"publishers": room_publishers(each)})

    transaction.on_commit(publish)


def _user_of(identity: str | None) -> User | None:
    if not identity or not identity.startswith("user-") or not identity[5:].isdigit():
        return None
    return User.objects.filter(pk=int(identity[5:])).first()


@transaction.atomic
def relay_event_handle(event: dict[str, Any]) -> bool:
    """Apply one relay webhook event; False when this event id was handled before.

    Track events keep RoomPublisher in step and announce ``rtc.publishers`` to the room;
    ``recording.finished`` stores a Recording and, once the show ended, queues the replay
    job (liverooms.replays.services.replay_schedule);
    ``relay.started`` forgets what a crashed node reported (see ``_relay_started``)."""
    kind, relay_room = str(event.get("type", "")), str(event.get("room", ""))
    try:
        with transaction.atomic():
            RelayEvent.objects.create(
                event_id=str(event["id"])[:64],
                kind=kind[:40],
                relay_room=relay_room[:128],
                payload=event if kind != "peer.stats" else {},
            )
    except IntegrityError:
        return False
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if kind == "relay.started":
        _relay_started(str(event.get("node") or ""), data.get("started_at"))
        return True
    room = _room_for(relay_room)
    if room is None:
        return True
    identity = str(event.get("identity") or "")[:128]
    if kind == "track.published" and identity:
        user = _user_of(identity)
        publisher, _created = RoomPublisher.objects.get_or_create(
            room=room,
            identity=identity,
            defaults={
                "user": user,
                "name": display_name(user) if user else identity,
                "role": PublisherRole.HOST
                if user and can_moderate(user, room)
                else PublisherRole.COHOST,
            },
        )
        track_kind = str(data.get("kind", ""))
        if track_kind and track_kind not in publisher.kinds:
            publisher.kinds = [*publisher.kinds, track_kind]
        publisher.node = str(event.get("node", ""))[:128]
        publisher.save()
        _announce_publishers(room)
    elif kind in ("track.unpublished", "participant.left") and identity:
        publisher = RoomPublisher.objects.filter(room=room, identity=identity).first()
        if publisher is not None:
            track_kind = str(data.get("kind", ""))
            remaining = [k for k in publisher.kinds if k != track_kind]
            if kind == "participant.left" or not remaining:
                publisher.delete()
            else:
                publisher.kinds = remaining
                publisher.save(update_fields=["kinds", "updated_at"])
            _announce_publishers(room)
    elif kind == "recording.finished":
        Recording.objects.get_or_create(
            event_id=str(event["id"])[:64],
            defaults={
                "room": room,
                "relay_room": relay_room,
                "node": str(event.get("node", ""))[:128],
                "files": data.get("files", []),
            },
        )
        from liverooms.replays.services import replay_schedule  # replays build on media

        replay_schedule(room=room)  # once the show ended: the replay job, on commit
    elif kind == "peer.stats" and identity:
        # Host console numbers: the newest stats per publisher, for a minute.
        events.sync_client().set(
            events.key(room.pk, f"stats:{identity}"), json.dumps(data)[:4000], ex=60
        )
    return True


def _relay_started(node: str, started_at: object) -> None:
    """Relay ``node`` (re)started with nothing from before: the publishers it reported earlier
    are gone, though a crashed process sent no ``track.unpublished``. Their rows go and their
    rooms hear it; a publisher's page then publishes again (docs/protocol.md, "Reconnecting")
    and is listed anew from the new process's ``track.published``. Rows written after the start
    came from the new process and stay."""
    if not node or not isinstance(started_at, int | float):
        return
    since = datetime.fromtimestamp(started_at, tz=UTC)
    stale = list(
        RoomPublisher.objects.filter(node=node, updated_at__lt=since).select_related("room")
    )
    if not stale:
        return
    logger.info("relay %s restarted: %d publishers it had are gone", node, len(stale))
    RoomPublisher.objects.filter(pk__in=[publisher.pk for publisher in stale]).delete()
    for room in {publisher.room_id: publisher.room for publisher in stale}.values():
        _announce_publishers(room)


def room_media_close(room: LiveRoom) -> None:
    """The show ended: the relay closes every peer and finishes the recording."""
    relay_room = relay_room_key(room)
    try:
        url = relay_url_for(relay_room)
        relay_call_sync(
            url,
            f"/v1/rooms/{relay_room}/close",
            {"token": relay_token(relay_room, "web", admin=True, subscribe=False)},
        )
    except MediaError as failed:
        logger.warning("closing media of room %s failed: %s", room.pk, failed)
    RoomPublisher.objects.filter(room=room).delete()
    _announce_publishers(room)


# Co-hosts -----------------------------------------------------------------------------------


def cohost_request(*, room: LiveRoom, user: User) -> CohostRequest:
    """A signed-in viewer asks to join the stream; the host's console hears it."""
    if room.status != "live":
        raise MediaError(_("The room is not live."), "room_not_live")
    request, created = CohostRequest.objects.get_or_create(
        room=room, user=user, defaults={"status": CohostStatus.REQUESTED}
    )
    if not created and request.status != CohostStatus.ACCEPTED:
        request.status = CohostStatus.REQUESTED
        request.save(update_fields=["status", "updated_at"])
    events.publish_on_commit(
        room.pk, "cohost.requested", {"user_id": user.pk, "name": display_name(user)}
    )
    return request


def cohost_decide(*, room: LiveRoom, user_id: int, accept: bool, actor: User) -> CohostRequest:
    """The host accepts (the viewer may publish now) or declines a request."""
    access_room_moderation(actor, room)
    request = CohostRequest.objects.filter(room=room, user_id=user_id).first()
    if request is None:
        raise MediaError(_("That viewer has not asked to join."), "not_found")
    request.status = CohostStatus.ACCEPTED if accept else CohostStatus.DECLINED
    request.save(update_fields=["status", "updated_at"])
    kind = "cohost.accepted" if accept else "cohost.removed"
    events.publish_on_commit(room.pk, kind, {"user_id": user_id})
    return request


def cohost_remove(*, room: LiveRoom, user_id: int, actor: User) -> None:
    """Take a co-host off the stream: their grant is gone and the relay stops their tracks."""
    access_room_moderation(actor, room)
    CohostRequest.objects.filter(room=room, user_id=user_id).update(status=CohostStatus.REMOVED)
    identity = f"user-{user_id}"
    relay_room = relay_room_key(room)
    try:
        relay_call_sync(
            relay_url_for(relay_room),
            f"/v1/rooms/{relay_room}/remove",
            {
                "token": relay_token(relay_room, "web", admin=True, subscribe=False),
                "identity": identity,
            },
        )
    except MediaError as failed:
        if failed.detail not in ("participant_not_found", "publisher_not_found"):  # not on air
            logger.warning("removing co-host %s from room %s: %s", user_id, room.pk, failed)
    RoomPublisher.objects.filter(room=room, identity=identity).delete()
    events.publish_on_commit(room.pk, "cohost.removed", {"user_id": user_id})
    _announce_publishers(room)
