"""Commerce: shops and staff, catalog, pricing and currencies, storefront (later: cart, orders,
payments, vouchers, shipping)."""
