"""Money, currencies, FX rates, and choosing the shopper's currency."""
