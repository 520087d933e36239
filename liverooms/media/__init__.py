"""Media for live rooms on the web tier: assigning rooms to relay nodes, signed relay tokens,
WebRTC signaling over the room socket, the relay's webhooks, co-hosts and recordings."""
