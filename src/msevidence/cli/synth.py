"""`msevidence synth`: placeholder until its issue lands."""
