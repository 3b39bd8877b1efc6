"""Walking-speed (T25FW) figures: trajectories, distribution at one week, and EDSS-vs-walking discordance.

Each takes a `msevidence.walking.WalkingSummary` and a `provenance` label for the title (default: the
summary's own `data_provenance`), and returns the Axes it drew.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from msevidence import formatting as fmt
from msevidence.presentation.figures.style import arm_color, labelled_title

Y_LABEL = "Change in 25-foot walk time (%) — higher = slower"
X_LABEL = "Weeks since randomization"


def _thresholds(ax) -> None:
    """Reference lines (in the legend): no change, 20% slower (worsening) and 20% faster (improvement,
    i.e. walk time −16.7%)."""
    ax.axhline(0, color="black", lw=0.8)
    ax.axhline(20, color="grey", lw=1, ls="--", label="20% slower (worsening threshold)")
    ax.axhline(100 * (1 / 1.2 - 1), color="grey", lw=1, ls=":", label="20% faster (improvement threshold)")


CENTRES = {"geometric_mean": ("geometric_mean_pct_change", "geometric mean"),
           "median": ("median_pct_change", "median"), "mean": ("mean_pct_change", "arithmetic mean")}


def plot_trajectories(summary, ax=None, spaghetti: int = 15, seed: int = 0, provenance: str | None = None,
                      centre: str = "geometric_mean", names: dict[str, str] | None = None):
    """% change in walk time per arm over weeks: the `centre` line (geometric mean by default, the statistic
    the reports quote; or "median", "mean") with the interquartile band, plus `spaghetti` randomly chosen
    patients per arm as thin lines (seeded). `names` maps arm ids to the words shown."""
    column, centre_words = CENTRES[centre]
    names = names or {}
    ax = ax or plt.subplots(figsize=(8, 5))[1]
    rng = np.random.default_rng(seed)
    ch, bv = summary.changes, summary.by_visit
    base_n = bv[bv["week"] == 0].set_index("arm")["n"]
    shown = bv[bv["n"] >= 0.25 * bv["arm"].map(base_n)]  # weeks with at least a quarter of each arm left
    last = shown.groupby("arm")["week"].max().min()
    ch = ch[ch["week"] <= last]
    for role, arm in (("treatment", summary.treatment), ("control", summary.control)):
        color = arm_color(role)
        ids = ch.loc[ch["arm"] == arm, "patient_id"].unique()
        for pid in rng.choice(ids, size=min(spaghetti, len(ids)), replace=False):
            p = ch[ch["patient_id"] == pid]
            ax.plot(p["week"], p["pct_change"], color=color, lw=0.6, alpha=0.3)
        v = shown[(shown["arm"] == arm) & (shown["week"] <= last)]
        ax.fill_between(v["week"], v["q1_pct_change"], v["q3_pct_change"], color=color, alpha=0.2,
                        label=f"{names.get(arm, arm)}: middle half of patients (25th–75th percentile)")
        ax.plot(v["week"], v[column], color=color, lw=2.5, marker="o", ms=4,
                label=f"{names.get(arm, arm)}: {centre_words}")
        at = summary.week if (v["week"] == summary.week).any() else v["week"].max()
        end = v[v["week"] == at]  # the week the reports quote
        if len(end):
            ax.annotate(f"{fmt.percent_change(float(end[column].iloc[0]), 1)}", (float(end["week"].iloc[0]), float(end[column].iloc[0])),
                        xytext=(6, 9 if role == "control" else -9), textcoords="offset points", va="center",
                        fontsize=9, color=color,
                        fontweight="bold")
    # The scale follows the bands and centre lines the text talks about, not the most extreme patients.
    band = shown[shown["week"] <= last]
    lo, hi = float(np.nanmin(band["q1_pct_change"])), float(np.nanmax(band["q3_pct_change"]))
    ax.set_xlim(0, last * 1.08)
    ax.set_ylim(min(lo, -25) * 1.15, max(hi, 30) * 1.15)
    _thresholds(ax)
    ax.axvline(summary.week, color="0.5", lw=0.8, ls=":")
    ax.set(xlabel=X_LABEL, ylabel=Y_LABEL,
           title=labelled_title(f"Timed 25-foot walk over time ({centre_words}; labels at week {summary.week:g})", provenance or summary.data_provenance))
    ax.text(0.99, 0.01, f"thin lines: {spaghetti} random patients per arm (some run off the chart)",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="grey")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=9)
    return ax


def plot_week_distribution(summary, week: float | None = None, ax=None, provenance: str | None = None):
    """Distribution of % change in walk time at `week` (default the summary's week) per arm: box plot over
    individual patients, with the arithmetic mean (triangle) and geometric mean (diamond) marked."""
    ax = ax or plt.subplots(figsize=(7, 5))[1]
    week = summary.week if week is None else week
    ch = summary.changes[summary.changes["week"] == week]
    rng = np.random.default_rng(0)
    arms = [("treatment", summary.treatment), ("control", summary.control)]
    for i, (role, arm) in enumerate(arms):
        a = ch[ch["arm"] == arm]
        color = arm_color(role)
        ax.scatter(i + rng.uniform(-0.15, 0.15, len(a)), a["pct_change"], s=6, color=color, alpha=0.35, lw=0)
        if len(a):
            ax.boxplot([a["pct_change"]], positions=[i], widths=0.45, showfliers=False,
                       medianprops={"color": "black"}, boxprops={"color": color}, whiskerprops={"color": color},
                       capprops={"color": color})
            gm = 100 * (np.exp(a["log_ratio"].mean()) - 1)
            am = a["pct_change"].mean()
            ax.scatter([i - 0.3], [am], marker="^", color="black", zorder=3,
                       label="arithmetic mean" if i == 0 else None)
            ax.annotate(f"{fmt.percent_change(am, 1)}", (i - 0.36, am), va="center", ha="right", fontsize=9)
            ax.scatter([i + 0.3], [gm], marker="D", color=color, edgecolor="black", zorder=3,
                       label="geometric mean" if i == 0 else None)
            ax.annotate(f"{fmt.percent_change(gm, 1)}", (i + 0.36, gm), va="center", fontsize=9)
    ax.set_xticks(range(len(arms)), [f"{arm}\n(n = {(ch['arm'] == arm).sum()})" for _, arm in arms])
    ax.set_xlim(-0.75, len(arms) - 0.25)
    _thresholds(ax)
    ax.set(ylabel=Y_LABEL, title=labelled_title(f"Walk time at week {week:g} vs baseline",
                                                 provenance or summary.data_provenance))
    ax.legend(frameon=False, loc="upper left", fontsize=9)
    return ax


def plot_discordance(summary, ax=None, provenance: str | None = None, names: dict[str, str] | None = None):
    """Patients who progress on one scale and not the other: per arm, % of patients with both EDSS CDP12 and
    confirmed ≥20% T25FW worsening, EDSS only, walking only, or neither (stacked bars, percentages annotated).
    `names` maps arm ids to the words shown."""
    names = names or {}
    ax = ax or plt.subplots(figsize=(8, 3.8))[1]
    parts = (("both", "EDSS progression and slower walking", "#6a4c93"),
             ("edss_only", "EDSS progression only", "#b39ddb"),
             ("t25fw_only", "slower walking only (≥20%)", "#1982c4"),
             ("neither", "neither", "#e0e0e0"))
    labels = []
    for i, d in enumerate(summary.discordance):
        left = 0.0
        for key, label, color in parts:
            count = getattr(d, key)
            width = 100 * count / d.n if d.n else 0
            ax.barh(i, width, left=left, color=color, edgecolor="white", label=label if i == 0 else None)
            if width >= 4:
                ax.text(left + width / 2, i, f"{fmt.fixed(width, 0)}%", ha="center", va="center", fontsize=9,
                        color="white" if key != "neither" else "black")
            left += width
        labels.append(f"{names.get(d.arm, d.arm)}\n({d.n} people)")
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set(xlabel=f"Patients (%), confirmed onset by week {summary.week:g}",
           title=labelled_title("Disability (EDSS) vs walking (T25FW) worsening",
                                provenance or summary.data_provenance))
    ax.legend(frameon=False, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=9)
    return ax
