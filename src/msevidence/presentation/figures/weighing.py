"""Figures that weigh the evidence: Summary of Findings, Bayesian re-reading, pooled forest plot (return Axes)."""

from __future__ import annotations

import math
import textwrap

import numpy as np

from msevidence import formatting as fmt
from msevidence.presentation.figures.style import DOMAIN_COLORS

_GROUP_COLORS = {"Disability progression (EDSS)": DOMAIN_COLORS["disability_progression"],
                 "Walking speed (T25FW)": DOMAIN_COLORS["walking_speed"]}


def _axes(ax, size):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def sof_plot(sof, ax=None):
    """Difference in events per 1,000 (intervention − control) with its CI, one line per estimable row.

    Rows without an absolute effect (continuous walking outcomes, rate ratios) are listed under the plot's
    caption, not drawn. Left of 0 = fewer events with ocrelizumab. Returns the Axes.
    """
    rows = [r for r in sof.rows if r.estimable and r.difference_per_1000 is not None]
    ax = _axes(ax, (9, 0.7 * max(len(rows), 2) + 1.6))
    for i, r in enumerate(rows):
        y = len(rows) - 1 - i
        color = _GROUP_COLORS.get(r.group, "C0")
        if r.difference_low is not None:
            ax.plot([r.difference_low, r.difference_high], [y, y], color=color, lw=2)
        observed = getattr(r, "absolute_kind", "derived") == "observed"
        ax.plot(r.difference_per_1000, y, "o", color=color, ms=7, mfc=color if observed else "white")
        ax.text(1.02, y, f"{r.certainty}", transform=ax.get_yaxis_transform(), va="center", fontsize=8)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([textwrap.fill(f"{r.trial}: {r.outcome}", 45) for r in reversed(rows)], fontsize=7)
    ax.set_xlabel("Difference in events per 1,000 people (ocrelizumab − control). Filled: in the trial (both groups "
                  "published);\nhollow: expected from the hazard ratio (derived, GRADE guideline 27)")
    skipped = [r for r in sof.rows if r not in rows]
    note = f"{len(skipped)} row(s) without an absolute effect (continuous outcomes, rate ratios) are in the table."
    ax.set_title("Summary of findings: absolute effects (certainty at right)\n" + note, fontsize=10)
    return ax


def bayes_plot(reanalysis, ax=None):
    """Prior, likelihood (the published result) and posterior densities of the ratio, log axis; returns the Axes."""
    ax = _axes(ax, (7, 4))
    d = reanalysis.densities()
    styles = {"prior": ("grey", "--"), "likelihood": ("C1", ":"), "posterior": ("C0", "-")}
    names = {"prior": f"prior ({reanalysis.prior.name})", "likelihood": "likelihood (published result)",
             "posterior": "posterior"}
    for col, (color, ls) in styles.items():
        ax.plot(d["hr"], d[col], color=color, ls=ls, lw=2, label=names[col])
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", lw=0.8)
    imp = reanalysis.important_ratio_
    ax.axvline(imp, color="C3", lw=0.8, ls="--", label=f"important benefit ({fmt.ratio(imp)})")
    mask = d["hr"] >= 1.0 if reanalysis.higher_is_better_ else d["hr"] <= 1.0
    ax.fill_between(d["hr"][mask], 0, d["posterior"][mask], color="C0", alpha=0.15)
    ticks = [t for t in (0.25, 0.5, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0) if d["hr"].min() <= t <= d["hr"].max()]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    side = ">" if reanalysis.higher_is_better_ else "<"
    ax.set_xlabel(f"Ratio ({'above' if side == '>' else 'below'} 1 favours treatment)")
    ax.set_ylabel("Density (log-ratio scale)")
    ax.set_title(f"{reanalysis.likelihood_.label or 'Published ratio'}\nP(ratio {side} 1) = "
                 f"{fmt.probability(reanalysis.p_benefit_)}; P(ratio {side} {fmt.ratio(imp)}) = "
                 f"{fmt.probability(reanalysis.p_important_benefit_)} (derived)", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    return ax


def pooled_forest_plot(meta, ax=None):
    """Studies (squares sized by weight) and the pooled estimate (diamond), with the PI when there is one."""
    df = meta.to_frame()
    k = len(df) - 1
    ax = _axes(ax, (8, 0.5 * (k + 1) + 1.8))
    for i, r in df.iloc[:k].iterrows():
        y = k - i
        ax.plot([r["ci_low"], r["ci_high"]], [y, y], color="black", lw=1.2)
        ax.plot(r["ratio"], y, "s", color="C0", ms=4 + 8 * math.sqrt(r["weight_pct"] / 100))
    est, lo, hi = meta.ratio_, *meta.ci_
    ax.fill([lo, est, hi, est], [0, 0.25, 0, -0.25], color="C3")
    if meta.pi_:
        ax.plot(list(meta.pi_), [-0.55, -0.55], color="C3", lw=1, ls="--")
    ax.axvline(1.0, color="grey", lw=1, ls="--")
    ax.set_xscale("log")
    vals = np.array([*df["ci_low"], *df["ci_high"], *(meta.pi_ or ())])
    ticks = [t for t in (0.25, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0, 1.25, 1.5, 2.0) if vals.min() / 1.1 <= t <= vals.max() * 1.1]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks([0, *range(1, k + 1)])
    ax.set_yticklabels([f"Pooled ({meta.method})", *reversed(df["study"].iloc[:k].tolist())])
    better = "above" if meta.estimates_[0].higher_is_better else "below"
    ax.set_xlabel(f"Ratio (log scale; {better} 1 favours treatment); dashed red line: 95% prediction interval")
    ax.set_title(f"Pooled ratio {fmt.ratio(est)} (95% CI {fmt.interval(lo, hi)}) — derived\n{meta.heterogeneity_text()}",
                 fontsize=9)
    return ax
