"""`msevidence fit`: placeholder until its issue lands."""
