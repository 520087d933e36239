"""Orders: placing them (checkout), stock reservations, the state machine, shipments, e-mails."""
