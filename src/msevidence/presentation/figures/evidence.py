"""Forest plot of published ratio effects (hazard, risk, rate ratios), grouped by domain."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence.schema import COMPARATOR_LABELS
from msevidence.judgement.wording import comparison_kind, higher_is_better
from msevidence.presentation.figures.style import DOMAIN_COLORS

RATIOS = ("hazard_ratio", "risk_ratio", "rate_ratio", "odds_ratio")
DOMAIN_LABELS = {
    "disability_progression": "Disability progression (EDSS)",
    "walking_speed": "Walking speed (T25FW)",
    "upper_limb": "Upper limb (9HPT)",
    "composite_progression": "Composite progression",
    "relapse": "Relapses",
    "mri": "MRI",
    "safety": "Safety",
}
_ABBR = {"hazard_ratio": "HR", "risk_ratio": "RR", "rate_ratio": "rate ratio", "odds_ratio": "OR"}
LABEL_WIDTH = 58  # characters per line of a row label; longer labels wrap instead of being cut


def ratio_effects(endpoints: pd.DataFrame) -> pd.DataFrame:
    """Rows of a tidy evidence table (``EvidenceSet.endpoints()``) that are ratio effects, in domain order; an
    open-label-extension result of an active-controlled trial is grouped as early vs delayed ocrelizumab."""
    df = endpoints[(endpoints["kind"] == "effect") & endpoints["statistic"].isin(RATIOS)].copy()
    df["comparator"] = [comparison_kind(c, p) for c, p in zip(df["comparator"], df["period"], strict=True)]
    df["favourable"] = (df["higher_is_better"].astype(bool) if "higher_is_better" in df  # direction is data
                        else df["label"].map(higher_is_better))
    df["domain_order"] = df["domain"].map({d: i for i, d in enumerate(DOMAIN_LABELS)})
    df["comparator_order"] = df["comparator"].map({c: i for i, c in enumerate(COMPARATOR_LABELS)})
    return df.sort_values(["domain_order", "comparator_order", "trial", "endpoint"]).reset_index(drop=True)


def forest_plot(endpoints: pd.DataFrame, ax=None, title: str = "Published effects by domain",
                evidence=None, which: str = "harms"):
    """Forest plot (log scale) of published ratio effects, one direction per axis: "better with ocrelizumab" is
    always on the left. `which` = "harms" (progression, relapses ...: below 1 is better) or "benefits" (outcomes
    where more is better, such as no evidence of progression: the axis is reversed, above 1 on the left).

    Each domain is split by comparator kind (placebo; ACTIVE drug; early vs DELAYED ocrelizumab), each group under
    its own heading, so an active-controlled or open-label-extension result is never read as placebo evidence.
    With the `evidence` set, trials are shown by name and arm ids in labels by treatment. Returns the Axes
    (None when there is no row of that kind).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import NullFormatter

    if which not in ("harms", "benefits"):
        raise ValueError(f"which must be 'harms' or 'benefits', not {which!r}")
    df = ratio_effects(endpoints)
    df = df[df["favourable"] == (which == "benefits")]
    if evidence is not None:
        from msevidence.judgement.wording import name_arms

        df["label"] = [name_arms(lab, evidence[t], evidence) for lab, t in zip(df["label"], df["trial"], strict=True)]
        df["trial"] = [evidence[t].name for t in df["trial"]]
    if df.empty:
        if which == "benefits":
            return None
        raise ValueError("no ratio effects (hazard/risk/rate ratios) in the evidence table")
    rows: list[tuple[str, pd.Series | None]] = []
    for dom in DOMAIN_LABELS:
        g = df[df["domain"] == dom]
        if g.empty and dom in ("disability_progression", "walking_speed") and which == "harms":
            rows.append((f"{DOMAIN_LABELS[dom]}: no ratio effect published (see table)", None))
        # Results of different comparator kinds never share a group, so they are never read together.
        for kind, label in COMPARATOR_LABELS.items():
            sub = g[g["comparator"] == kind]
            heading = "" if kind == "placebo" else f" — {label}"
            if not sub.empty:
                rows.append((DOMAIN_LABELS[dom] + heading, None))
                rows += [(_row_label(r), r) for _, r in sub.iterrows()]
    heights = np.array([1.0 + 0.8 * (lab.count("\n")) for lab, _ in rows])
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 0.3 * heights.sum() + 2.0))
    centres = np.cumsum(heights) - heights / 2
    y = centres[-1] + heights[-1] / 2 - centres
    for yi, (_, r) in zip(y, rows, strict=True):
        if r is None:
            continue
        color = DOMAIN_COLORS.get(r["domain"], "k")
        hollow = r["comparator"] != "placebo"
        if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]):
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=color, lw=1.6)
        marker = "D" if r["comparator"] == "delayed_treatment" else "s"
        ax.plot(r["value"], yi, marker, color=color, mfc="white" if hollow else color, ms=6)
        ci = f" ({fmt.interval(r['ci_low'], r['ci_high'])})" if pd.notna(r["ci_low"]) else " (CI not published)"
        ax.text(1.01, yi, f"{_ABBR[r['statistic']]} {fmt.ratio(r['value'])}{ci}", transform=ax.get_yaxis_transform(),
                va="center", fontsize=10)
    ax.set_yticks(y, [lab for lab, _ in rows], fontsize=10)
    for tick, (_, r) in zip(ax.get_yticklabels(), rows, strict=True):
        if r is None:
            tick.set_fontweight("bold")
            tick.set_fontsize(10.5)
    ax.axvline(1.0, color="0.4", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_xticks([0.25, 0.5, 1, 2, 4], ["0.25", "0.5", "1", "2", "4"])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(0.2, 5)
    if which == "benefits":
        ax.invert_xaxis()
        ax.set_xlabel("ratio, ocrelizumab vs comparator (log scale, reversed): more people with the good outcome "
                      "on the left", fontsize=10)
    else:
        ax.set_xlabel("ratio, ocrelizumab vs comparator (log scale): fewer events with ocrelizumab on the left",
                      fontsize=10)
    ax.text(0.0, 1.0, "← better with ocrelizumab", transform=ax.transAxes, ha="left", va="bottom", fontsize=10)
    ax.text(1.0, 1.0, "worse with ocrelizumab →", transform=ax.transAxes, ha="right", va="bottom", fontsize=10)
    present = set(df["comparator"])
    handles = [h for kind, h in (
        ("placebo", Line2D([], [], marker="s", ls="", color="0.3", label="vs placebo")),
        ("active", Line2D([], [], marker="s", ls="", color="0.3", mfc="white", label="vs another drug (not placebo)")),
        ("delayed_treatment", Line2D([], [], marker="D", ls="", color="0.3", mfc="white",
                                     label="early vs delayed ocrelizumab (not placebo)"))) if kind in present]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), borderaxespad=1.4,
              ncol=len(handles), frameon=False, fontsize=9.5)
    ax.set_title(title, fontsize=11.5, pad=38)
    ax.set_ylim(-0.2, heights.sum() + 0.2)
    return ax


def _row_label(r: pd.Series) -> str:
    """e.g. "ORATORIO open-label extension (early vs delayed ocrelizumab): Repeated 48-week …", wrapped over
    lines of LABEL_WIDTH characters (never cut); non-placebo comparators say so."""
    vs = {"placebo": f"vs {r['control_drug']}", "active": f"vs {r['control_drug']}, active",
          "delayed_treatment": "early vs delayed ocrelizumab"}.get(r["comparator"], f"vs {r['control_drug']}")
    text = f"{r['trial']} ({vs}): {r['label']}"
    return "\n".join(textwrap.wrap(text, LABEL_WIDTH, break_on_hyphens=False))
