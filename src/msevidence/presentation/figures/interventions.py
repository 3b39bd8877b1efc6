"""Forest plots of other walking interventions: one axis per outcome definition, never two (return Axes).

:func:`forest` draws results that share one definition (scale, statistic, units, direction) and refuses anything
else through :func:`msevidence.judgement.interventions.require_same_axis`. Every row names its comparator and
design; within-group results and crossover designs carry their label. :func:`ocrelizumab_panel` draws
ocrelizumab's own result on a scale, on its own axis, as what it is (slower worsening, not improvement).
"""

from __future__ import annotations

import textwrap

from msevidence.judgement.interventions import (
    DESIGN_LABELS,
    STATISTIC_LABELS,
    Pair,
    axis,
    require_same_axis,
    source_name,
)

RATIO = {"or", "rr", "rate_ratio", "hr"}
LAY_STATISTIC = {"smd": "size of the difference in standard units (0 = no difference)",
                 "md": "difference between groups", "or": "odds of improving, compared with the control group",
                 "rr": "risk compared with the control group", "rd": "difference in the share of people",
                 "rate_ratio": "rate compared with the control group", "nnt": "people to treat for one to benefit",
                 "responder_proportions": "share of people who improved, per group",
                 "condition_means": "average in each condition (same people, both conditions)",
                 "within_responder_change": "change among people who responded only (not a comparison of groups)",
                 "within_group_change": "change within one condition (not a comparison of groups)"}
LAY_DESIGN = {"meta_analysis_rct": "pooled randomised trials", "parallel_rct": "randomised trial",
              "crossover": "crossover (same people tried both; not a randomised parallel trial)",
              "uncontrolled": "no control group", "systematic_review_mixed": "review of mixed studies"}


def _axes(ax, n_rows: int):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.75 * max(n_rows, 1) + 1.5))
    return ax


def row_label(pair: Pair, lay: bool = False) -> str:
    s, r = pair
    design = (LAY_DESIGN if lay else DESIGN_LABELS)[s.design]
    what = (r.outcome.label if r.statistic in ("within_responder_change", "within_group_change", "condition_means")
            else f"{s.intervention.name} vs {s.comparator.name}")  # a within-group row names its own group
    text = f"{source_name(s)}: {what} ({design})"
    return "\n".join(textwrap.wrap(text, 60)[:3])


def axis_label(pair: Pair, lay: bool = False) -> str:
    scale, statistic, units, hib = axis(pair[1])
    stat = (LAY_STATISTIC if lay else STATISTIC_LABELS)[statistic]
    arrow = "higher is better →" if hib else "← lower is better"
    return f"{pair[1].outcome.label}: {stat} ({units}); {arrow}"


def forest(pairs: list[Pair], ax=None, lay: bool = False, title: str | None = None):
    """One forest for results that share a definition; :class:`ScaleMismatchError` if they do not."""
    pairs = [p for p in require_same_axis(list(pairs)) if p[1].statistic != "narrative"]
    ax = _axes(ax, len(pairs))
    statistic = pairs[0][1].statistic if pairs else "md"
    for i, (_, r) in enumerate(pairs):
        y = len(pairs) - 1 - i
        if r.arms:
            for j, a in enumerate(r.arms):
                v = a.events / a.n if a.events is not None and a.n else a.value
                ax.plot(v, y, "os"[j % 2], color=f"C{j}", ms=7, label=a.label if i == 0 else None)
        else:
            if r.ci_low is not None:
                ax.plot([r.ci_low, r.ci_high], [y, y], color="#1b6ca8", lw=2)
            ax.plot(r.estimate, y, "D", color="#1b6ca8", ms=7)
    if statistic in RATIO:
        ax.set_xscale("log")
    if statistic not in ("responder_proportions", "condition_means", "nnt", "within_group_change",
                         "within_responder_change"):
        ax.axvline(1.0 if statistic in RATIO else 0.0, color="grey", lw=1, ls="--")
    ax.set_yticks(range(len(pairs)))
    ax.set_yticklabels([row_label(p, lay) for p in reversed(pairs)], fontsize=8)
    ax.set_ylim(-0.7, len(pairs) - 0.3)
    if pairs:
        ax.set_xlabel("\n".join(textwrap.wrap(axis_label(pairs[0], lay), 90)), fontsize=9)
    if any(r.arms for _, r in pairs):
        ax.legend(fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    return ax


def ocrelizumab_panel(rows, ax=None, lay: bool = False):
    """Ocrelizumab's own result on a scale (arm values from the trial store), on its own axis. `rows` are
    :class:`msevidence.answers.walking_interventions.OcrelizumabResult` objects."""
    ax = _axes(ax, len(rows))
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        for j, (arm, value) in enumerate(row.arm_values):
            ax.plot(value, y, "os"[j % 2], color=f"C{j}", ms=7, label=arm if i == 0 else None)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(["\n".join(textwrap.wrap(r.label, 50)) for r in reversed(rows)], fontsize=8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    if rows:
        arrow = "higher is better →" if rows[0].higher_is_better else "← lower is better"
        ax.set_xlabel(f"{rows[0].measure} ({rows[0].units}); {arrow}", fontsize=9)
        ax.legend(fontsize=8, loc="best")
    ax.set_title("Ocrevus (own trial): slower worsening, not improvement" if lay else
                 "Ocrelizumab, placebo-controlled trial: less worsening, not improvement", fontsize=10, loc="left")
    return ax
