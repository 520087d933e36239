"""Shops (tenants of the marketplace), their staff and roles, and shop scoping for the admin."""
