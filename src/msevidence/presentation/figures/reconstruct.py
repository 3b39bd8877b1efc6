"""Three-panel quality figure of a KM reconstruction: curve vs clicks, their difference, numbers at risk."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np

from msevidence.presentation.figures.style import labelled_title


def reconstruction_qa(rec, curves: dict, *, axes=None, figsize: tuple[float, float] = (13.0, 4.2)) -> np.ndarray:
    """Reconstructed KM over the digitized clicks; reconstructed minus digitized; printed vs reconstructed
    numbers at risk. `rec` is a fitted ``KMReconstruction`` and `curves` its reconstructed KM per arm
    ({arm: (weeks, survival)}, computed by the reconstruction: the figure imports nothing back); returns the
    array of three Axes. A curve that stops before its last printed at-risk time is drawn dotted from its last
    click, held flat (the assumption is written under the figure)."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=figsize, constrained_layout=True)
    axes = np.asarray(axes).ravel()
    q = rec.quality_
    for j, (arm, km) in enumerate(q.km.groupby("arm", sort=False)):
        color = f"C{j}"
        last, end = (float(x) for x in q.arms.loc[q.arms["arm"] == arm, ["last_click_weeks", "last_at_risk_weeks"]]
                     .iloc[0])
        grid, surv = (np.asarray(v, dtype=float) for v in curves[arm])
        shown = grid < last
        held = surv[max(int(np.searchsorted(grid, last, side="right")) - 1, 0)]
        axes[0].step(np.r_[grid[shown], last], np.r_[surv[shown], held], where="post", color=color,
                     label=f"{arm} reconstructed")
        if end > last:  # after the last click: held flat, patients censored, no events
            axes[0].plot([last, end], [held, held], ":", lw=2, color=color,
                         label=f"{arm} after the last click: held flat")
        axes[0].plot(km["time_weeks"], km["digitized"], "o", ms=2.5, color=color, alpha=0.6, label=f"{arm} clicks")
        axes[1].plot(km["time_weeks"], km["difference"], "-o", ms=2, color=color, label=arm)
        ar = q.at_risk[q.at_risk["arm"] == arm]
        axes[2].plot(ar["time_weeks"], ar["printed"], "s", mfc="none", color=color, label=f"{arm} printed")
        axes[2].plot(ar["time_weeks"], ar["reconstructed"], "x", color=color, label=f"{arm} reconstructed")
    axes[0].set(xlabel="Weeks", ylabel="Proportion without event", ylim=(0, 1.02),
                title="Kaplan-Meier: reconstructed vs digitized")
    axes[1].axhline(0, color="0.5", lw=0.8)
    axes[1].set(xlabel="Weeks", ylabel="Reconstructed − digitized", title="Difference at each click")
    axes[2].set(xlabel="Weeks", ylabel="Number at risk", title="Numbers at risk: printed vs reconstructed")
    for ax in axes:
        ax.legend(fontsize=7, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    fig = axes[0].figure
    fig.suptitle(labelled_title("Reconstruction quality", rec.label_), fontsize=10, x=0.01, ha="left")
    if q.assumption:
        fig.supxlabel(textwrap.fill(q.assumption, 170), fontsize=8, x=0.01, ha="left")
    return axes
