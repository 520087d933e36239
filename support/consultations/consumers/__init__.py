"""Consultation WebSockets: live slot availability and the call."""
