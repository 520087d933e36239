"""The bundled media relay: a WebRTC SFU in plain asyncio + aiortc (no Django imports).

Run it with ``python -m liverooms.relay``; docs/relay.md describes its control API, tokens,
webhooks and settings. The web tier imports only ``liverooms.relay.tokens``.
"""
