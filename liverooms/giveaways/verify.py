"""Re-run a giveaway draw from its published JSON: ``python -m liverooms.giveaways.verify``
``<file-or-url>``. Checks that the revealed seed matches the hash published at open and that
the published winners are exactly the ones the draw gives. Exit status 0 when both hold.

No Django imports: this runs anywhere Python runs, against any Showroom server.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from typing import Any

from liverooms.giveaways.draw import ALGORITHM, draw_winners, seed_hash


def load(source: str) -> dict[str, Any]:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=30) as response:
            return json.loads(response.read().decode())  # type: ignore[no-any-return]
    with open(source, encoding="utf-8") as published:
        return json.load(published)  # type: ignore[no-any-return]


def verify(data: dict[str, Any]) -> list[str]:
    """Problems found in the published giveaway (empty: the draw checks out)."""
    if data.get("algorithm") != ALGORITHM:
        return [f"unknown algorithm {data.get('algorithm')!r} (this tool knows {ALGORITHM})"]
    seed = data.get("seed")
    if not seed:
        return ["the seed is not revealed yet (the giveaway has not been drawn)"]
    problems = []
    if seed_hash(seed) != data.get("seed_hash"):
        problems.append("sha256(seed) does not match the seed_hash published at open")
    entry_ids = [int(entry["id"]) for entry in data.get("entries", [])]
    expected = draw_winners(seed, entry_ids, int(data["winners_count"]))
    published = [int(winner["id"]) for winner in data.get("winners", [])]
    if expected != published:
        problems.append(f"the draw gives entries {expected}, the published winners are {published}")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m liverooms.giveaways.verify <file-or-url>", file=sys.stderr)
        return 2
    data = load(args[0])
    problems = verify(data)
    for problem in problems:
        print(f"FAILED: {problem}")
    if not problems:
        handles = {int(entry["id"]): entry.get("handle", "") for entry in data["entries"]}
        print(f"OK: seed matches its hash; {len(handles)} entries; winners:")
        for winner in data["winners"]:
            print(f"  {winner['id']}  {handles.get(int(winner['id']), '')}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
