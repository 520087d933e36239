"""Giveaways with a verifiable draw, and live-only coupon drops.

``draw`` and ``verify`` import nothing from Django, so anyone can re-run a draw from the
published JSON (``python -m liverooms.giveaways.verify <file-or-url>``).
"""
