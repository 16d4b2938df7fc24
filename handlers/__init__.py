"""One handler class per intent; `handlers.registry` lists them all explicitly."""
