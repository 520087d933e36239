"""Shopping carts: anonymous (session) and signed-in, merged on login, one currency each."""
