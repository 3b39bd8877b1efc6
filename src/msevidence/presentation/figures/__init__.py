"""Figures (matplotlib): each function takes results and returns the Axes or Figure it drew."""
