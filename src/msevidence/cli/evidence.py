"""`msevidence validate | list | schema`."""
