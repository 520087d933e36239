"""Vouchers: percentage or fixed (per currency), limits that hold under concurrency, bulk codes."""
