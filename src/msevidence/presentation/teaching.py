"""The teaching page's words and pictures: what the published ocrelizumab results mean for 100 people.

Used by ``notebooks/teaching.ipynb`` (a report, a JupyterLab notebook and a Voilà app) to render the results of
:mod:`msevidence.answers.teaching` (which reads the numbers from the trial's answer): titles that give each
number's provenance, short sentences, the 100-person icon array and the walking-time bars. Values a user
changes are labelled "your what-if value". Numbers become text through :mod:`msevidence.formatting`.
"""

from __future__ import annotations

import textwrap
from typing import Any

from msevidence import formatting as fmt
from msevidence.errors import TeachingError
from msevidence.evidence import Trial
from msevidence.judgement.verdict import conclusion
from msevidence.presentation.figures.icon_array import CatesCounts, out_of_100
from msevidence.presentation.figures.icon_array import icon_array as draw_icon_array

PUBLISHED, DERIVED, WHAT_IF, ASSUMED = ("published", "derived from the published percentages",
                                        "your what-if value", "assumption, not published")
NOT_REPORTED = "not reported in this trial"
BASELINE_ASSUMPTION = "t25fw_baseline_median_s"
COLORS = {"both": "#8c2d19", "spared": "#f2a541", "extra": "#6a4c93", "neither": "#d9d9d9"}


def _period(trial: Trial, week: float | None = None) -> str:
    if week is not None:
        return f"by week {week:g} (about {fmt.fixed(week / 52)} years)"
    d = trial.design
    if d.min_follow_up_weeks:
        w = d.min_follow_up_weeks
        return f"during the trial (everyone was followed for at least {w} weeks, about {fmt.fixed(w / 52)} years)"
    if d.treatment_weeks:
        w = d.treatment_weeks
        return f"during the trial (up to {w} weeks, about {fmt.fixed(w / 52)} years)"
    return "during the trial"


period_words = _period


# -- disability progression ---------------------------------------------------------------------------------
def _hr_text(r: dict[str, Any]) -> str:
    if r["hr_label"] == WHAT_IF:
        return f"HR {fmt.ratio(r['hr'])}: your what-if value (the trial's value is {fmt.ratio(r['hr_published'])})"
    if r["hr_label"] == DERIVED:
        return f"HR {fmt.ratio(r['hr'])} derived from the published percentages ({r['hr_citation']}), not published"
    ci = f" (95% CI {fmt.interval(r['hr_ci_low'], r['hr_ci_high'])})" if r["hr_ci_low"] is not None else ""
    return f"published HR {fmt.ratio(r['hr'])}{ci} from {r['hr_citation']}"


def _control_text(r: dict[str, Any]) -> str:
    n = out_of_100(r["control_risk"])
    if r["control_risk_label"] == WHAT_IF:
        return (f"{n} of 100 on placebo: your what-if value "
                f"(the trial's value is {fmt.per(r['control_risk_published'], 100)} of 100)")
    return f"{n} of 100 on placebo, published ({r['control_risk_citation']})"


def _wrap(*lines: str, width: int = 95) -> str:
    return "\n".join(textwrap.fill(line, width, subsequent_indent="    ") for line in lines)


def progression_title(r: dict[str, Any]) -> str:
    return _wrap(f"{r['trial_name']}: {r['confirmation_weeks']}-week confirmed disability progression, 100 people",
                 _control_text(r), _hr_text(r))


def progression_sentences(r: dict[str, Any]) -> list[str]:
    c = r["out_of_100"]
    observed = r.get("treated_risk_basis") == "observed"
    did = "did, in the trial" if observed else "would, as expected from the hazard ratio"
    s = [f"Imagine 100 people like those in {r['trial_name']}. On placebo, **{c['placebo']} of 100** had their "
         f"disability get worse and stay worse {r['period']}."]
    if c["spared"]:
        s.append(f"On Ocrevus, about **{c['ocrelizumab']} of 100** {did}. So about **{c['spared']} in 100** were "
                 f"spared. The others did not gain in this way. {c['both']} got worse anyway. {c['neither']} would "
                 "not have got worse either way.")
    elif c["extra"]:
        s.append(f"On Ocrevus, about **{c['ocrelizumab']} of 100** would get worse. That is {c['extra']} more "
                 "than on placebo. (This happens only with a what-if hazard ratio above 1.)")
    else:
        s.append(f"On Ocrevus, about **{c['ocrelizumab']} of 100** {did} too. There is no visible difference in "
                 "100 people.")
    if r["hr_label"] == PUBLISHED:
        s.append(f"The trial's main result is a *hazard ratio* of {fmt.ratio(r['hr'])}. Below 1 means fewer people got "
                 f"worse on Ocrevus. At any moment, their chance of getting worse was about "
                 f"{fmt.percent(1 - r['hr'], 0)} lower than on placebo.")
    if r["treated_risk_low"] is not None and r["treated_risk_high"] is not None:
        lo, hi = out_of_100(r["treated_risk_low"]), out_of_100(r["treated_risk_high"])
        s.append(f"The result is not exact. Allowing for chance, the number on Ocrevus could be anywhere from "
                 f"about {lo} to {hi} of 100, as expected from the hazard ratio.")
    if r["hr_label"] == DERIVED:
        s.append("No hazard ratio was published for this result, so these are the trial's own numbers. The "
                 f"hazard ratio shown ({fmt.ratio(r['hr'])}) is worked out from them. It was not published.")
    if r["what_if"]:
        s.append("**These are what-if numbers, not trial results.** Press *Back to published values* to return.")
    s.append("This is about disability getting worse more slowly. It does not show that disability got better.")
    return s


