"""A person's 25-foot walk time on a line of seconds: the band of ordinary visit-to-visit variation, today's time
and a 20% slower walk, each marked by shape as well as colour (so the picture reads in black and white)."""

from __future__ import annotations

from typing import Any

from msevidence import formatting as fmt


def noise_band(t25fw_s: float, band_low_s: float, band_high_s: float, worse20_s: float, *,
               population: tuple[float, float, float] | None = None, source: str | None = None,
               ax: Any = None) -> Any:
    """Draw the band [band_low_s, band_high_s] (hatched), today's time (diamond) and 20% slower (triangle);
    `population` = (q1, median, q3) seconds of a reference population drawn as a grey bar below. Returns the Axes."""
    import matplotlib.pyplot as plt

    if not 0 < band_low_s <= t25fw_s <= band_high_s:
        raise ValueError("the band must contain today's walk time and be positive")
    if ax is None:
        _, ax = plt.subplots(figsize=(8.6, 2.4))
    ax.axvspan(band_low_s, band_high_s, ymin=0.45, ymax=0.9, facecolor="#dbe9f6", edgecolor="#1b6ca8",
               hatch="///", lw=1.2)
    ax.text((band_low_s + band_high_s) / 2, 0.93, "ordinary variation from visit to visit", ha="center",
            va="bottom", fontsize=9.5, transform=ax.get_xaxis_transform())
    ax.plot([t25fw_s], [0.67], marker="D", ms=11, color="#1b6ca8", ls="", transform=ax.get_xaxis_transform(),
            label=f"today: {fmt.fixed(t25fw_s, 1)} s")
    ax.plot([worse20_s], [0.67], marker="^", ms=12, markerfacecolor="white", markeredgecolor="#8c2d19", mew=2,
            ls="", transform=ax.get_xaxis_transform(), label=f"20% slower: {fmt.fixed(worse20_s, 1)} s")
    for x in (band_low_s, band_high_s):
        ax.text(x, 0.38, f"{fmt.fixed(x, 1)} s", ha="center", va="top", fontsize=9, transform=ax.get_xaxis_transform())
    hi = max(worse20_s, band_high_s)
    lo = min(band_low_s, t25fw_s)
    if population is not None:
        q1, med, q3 = population
        ax.plot([q1, q3], [0.12, 0.12], color="#7f7f7f", lw=6, solid_capstyle="butt",
                transform=ax.get_xaxis_transform(), label=f"middle half of people in MS trials: {q1:g}–{q3:g} s")
        ax.plot([med], [0.12], marker="|", ms=16, mew=2.5, color="black", ls="", transform=ax.get_xaxis_transform())
        hi, lo = max(hi, q3), min(lo, q1)
    pad = 0.08 * (hi - lo)
    ax.set_xlim(max(0, lo - pad), hi + pad)
    ax.set_yticks([])
    ax.spines[["left", "right", "top"]].set_visible(False)
    ax.set_xlabel("seconds to walk 25 feet (more seconds = slower)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    if source:
        ax.set_title(f"Band from {source}", fontsize=8.5, loc="left", color="#444444")
    return ax
