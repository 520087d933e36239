"""Hypothesis strategies shared by the fuzz tests of everything that faces the network."""

from __future__ import annotations

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
