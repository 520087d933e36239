"""Shipping zones (country groups) and rates per shop: flat or by weight, priced per currency."""
