"""Server-rendered storefront: home, listing with search and filters, shop and product pages."""
