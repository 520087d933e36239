"""Live rooms: lifecycle, realtime protocol, chat, selling mechanics, the media relay, replays.

Filled in by the live-rooms, media-relay, interactive-selling and replay issues.
"""
