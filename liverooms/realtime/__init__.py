"""Realtime plumbing for rooms: message schemas, event publishing with per-room sequence
numbers, and the per-process fan-out hub. Imports nothing from the room models."""
