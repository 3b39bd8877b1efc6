"""Data layer: readers of events, visits and digitized tables, arm inference and the confirmation rule."""
