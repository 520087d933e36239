"""Consultation pages: booking (buyers), the call, and the consultant's side, one module each."""
