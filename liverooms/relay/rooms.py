"""What the relay knows about a room: its participants, their sources, peers and recorders."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from liverooms.relay.forwarding import Source
from liverooms.relay.peers import Peer, PublisherPeer
from liverooms.relay.recording import TrackRecorder


@dataclass(eq=False)
class Participant:
    """An identity in a room: its peer connections and, while it publishes, its sources."""

    identity: str
    name: str
    joined_at: float = field(default_factory=time.time)
    peers: dict[str, Peer] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    publisher: PublisherPeer | None = None
    """The publisher connection whose media the sources forward (None while reconnecting)."""
    grace: asyncio.TimerHandle | None = None
    """Pending unpublish after the publisher's connection was lost."""

    @property
    def idle(self) -> bool:
        return not self.peers and not self.sources and self.grace is None

    def publisher_peers(self) -> list[PublisherPeer]:
        return [peer for peer in self.peers.values() if isinstance(peer, PublisherPeer)]

    def describe(self, recorders: dict[tuple[str, str], TrackRecorder]) -> dict[str, Any]:
        return {
            "identity": self.identity,
            "name": self.name,
            "joined_at": self.joined_at,
            "publishing": self.publisher is not None,
            "publisher_peer_id": self.publisher.peer_id if self.publisher else None,
            "reconnecting": self.grace is not None,
            "tracks": [
                {
                    "kind": kind,
                    "codec": source.codec,
                    "live": source.feed is not None,
                    "subscribers": source.subscriber_count,
                    "frames": source.frames_in,
                    "bytes": source.bytes_in,
                    "recording": (self.identity, kind) in recorders,
                }
                for kind, source in sorted(self.sources.items())
            ],
            "peers": sorted(self.peers),
        }


@dataclass(eq=False)
class Room:
    name: str
    kind: str
    recorded: bool
    created: float = field(default_factory=time.time)
    participants: dict[str, Participant] = field(default_factory=dict)
    recorders: dict[tuple[str, str], TrackRecorder] = field(default_factory=dict)

    def join(self, identity: str, name: str) -> tuple[Participant, bool]:
        """The participant for ``identity``, and whether it was just added."""
        participant = self.participants.get(identity)
        if participant is not None:
            return participant, False
        participant = self.participants[identity] = Participant(identity=identity, name=name)
        return participant, True

    def describe(self) -> dict[str, Any]:
        peers = [peer for p in self.participants.values() for peer in p.peers.values()]
        return {
            "room": self.name,
            "kind": self.kind,
            "created": self.created,
            "recording": bool(self.recorders),
            "participants": [p.describe(self.recorders) for p in self.participants.values()],
            "peers": [peer.describe() for peer in peers],
        }
