"""Hypothesis strategies shared by the fuzz tests of everything that faces the network."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st


def json_values(*, text_size: int = 20, width: int = 3, max_leaves: int = 8) -> Any:
    """Any JSON value: scalars, and lists/objects of them nested a few levels."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=text_size),
        lambda children: (
            st.lists(children, max_size=width)
            | st.dictionaries(st.text(max_size=text_size // 2 or 1), children, max_size=width)
        ),
        max_leaves=max_leaves,
    )


def inbound_frames(types: Iterable[str], fields: Iterable[str]) -> Any:
    """What a socket may be sent: any short text, or a JSON object whose ``type`` is one of
    ``types`` (or any JSON value) and which holds any of ``fields`` (plus an unknown one)
    with any JSON value."""
    values = json_values()
    return st.one_of(
        st.text(min_size=1, max_size=60),
        st.builds(
            json.dumps,
            st.fixed_dictionaries(
                {"type": st.sampled_from(sorted(types)) | values},
                optional={name: values for name in [*fields, "extra"]},
            ),
        ),
    )


def message_of(frame: str) -> dict[str, Any] | None:
    """The JSON object a fuzzed frame holds, or None (not JSON, or not an object)."""
    try:
        body = json.loads(frame)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