def icon_array(control_risk: float, treated_risk: float, ax: Any = None, title: str | None = None) -> Any:
    """The shared 10×10 icon array (:func:`msevidence.presentation.figures.icon_array.icon_array`) of 100 people on
    placebo and on ocrelizumab, one picture of the four groups, labelled for this page. Returns the Axes."""
    counts = CatesCounts.from_risks(control_risk, treated_risk)
    labels = {"worse_either": "get worse on placebo, and also on ocrelizumab",
              "spared": "get worse on placebo, but not on ocrelizumab: spared",
              "harmed": "get worse only on ocrelizumab", "fine": "do not get worse on either"}
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 7.2))
    return draw_icon_array(counts, "groups", ax=ax, title=title, labels=labels)


def progression_figure(result: dict[str, Any], ax: Any = None) -> Any:
    """The icon array of a :func:`msevidence.answers.teaching.progression_what_if` result, titled with the numbers' provenance."""
    return icon_array(result["control_risk"], result["treated_risk"], ax=ax, title=result["title"])


# -- walking speed ------------------------------------------------------------------------------------------
def walking_title(r: dict[str, Any]) -> str:
    """The walking figure's title: the week, the starting time's label, the published changes and their source."""
    pc = r["pct_change"]
    return _wrap(f"{r['trial_name']}: time to walk 25 feet (7.6 m), at the start and at week {r['week']}",
                 f"Start {fmt.fixed(r['baseline_s'])} s: {r['baseline_label']}",
                 f"Changes {fmt.percent_change(pc['placebo'])} (placebo) and {fmt.percent_change(pc['ocrelizumab'])} "
                 f"(ocrelizumab): published, {r['pct_change_citation']}", width=80)


def walking_sentences(r: dict[str, Any]) -> list[str]:
    p, o = r["time_s"]["placebo"], r["time_s"]["ocrelizumab"]
    sp = r["speed_m_s"]
    start = (f"Say a person needs **{fmt.fixed(r['baseline_s'])} seconds** to walk 25 feet (7.6 metres) at the start. "
             + ("This starting time is **an assumption, not published**: the trial did not report it."
                if r["baseline_label"] == ASSUMED else "This starting time is **your what-if value**."))
    both_slower = r["pct_change"]["placebo"] > 0 and r["pct_change"]["ocrelizumab"] > 0
    s = [start,
         f"After {r['week']} weeks, a typical person on placebo needed **{fmt.fixed(p)} seconds** "
         f"({fmt.percent_change(r['pct_change']['placebo'])}). On ocrelizumab: **{fmt.fixed(o)} seconds** "
         f"({fmt.percent_change(r['pct_change']['ocrelizumab'])}). The percentages are published "
         f"({r['pct_change_citation']}).",
         f"In walking speed: {fmt.fixed(sp['start'], 2)} m/s at the start, {fmt.fixed(sp['placebo'], 2)} m/s on "
         f"placebo and {fmt.fixed(sp['ocrelizumab'], 2)} m/s on ocrelizumab."]
    verdict = conclusion(r["verdict"], "walking_speed", "ocrelizumab", "placebo")
    s.append(("**Both groups walked slower than at the start.** " if both_slower else "")
             + f"What the trial shows: **{verdict[:1].upper() + verdict[1:]}**.")
    s.append("These are group averages (adjusted averages from a statistical model), applied to one made-up "
             "person. Real people differ: they describe a typical person in each group, not anyone in particular.")
    return s


def walking_figure(result: dict[str, Any], ax: Any = None) -> Any:
    """Bars of the walking time at the start and at the week on each arm (longer bar = slower). Returns the Axes."""
    import matplotlib.pyplot as plt

    if not result.get("reported"):
        raise TeachingError(f"{result['trial']}: walking speed was {NOT_REPORTED}; nothing to draw")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.4))
    t, sp, w = result["time_s"], result["speed_m_s"], result["week"]
    rows = [("At the start", result["baseline_s"], sp["start"], "#9e9e9e"),
            (f"Week {w}, placebo", t["placebo"], sp["placebo"], COLORS["both"]),
            (f"Week {w}, ocrelizumab", t["ocrelizumab"], sp["ocrelizumab"], "#1b6ca8")]
    for i, (_, sec, speed, color) in enumerate(rows):
        ax.barh(i, sec, color=color)
        ax.text(sec, i, f"  {fmt.fixed(sec)} s  ({fmt.fixed(speed, 2)} m/s)", va="center", fontsize=10)
    ax.set_yticks(range(3), [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, max(r[1] for r in rows) * 1.45)
    ax.set_xlabel("seconds to walk 25 feet (longer = slower)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(result["title"], fontsize=9.5, loc="left")
    return ax


def baseline_default(trial: Trial) -> float | None:
    """The trial's named baseline T25FW assumption (seconds), or None if its evidence file has none."""
    return next((a.value for a in trial.assumptions if a.id == BASELINE_ASSUMPTION), None)
