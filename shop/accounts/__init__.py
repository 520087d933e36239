"""User accounts: shoppers and staff share one user model with locale preferences."""
