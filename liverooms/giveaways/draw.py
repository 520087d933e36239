"""The giveaway draw: a pure, deterministic function of the seed and the entry list.

No Django imports: ``python -m liverooms.giveaways.verify`` runs it on published JSON.

Algorithm ``showroom-giveaway-v1`` (docs/protocol.md, "Giveaways"):

1. The seed is 32 random bytes, published as 64 lowercase hex characters once drawn. At open
   the server publishes ``seed_hash = sha256(seed bytes)`` in lowercase hex.
2. The entries are listed by entry ``id``, ascending (``n`` entries).
3. ``k = min(winners, n)`` rounds of a partial Fisher-Yates shuffle over that list: for
   ``i = 0 .. k-1`` pick ``j = i + uniform(n - i)`` and swap positions ``i`` and ``j``.
   The winners are positions ``0 .. k-1``, in that order.
4. ``uniform(m)`` reads the next block of a counter (starting at 0, shared by every call and
   incremented once per block): ``r = int(sha256(seed bytes || counter as 8 bytes big-endian))``
   (the 32-byte digest read as a big-endian unsigned integer). To avoid modulo bias a block
   with ``r >= 2**256 - (2**256 mod m)`` is discarded and the next counter value is tried;
   otherwise the result is ``r mod m``.
"""

from __future__ import annotations

import hashlib

ALGORITHM = "showroom-giveaway-v1"
SEED_BYTES = 32
_SPACE = 2**256


def seed_hash(seed_hex: str) -> str:
    """sha256 of the seed's bytes, lowercase hex: what is published when a giveaway opens."""
    return hashlib.sha256(_seed_bytes(seed_hex)).hexdigest()


def _seed_bytes(seed_hex: str) -> bytes:
    seed = bytes.fromhex(seed_hex)
    if len(seed) != SEED_BYTES:
        raise ValueError(f"the seed must be {SEED_BYTES} bytes ({SEED_BYTES * 2} hex characters)")
    return seed


class _Stream:
    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.counter = 0

    def uniform(self, m: int) -> int:
        """An unbiased integer in [0, m) (rejection sampling, see the module docstring)."""
        limit = _SPACE - (_SPACE % m)
        while True:
            block = hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
            value = int.from_bytes(block, "big")
            if value < limit:
                return value % m


def draw_winners(seed_hex: str, entry_ids: list[int], winners: int) -> list[int]:
    """The winning entry ids, in winning order (see the module docstring)."""
    order = sorted(entry_ids)
    if len(set(order)) != len(order):
        raise ValueError("entry ids must be unique")
    if winners < 0:
        raise ValueError("winners must not be negative")
    stream = _Stream(_seed_bytes(seed_hex))
    count = len(order)
    for position in range(min(winners, count)):
        chosen = position + stream.uniform(count - position)
        order[position], order[chosen] = order[chosen], order[position]
    return order[: min(winners, count)]
