"""Presentation layer: figures (matplotlib, return Axes), prose and widgets."""
