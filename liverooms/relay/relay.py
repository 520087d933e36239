"""The relay's services: publish, subscribe, leave, remove, close, describe.

``Relay`` owns every room, peer connection, source and recorder of the process; nothing lives
in module globals. Each service checks the grant, validates input before creating anything,
and undoes what it created when negotiation fails, so a bad request leaves no trace.

Events (webhooks) follow the participant's life: ``participant.joined`` with its first peer,
``track.published`` when a publisher's media first flows, ``track.unpublished`` when it is
unpublished (left, removed, room closed, or a reconnect grace period ran out),
``recording.finished`` when recorded tracks are finalized, ``participant.left`` when the
identity has no peers and no tracks left, ``peer.connected`` (with ``connect_ms``) when a
connection first comes up.

A ``private`` room is a two-party call: a third identity is refused with ``room_full``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

from liverooms.relay.config import RelayConfig
from liverooms.relay.errors import RelayError
from liverooms.relay.events import WebhookSender
from liverooms.relay.forwarding import Source
from liverooms.relay.offers import (
    RECEIVE_DIRECTIONS,
    SEND_DIRECTIONS,
    InvalidOffer,
    Offer,
    parse_offer,
)
from liverooms.relay.peers import Peer, PublisherPeer, SubscriberPeer, with_timeout
from liverooms.relay.recording import RecordedFile, TrackRecorder, recording_path
from liverooms.relay.rooms import Participant, Room
from liverooms.relay.tokens import Grant
from liverooms.relay.upkeep import stats_loop, watchdog_loop

logger = logging.getLogger(__name__)

NEGOTIATION_TIMEOUT = 10.0
CONNECT_TIMEOUT = 20.0
WATCHDOG_INTERVAL = 0.2
MAX_CONCURRENT_NEGOTIATIONS = 16


class Relay:
    def __init__(self, config: RelayConfig, events: WebhookSender) -> None:
        self.config = config
        self.events = events
        self.rooms: dict[str, Room] = {}
        self.peers: dict[str, Peer] = {}
        self.started = time.time()
        self.removed: dict[tuple[str, str], float] = {}
        """(room, identity) -> when it was removed: older publish tokens are refused."""
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._negotiations = asyncio.Semaphore(MAX_CONCURRENT_NEGOTIATIONS)

    # lifecycle

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run ``coro`` in the background, keeping a reference and logging its failure."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task failed", exc_info=task.exception())

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._loops = [
            loop.create_task(watchdog_loop(self, WATCHDOG_INTERVAL)),
            loop.create_task(stats_loop(self, self.config.stats_interval)),
        ]

    async def shutdown(self) -> None:
        """Close every room (recordings are finalized and reported), then stop."""
        for name in list(self.rooms):
            await self._close_room(name, reason="relay_shutdown")
        pending = [*self._loops, *self._tasks]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task

    @property
    def load(self) -> int:
        return len(self.peers)

    def health(self) -> dict[str, Any]:
        return {
            "ok": True,
            "node_id": self.config.node_id,
            "region": self.config.region,
            "peers": self.load,
            "rooms": len(self.rooms),
            "uptime": round(time.time() - self.started, 1),
        }

    # services

    async def publish(
        self, grant: Grant, sdp: object, *, offered_at: float | None = None
    ) -> dict[str, Any]:
        """Accept a publisher's offer; its media is forwarded once the connection is up.

        A reconnecting publisher (same identity) takes over the existing sources: subscribers
        keep their connections and get a keyframe from the new connection. ``offered_at``
        (``time.monotonic()`` when the offer arrived) is where ``connect_ms`` counts from.
        """
        if not grant.publish:
            raise RelayError("publish_not_allowed", "the token does not grant publishing")
        removed_at = self.removed.get((grant.room, grant.identity))
        if removed_at is not None and grant.iat <= removed_at:
            raise RelayError(
                "participant_removed", "this participant was removed; a newer token is needed"
            )
        offer = _offer(sdp)
        kinds = offer.kinds(SEND_DIRECTIONS)
        if not kinds:
            raise RelayError("invalid_sdp", "a publisher's offer must send audio or video")
        self._check_capacity()
        room = self._room_for(grant)
        _check_room_has_place(room, grant.identity)
        participant, joined = room.join(grant.identity, grant.name)
        created = [kind for kind in kinds if kind not in participant.sources]
        for kind in created:
            participant.sources[kind] = Source(
                room=room.name,
                identity=participant.identity,
                kind=kind,
                source_id=f"{room.name}/{participant.identity}/{kind}",
            )
        sources = {kind: participant.sources[kind] for kind in kinds}
        peer = PublisherPeer(
            room=room.name,
            identity=grant.identity,
            name=grant.name,
            spawn=self.spawn,
            sources=sources,
            offered_at=offered_at,
        )
        try:
            answer = await self._negotiate(peer, participant, offer.sdp)
        except BaseException:
            for kind in created:
                source = participant.sources.get(kind)
                if source is not None and not source.ever_fed:
                    participant.sources.pop(kind).end()
            self._forget_if_idle(room, participant, announce=not joined)
            raise
        if joined:
            self._emit("participant.joined", room, participant, peer, {"name": participant.name})
        peer.on_connected = self._publisher_connected
        return {"type": "answer", "sdp": answer, "peer_id": peer.peer_id}

    async def subscribe(
        self, grant: Grant, publisher: object, sdp: object, *, offered_at: float | None = None
    ) -> dict[str, Any]:
        """Send ``publisher``'s tracks to the caller on a new connection."""
        if not grant.subscribe:
            raise RelayError("subscribe_not_allowed", "the token does not grant subscribing")
        if not isinstance(publisher, str) or not publisher:
            raise RelayError("bad_request", "publisher must be the identity of a publisher")
        offer = _offer(sdp)
        kinds = offer.kinds(RECEIVE_DIRECTIONS)
        if not kinds:
            raise RelayError("invalid_sdp", "a subscriber's offer must receive audio or video")
        room = self.rooms.get(grant.room)
        if room is not None and room.kind != grant.kind:
            raise _kind_mismatch(room)
        if room is not None:
            _check_room_has_place(room, grant.identity)
        target = room.participants.get(publisher) if room else None
        sources = {
            kind: target.sources[kind]
            for kind in kinds
            if target is not None and kind in target.sources
        }
        if room is None or not sources:
            raise RelayError(
                "publisher_not_found", f"{publisher!r} publishes no requested track in this room"
            )
        self._check_capacity()
        participant, joined = room.join(grant.identity, grant.name)
        peer = SubscriberPeer(
            room=room.name,
            identity=grant.identity,
            name=grant.name,
            spawn=self.spawn,
            publisher=publisher,
            sources=sources,
            offered_at=offered_at,
        )
        try:
            answer = await self._negotiate(peer, participant, offer.sdp)
            if all(source.ended for source in sources.values()):
                raise RelayError("publisher_not_found", f"{publisher!r} stopped publishing")
        except BaseException:
            await self._drop_peer(peer, "negotiation failed", announce=False)
            self._forget_if_idle(room, participant, announce=not joined)
            raise
        if joined:
            self._emit("participant.joined", room, participant, peer, {"name": participant.name})
        peer.on_connected = self._peer_connected
        return {"type": "answer", "sdp": answer, "peer_id": peer.peer_id}

    async def leave(self, grant: Grant, peer_id: object) -> dict[str, Any]:
        peer = self.peers.get(peer_id) if isinstance(peer_id, str) else None
        if peer is None or peer.room != grant.room:
            raise RelayError("peer_not_found", "no such peer in this room")
        if peer.identity != grant.identity and not grant.admin:
            raise RelayError("peer_not_owned", "this peer belongs to another participant")
        await self._drop_peer(peer, "left", explicit=True)
        return {"ok": True, "peer_id": peer.peer_id}

    async def remove_participant(self, grant: Grant, identity: object) -> dict[str, Any]:
        """Stop ``identity``'s publishing for everyone (a host removing a co-host).

        Its subscriptions stay; publish tokens issued before the removal are refused.
        """
        _require_admin(grant)
        if not isinstance(identity, str) or not identity:
            raise RelayError("bad_request", "identity must be a participant's identity")
        room = self.rooms.get(grant.room)
        participant = room.participants.get(identity) if room else None
        if room is None or participant is None:
            raise RelayError("participant_not_found", f"{identity!r} is not in this room")
        self.removed[(room.name, identity)] = time.time()
        await self._unpublish(room, participant, "removed")
        publishers = participant.publisher_peers()
        for peer in publishers:
            await self._drop_peer(peer, "removed", explicit=True)
        self._forget_if_idle(room, participant)
        return {"ok": True, "identity": identity, "peers_closed": len(publishers)}

    async def close_room(self, grant: Grant) -> dict[str, Any]:
        _require_admin(grant)
        return await self._close_room(grant.room, reason="room_closed")

    def describe_room(self, grant: Grant) -> dict[str, Any]:
        _require_admin(grant)
        room = self.rooms.get(grant.room)
        if room is None:
            raise RelayError("room_not_found", "the relay has no such room")
        return room.describe()

    # negotiation and peers

    def _check_capacity(self) -> None:
        if len(self.peers) >= self.config.max_peers:
            raise RelayError("relay_full", "this relay node is at its peer limit")

    def _room_for(self, grant: Grant) -> Room:
        room = self.rooms.get(grant.room)
        if room is None:
            recorded = self.config.records(grant.kind)
            room = self.rooms[grant.room] = Room(grant.room, grant.kind, recorded)
        elif room.kind != grant.kind:
            raise _kind_mismatch(room)
        return room

    async def _negotiate(self, peer: Peer, participant: Participant, sdp: str) -> str:
        self.peers[peer.peer_id] = peer
        participant.peers[peer.peer_id] = peer
        try:
            async with self._negotiations:
                answer = await with_timeout(peer.negotiate(sdp), NEGOTIATION_TIMEOUT)
        except BaseException:
            await self._drop_peer(peer, "negotiation failed", announce=False)
            raise
        peer.on_lost = self._peer_lost
        self.spawn(self._expire_unconnected(peer))
        return answer

    async def _expire_unconnected(self, peer: Peer) -> None:
        await asyncio.sleep(CONNECT_TIMEOUT)
        if peer.connected_at is None and not peer.closed:
            await self._drop_peer(peer, "connect_timeout")

    def _peer_lost(self, peer: Peer) -> None:
        self.spawn(self._drop_peer(peer, "connection_lost"))

    def _peer_connected(self, peer: Peer) -> None:
        """``peer.connected`` with the connect time, once per connection."""
        room = self.rooms.get(peer.room)
        participant = room.participants.get(peer.identity) if room else None
        if room is None or participant is None or peer.closed:
            return
        data: dict[str, Any] = {"role": peer.role, "connect_ms": peer.connect_ms}
        if isinstance(peer, SubscriberPeer):
            data["publisher"] = peer.publisher
        self._emit("peer.connected", room, participant, peer, data)

    def _publisher_connected(self, peer: Peer) -> None:
        assert isinstance(peer, PublisherPeer)
        self._peer_connected(peer)
        room = self.rooms.get(peer.room)
        participant = room.participants.get(peer.identity) if room else None
        if room is None or participant is None or peer.closed:
            return
        previous = participant.publisher
        participant.publisher = peer
        if participant.grace is not None:
            participant.grace.cancel()
            participant.grace = None
        for kind, feed in peer.feeds.items():
            first = not feed.source.ever_fed
            feed.source.attach_feed(feed)
            if first:
                self._emit("track.published", room, participant, peer, _track_data(feed.source))
                self._start_recorder(room, participant, kind)
        if previous is not None and previous is not peer:
            self.spawn(self._drop_peer(previous, "replaced", explicit=False))

    def _start_recorder(self, room: Room, participant: Participant, kind: str) -> None:
        key = (participant.identity, kind)
        if not room.recorded or key in room.recorders:
            return
        source = participant.sources[kind]
        recorder = TrackRecorder(
            path=recording_path(
                self.config.recordings_dir, room.name, participant.identity, kind, time.time()
            ),
            identity=participant.identity,
            kind=kind,
            codec=source.codec,
        )
        room.recorders[key] = recorder
        source.add_sink(recorder)

    async def _drop_peer(
        self, peer: Peer, reason: str, *, explicit: bool = False, announce: bool = True
    ) -> None:
        """Close ``peer``; a publisher's tracks are unpublished now (``explicit``) or after the
        grace period (connection lost), unless another connection took them over."""
        if self.peers.pop(peer.peer_id, None) is None:
            return
        room = self.rooms.get(peer.room)
        participant = room.participants.get(peer.identity) if room else None
        if participant is not None:
            participant.peers.pop(peer.peer_id, None)
        await peer.close(reason)
        if room is None or participant is None:
            return
        if isinstance(peer, PublisherPeer):
            peer.detach()
            await self._publisher_gone(room, participant, peer, explicit=explicit)
        if announce:
            self._forget_if_idle(room, participant)

    async def _publisher_gone(
        self, room: Room, participant: Participant, peer: PublisherPeer, *, explicit: bool
    ) -> None:
        if participant.publisher is peer:
            participant.publisher = None
            if participant.publisher_peers():
                # A newer connection of this publisher is being set up (a page that reconnected
                # before the web tier left its old peer): it takes the tracks over, or ends
                # them as connect_failed if it never connects.
                return
            if explicit or self.config.publisher_grace <= 0:
                await self._unpublish(room, participant, "left")
            else:
                participant.grace = asyncio.get_running_loop().call_later(
                    self.config.publisher_grace,
                    lambda: self.spawn(self._grace_expired(room.name, participant)),
                )
        elif (
            participant.publisher is None
            and participant.grace is None
            and not participant.publisher_peers()
            and participant.sources
        ):
            # A publisher that never connected: drop the sources made for it.
            await self._unpublish(room, participant, "connect_failed")

    async def _grace_expired(self, room_name: str, participant: Participant) -> None:
        room = self.rooms.get(room_name)
        participant.grace = None
        if room is None or room.participants.get(participant.identity) is not participant:
            return
        if participant.publisher is None:
            await self._unpublish(room, participant, "connection_lost")
        self._forget_if_idle(room, participant)

    async def _unpublish(self, room: Room, participant: Participant, reason: str) -> None:
        """End ``participant``'s sources for everyone; finalize and report their recordings."""
        if participant.grace is not None:
            participant.grace.cancel()
            participant.grace = None
        sources, participant.sources = participant.sources, {}
        recorders = []
        for kind, source in sorted(sources.items()):
            source.end()
            if source.ever_fed:
                data = {**_track_data(source), "reason": reason}
                self._emit("track.unpublished", room, participant, None, data)
            recorder = room.recorders.pop((participant.identity, kind), None)
            if recorder is not None:
                recorders.append(recorder)
        files = await _finish(recorders)
        if files:
            self._emit(
                "recording.finished",
                room,
                participant,
                None,
                {"files": [f.as_dict() for f in files], "reason": reason},
            )
        watchers = [
            peer
            for peer in list(self.peers.values())
            if isinstance(peer, SubscriberPeer)
            and peer.room == room.name
            and peer.publisher == participant.identity
        ]
        for peer in watchers:
            await self._drop_peer(peer, "publisher_left", explicit=True)

    def _forget_if_idle(self, room: Room, participant: Participant, announce: bool = True) -> None:
        if not participant.idle or room.participants.get(participant.identity) is not participant:
            return
        del room.participants[participant.identity]
        if announce:
            self._emit("participant.left", room, participant, None, {})
        if not room.participants and self.rooms.get(room.name) is room and not room.recorders:
            del self.rooms[room.name]

    async def _close_room(self, name: str, *, reason: str) -> dict[str, Any]:
        room = self.rooms.pop(name, None)
        if room is None:
            return {"ok": True, "closed": False, "peers_closed": 0, "files": []}
        peers = [peer for peer in list(self.peers.values()) if peer.room == name]
        for peer in peers:
            self.peers.pop(peer.peer_id, None)
        await asyncio.gather(*(peer.close(reason) for peer in peers))
        for participant in room.participants.values():
            if participant.grace is not None:
                participant.grace.cancel()
                participant.grace = None
            for source in participant.sources.values():
                source.end()
                if source.ever_fed:
                    data = {**_track_data(source), "reason": reason}
                    self._emit("track.unpublished", room, participant, None, data)
            participant.sources = {}
            participant.publisher = None
        files = await _finish(list(room.recorders.values()))
        room.recorders.clear()
        if room.recorded:
            data = {"files": [f.as_dict() for f in files], "reason": reason}
            self.events.emit("recording.finished", room=name, data=data)
        for participant in room.participants.values():
            self._emit("participant.left", room, participant, None, {"reason": reason})
        room.participants.clear()
        return {
            "ok": True,
            "closed": True,
            "peers_closed": len(peers),
            "files": [f.as_dict() for f in files],
        }

    def _emit(
        self,
        type: str,
        room: Room,
        participant: Participant,
        peer: Peer | None,
        data: dict[str, Any],
    ) -> None:
        self.events.emit(
            type,
            room=room.name,
            identity=participant.identity,
            peer_id=peer.peer_id if peer is not None else None,
            data=data,
        )


def _offer(sdp: object) -> Offer:
    try:
        return parse_offer(sdp)
    except InvalidOffer as exc:
        raise RelayError("invalid_sdp", str(exc)) from exc


def _require_admin(grant: Grant) -> None:
    if not grant.admin:
        raise RelayError("admin_required", "this action needs a token with the admin grant")


def _check_room_has_place(room: Room, identity: str) -> None:
    """A private room is two-party: a third identity is refused (the two may reconnect)."""
    if room.kind == "private" and identity not in room.participants and len(room.participants) >= 2:
        raise RelayError("room_full", "this private room already has its two participants")


def _kind_mismatch(room: Room) -> RelayError:
    return RelayError("room_kind_mismatch", f"this room is a {room.kind} room on this relay")


def _track_data(source: Source) -> dict[str, Any]:
    return {"kind": source.kind, "codec": source.codec, "track_id": source.source_id}


async def _finish(recorders: list[TrackRecorder]) -> list[RecordedFile]:
    results = await asyncio.gather(*(recorder.finish() for recorder in recorders))
    return [result for result in results if result is not None]
