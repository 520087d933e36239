"""Payment gateways behind one interface (``test`` and ``stripe``), payments, refunds, webhooks."""
