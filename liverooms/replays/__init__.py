"""Replays: the room timeline (pins, deals), recorded sessions turned into web-playable
replays (Celery job), ranged media serving, retention and replay analytics."""
