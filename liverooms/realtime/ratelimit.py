"""Token buckets per connection and message type, and flood detection."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from liverooms.realtime.protocol import FLOOD_REFUSALS, FLOOD_WINDOW, RATE_LIMITS


@dataclass
class Bucket:
    rate: float
    burst: int
    tokens: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ConnectionLimiter:
    """``limits``: (tokens per second, burst) per message type, with a ``"*"`` entry for every
    other type; the room protocol's ``RATE_LIMITS`` unless another socket brings its own."""

    def __init__(self, limits: dict[str, tuple[float, int]] | None = None) -> None:
        self.limits = RATE_LIMITS if limits is None else limits
        self.buckets: dict[str, Bucket] = {}
        self.refusals: deque[float] = deque()

    def allow(self, message_type: str) -> bool:
        key = message_type if message_type in self.limits else "*"
        bucket = self.buckets.get(key)
        if bucket is None:
            rate, burst = self.limits[key]
            bucket = self.buckets[key] = Bucket(rate, burst)
        return bucket.take(time.monotonic())

    def refused(self) -> bool:
        """Record a refusal; True when the connection is flooding and must be closed."""
        now = time.monotonic()
        self.refusals.append(now)
        while self.refusals and now - self.refusals[0] > FLOOD_WINDOW:
            self.refusals.popleft()
        return len(self.refusals) >= FLOOD_REFUSALS
