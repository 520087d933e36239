"""Template filters for replay lists."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def replay_duration(seconds: float | None) -> str:
    """12.4 -> "0:12", 3725 -> "1:02:05" (as video players show it)."""
    if seconds is None:
        return ""
    total = max(round(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
