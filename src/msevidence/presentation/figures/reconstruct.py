"""Three-panel quality figure of a KM reconstruction: curve vs clicks, their difference, numbers at risk."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from msevidence.presentation.figures.style import labelled_title


def reconstruction_qa(rec, curves: dict, *, axes=None, figsize: tuple[float, float] = (13.0, 4.2)) -> np.ndarray:
    """Reconstructed KM over the digitized clicks; reconstructed minus digitized; printed vs reconstructed
    numbers at risk. `rec` is a fitted ``KMReconstruction`` and `curves` its reconstructed KM per arm
    ({arm: (weeks, survival)}, computed by the reconstruction: the figure imports nothing back); returns the
    array of three Axes."""
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=figsize, constrained_layout=True)
    axes = np.asarray(axes).ravel()
    q = rec.quality_
    for j, (arm, km) in enumerate(q.km.groupby("arm", sort=False)):
        color = f"C{j}"
        grid, surv = curves[arm]
        axes[0].step(grid, surv, where="post", color=color, label=f"{arm} reconstructed")
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
    axes[0].figure.suptitle(labelled_title("Reconstruction quality", rec.label_), fontsize=10, x=0.01,
                            ha="left")
    return axes
