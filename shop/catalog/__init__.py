"""Catalog: categories and attributes (platform-wide), products, variants, prices, stock, images."""
