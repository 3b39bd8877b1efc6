"""`msevidence walking`: placeholder until its issue lands."""
