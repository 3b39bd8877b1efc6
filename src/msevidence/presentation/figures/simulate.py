"""Figures of simulated what-if trials: power curves and the sampling distribution of the hazard ratio."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from msevidence import formatting as fmt
from msevidence.presentation.figures.style import labelled_title


def _label(provenance: str | None) -> str:
    return "SYNTHETIC simulated trials" if provenance == "synthetic" else f"Simulated trials ({provenance})"


def power_curve_plot(frame: pd.DataFrame, x: str = "n_total", by: str = "true_hr", ax=None,
                     title: str = "Power against sample size", alpha: float | None = None):
    """Power (share of trials with p < alpha) against `x`, one line per value of `by`, with ±2 MC SE bands."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2))
    for i, (key, g) in enumerate(frame.sort_values(x).groupby(by, sort=True)):
        lbl = f"true HR {key:g}" if by == "true_hr" else f"{by.replace('_', ' ')} {key:g}"
        ax.plot(g[x], g["power"], marker="o", color=f"C{i}", label=lbl)
        ax.fill_between(g[x], g["power"] - 2 * g["power_mc_se"], g["power"] + 2 * g["power_mc_se"],
                        color=f"C{i}", alpha=0.15, linewidth=0)
    a = alpha if alpha is not None else (float(frame["alpha"].iloc[0]) if "alpha" in frame else None)
    if a is not None:
        ax.axhline(a, color="grey", linestyle=":", linewidth=1)
    ax.axhline(0.8, color="grey", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1)
    ax.set_xlabel({"n_total": "patients randomized (both arms)", "true_hr": "true hazard ratio",
                   "confirmation_weeks": "confirmation window (weeks)"}.get(x, x))
    ax.set_ylabel("power (share of trials with p < alpha)")
    prov = frame["data_provenance"].iloc[0] if "data_provenance" in frame else None
    ax.set_title(labelled_title(title, _label(prov)), fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax


def hr_distribution_plot(oc, published: float | None = None, ax=None, bins: int = 50,
                         title: str = "Hazard ratios of simulated trials"):
    """Histogram of the estimated HRs of `oc` (OperatingCharacteristics), the true HR and a published one."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2))
    hr = np.asarray(oc.hr_estimates)
    ax.hist(hr, bins=bins, color="#9bb7d4", edgecolor="white")
    ax.axvline(oc.design.true_hr, color="black", linewidth=1.5, label=f"true HR in the simulation ({fmt.ratio(oc.design.true_hr)})")
    if published is not None:
        ax.axvline(published, color="#c8553d", linestyle="--", linewidth=1.5, label=f"published estimate ({published:g})")
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("estimated hazard ratio (Cox)")
    ax.set_ylabel("number of simulated trials")
    ax.set_title(labelled_title(title, _label(oc.data_provenance)), fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    return ax
