"""Shared look of every figure: arm colours and the labels that mark synthetic or extrapolated data."""

from __future__ import annotations

ARM_COLORS = {"treatment": "#1b6ca8", "control": "#c8553d"}
DOMAIN_COLORS = {
    "disability_progression": "#6a4c93",
    "walking_speed": "#1982c4",
    "upper_limb": "#8ac926",
    "composite_progression": "#ff924c",
    "relapse": "#999999",
    "mri": "#555555",
    "safety": "#bbbbbb",
}
SYNTHETIC_TAG = "SYNTHETIC data"


def arm_color(role: str, index: int = 0) -> str:
    """Colour of an arm by role ("treatment"/"control"); other roles cycle through matplotlib's palette."""
    return ARM_COLORS.get(role, f"C{index}")


def labelled_title(title: str, provenance: str | None) -> str:
    """Append the data's provenance to a title, e.g. "KM of CDP12 — SYNTHETIC data (seed 1)"."""
    return f"{title} — {provenance}" if provenance else title
