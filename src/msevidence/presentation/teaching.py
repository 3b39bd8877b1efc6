"""Teaching helpers: what the published ocrelizumab results mean for 100 people, in plain words.

Used by ``notebooks/teaching.ipynb`` (a report, a JupyterLab notebook and a Voilà app). Every published number is
read from the evidence store with its citation; values a user changes are labelled "your what-if value".

- Disability progression: the treated risk is computed from the control risk and the hazard ratio as GRADE
  does, R_t = 1 − (1 − R_c)^HR (:func:`msevidence.survival.absolute_from_hr`), and drawn as a 100-person icon array.
- Walking speed: the published percent changes of the Timed 25-Foot Walk are applied to one baseline time (a
  named assumption, not a published number) to show seconds and metres per second on each arm.

Only placebo-controlled trials are accepted: an active-controlled trial (OPERA I/II) cannot show what happens
without treatment. The two domains are never mixed.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from msevidence.data.visits import METRES_PER_FOOT, WALK_FEET
from msevidence.errors import TeachingError
from msevidence.evidence import EvidenceSet, Trial, load_evidence, require_placebo
from msevidence.evidence.schema import Endpoint
from msevidence.judgement.published import progression_endpoint, published_walking_verdict, walking_endpoints
from msevidence.judgement.verdict import conclusion
from msevidence.models.survival import absolute_from_hr
from msevidence.presentation.figures.icon_array import CatesCounts, out_of_100
from msevidence.presentation.figures.icon_array import icon_array as draw_icon_array

PUBLISHED, DERIVED, WHAT_IF, ASSUMED = ("published", "derived from the published percentages",
                                        "your what-if value", "assumption, not published")
NOT_REPORTED = "not reported in this trial"
BASELINE_ASSUMPTION = "t25fw_baseline_median_s"
COLORS = {"both": "#8c2d19", "spared": "#f2a541", "extra": "#6a4c93", "neither": "#d9d9d9"}




# -- small helpers ------------------------------------------------------------------------------------------
def _trial(trial: str | Trial, evidence: EvidenceSet | None = None) -> Trial:
    """The Trial object; refuses active-controlled trials with a one-line reason."""
    if isinstance(trial, str):
        ev = evidence or load_evidence()
        if trial not in ev:
            raise TeachingError(f"{trial}: not in the evidence store (trials: {', '.join(ev.ids)})")
        trial = ev[trial]
    return require_placebo(trial, "the teaching page")


def _same(a: float, b: float | None) -> bool:
    return b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-6)


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _period(trial: Trial) -> str:
    d = trial.design
    if d.min_follow_up_weeks:
        w = d.min_follow_up_weeks
        return f"during the trial (everyone was followed for at least {w} weeks, about {w / 52:.1f} years)"
    if d.treatment_weeks:
        w = d.treatment_weeks
        return f"during the trial (up to {w} weeks, about {w / 52:.1f} years)"
    return "during the trial"


def _progression_endpoint(trial: Trial) -> Endpoint:
    """The EDSS confirmed-progression endpoint with a published control-arm proportion (12 weeks first)."""
    for weeks in (12, None):
        ep = progression_endpoint(trial, weeks)
        if ep is not None and ep.result(trial.control.id, "proportion_with_event") is not None:
            return ep
    raise TeachingError(f"{trial.id}: the evidence store has no EDSS confirmed disability progression result with "
                        "the percentage of people who progressed on placebo; pick another trial")


def teachable_trials(evidence: EvidenceSet | None = None) -> list[str]:
    """Placebo-controlled trials whose disability-progression result can be shown out of 100 people."""
    ev = evidence or load_evidence()
    out = []
    for t in ev.placebo_controlled():
        try:
            _progression_endpoint(t)
        except TeachingError:
            continue
        out.append(t.id)
    return out


# -- disability progression ---------------------------------------------------------------------------------
def progression_what_if(trial: str | Trial, control_risk: float | None = None, hr: float | None = None,
                        evidence: EvidenceSet | None = None) -> dict[str, Any]:
    """What the trial's disability-progression result means for 100 people, with every number's provenance.

    `control_risk` (a proportion) defaults to the published placebo proportion with confirmed progression;
    `hr` defaults to the published hazard ratio, else to the ratio implied by the two published proportions,
    ln(1 − R_t)/ln(1 − R_c) (labelled derived). A value that differs from these is labelled "your what-if
    value". The treated risk is R_t = 1 − (1 − R_c)^HR (GRADE), with a range from the HR's 95% CI when the
    published HR is used.
    """
    t = _trial(trial, evidence)
    ep = _progression_endpoint(t)
    tr, ct = t.treatment, t.control
    rc_pub = ep.result(ct.id, "proportion_with_event")
    rt_pub = ep.result(tr.id, "proportion_with_event")
    eff = ep.effect("hazard_ratio")
    if eff is not None:
        hr_pub, lo, hi, hr_kind, hr_cite = eff.estimate, eff.ci_low, eff.ci_high, PUBLISHED, t.cite(eff.source)
        formula = None
    elif rt_pub is not None:
        hr_pub = math.log(1 - rt_pub.value) / math.log(1 - rc_pub.value)
        lo = hi = None
        hr_kind, hr_cite = DERIVED, t.cite(rt_pub.source)
        formula = f"ln(1 − {rt_pub.value:g}) / ln(1 − {rc_pub.value:g})"
    else:
        raise TeachingError(f"{t.id}: no hazard ratio and no ocrelizumab-arm percentage for {ep.id}")
    rc = rc_pub.value if control_risk is None else float(control_risk)
    h = hr_pub if hr is None else float(hr)
    if not 0 <= rc <= 1:
        raise TeachingError(f"control_risk must be a proportion between 0 and 1, not {rc}")
    if h <= 0:
        raise TeachingError(f"hr must be a positive hazard ratio, not {h}")
    rc_label = PUBLISHED if _same(rc, rc_pub.value) else WHAT_IF
    hr_label = hr_kind if _same(h, hr_pub) else WHAT_IF
    use_ci = hr_label == PUBLISHED and lo is not None and hi is not None
    a = absolute_from_hr(rc, h, lo if use_ci else None, hi if use_ci else None, per=100)
    # Lay readers see the trial's own count where it was published (observed); the hazard ratio only drives
    # what-if values (derived: "expected from the hazard ratio").
    observed = rt_pub is not None and WHAT_IF not in (rc_label, hr_label)
    treated = rt_pub.value if observed else a.risk_treatment
    n_c, n_t = out_of_100(rc), out_of_100(treated)
    counts = {"placebo": n_c, "ocrelizumab": n_t, "both": min(n_c, n_t), "spared": max(n_c - n_t, 0),
              "extra": max(n_t - n_c, 0), "neither": 100 - max(n_c, n_t)}
    res: dict[str, Any] = {
        "trial": t.id, "trial_name": t.name, "endpoint": ep.id, "endpoint_label": ep.label,
        "confirmation_weeks": ep.definition.confirmation_weeks, "period": _period(t),
        "control_risk": rc, "control_risk_published": rc_pub.value, "control_risk_label": rc_label,
        "control_risk_citation": t.cite(rc_pub.source),
        "hr": h, "hr_published": hr_pub, "hr_ci_low": lo, "hr_ci_high": hi, "hr_label": hr_label,
        "hr_citation": hr_cite, "hr_formula": formula,
        "treated_risk": treated, "treated_risk_basis": "observed" if observed else "derived",
        "treated_risk_from_hr": a.risk_treatment, "treated_risk_low": a.risk_treatment_low,
        "treated_risk_high": a.risk_treatment_high,
        "treated_risk_published": rt_pub.value if rt_pub else None,
        "treated_risk_citation": t.cite(rt_pub.source) if rt_pub else None,
        "out_of_100": counts, "what_if": WHAT_IF in (rc_label, hr_label),
    }
    res["title"] = _progression_title(res)
    res["sentences"] = _progression_sentences(res)
    return res


def _hr_text(r: dict[str, Any]) -> str:
    if r["hr_label"] == WHAT_IF:
        return f"HR {_fmt(r['hr'])}: your what-if value (the trial's value is {_fmt(r['hr_published'])})"
    if r["hr_label"] == DERIVED:
        return f"HR {_fmt(r['hr'])} derived from the published percentages ({r['hr_citation']}), not published"
    ci = f" (95% CI {_fmt(r['hr_ci_low'])}–{_fmt(r['hr_ci_high'])})" if r["hr_ci_low"] is not None else ""
    return f"published HR {_fmt(r['hr'])}{ci} from {r['hr_citation']}"


def _control_text(r: dict[str, Any]) -> str:
    n = out_of_100(r["control_risk"])
    if r["control_risk_label"] == WHAT_IF:
        return (f"{n} of 100 on placebo: your what-if value "
                f"(the trial's value is {100 * r['control_risk_published']:.1f} of 100)")
    return f"{n} of 100 on placebo, published ({r['control_risk_citation']})"


def _wrap(*lines: str, width: int = 95) -> str:
    return "\n".join(textwrap.fill(line, width, subsequent_indent="    ") for line in lines)


def _progression_title(r: dict[str, Any]) -> str:
    return _wrap(f"{r['trial_name']}: {r['confirmation_weeks']}-week confirmed disability progression, 100 people",
                 _control_text(r), _hr_text(r))


def _progression_sentences(r: dict[str, Any]) -> list[str]:
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
        s.append(f"The trial's main result is a *hazard ratio* of {_fmt(r['hr'])}. Below 1 means fewer people got "
                 f"worse on Ocrevus. At any moment, their chance of getting worse was about "
                 f"{100 * (1 - r['hr']):.0f}% lower than on placebo.")
    if r["treated_risk_low"] is not None and r["treated_risk_high"] is not None:
        lo, hi = out_of_100(r["treated_risk_low"]), out_of_100(r["treated_risk_high"])
        s.append(f"The result is not exact. Allowing for chance, the number on Ocrevus could be anywhere from "
                 f"about {lo} to {hi} of 100, as expected from the hazard ratio.")
    if r["hr_label"] == DERIVED:
        s.append("No hazard ratio was published for this result, so these are the trial's own numbers. The "
                 f"hazard ratio shown ({_fmt(r['hr'])}) is worked out from them. It was not published.")
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
    """The icon array of a :func:`progression_what_if` result, titled with the numbers' provenance."""
    return icon_array(result["control_risk"], result["treated_risk"], ax=ax, title=result["title"])


# -- walking speed ------------------------------------------------------------------------------------------
def walking_what_if(trial: str | Trial, baseline_s: float | None = None,
                    evidence: EvidenceSet | None = None) -> dict[str, Any]:
    """What the published percent changes in the Timed 25-Foot Walk mean for one person's walking time.

    `baseline_s` (seconds to walk 25 feet at the start) defaults to the trial's named assumption
    ``t25fw_baseline_median_s`` (no trial publishes it). Time at the week = baseline × (1 + % change / 100) on
    each arm; speed = 25 ft × 0.3048 / time (m/s). Returns ``reported=False`` with a plain message when the
    trial published no percent change in walking time.
    """
    t = _trial(trial, evidence)
    tr, ct = t.treatment, t.control
    eps = [e for e in walking_endpoints(t)
           if e.result(tr.id, "mean_pct_change") is not None and e.result(ct.id, "mean_pct_change") is not None]
    base: dict[str, Any] = {"trial": t.id, "trial_name": t.name}
    if not eps:
        other = walking_endpoints(t)
        also = f" The trial reported walking only as: {other[0].label.lower()}." if other else ""
        return {**base, "reported": False,
                "message": f"Walking speed (the timed 25-foot walk) as a change in walking time was {NOT_REPORTED} "
                           f"({t.name}). So this page cannot say what it means for walking.{also}"}
    ep = eps[0]
    r_t, r_c = ep.result(tr.id, "mean_pct_change"), ep.result(ct.id, "mean_pct_change")
    week = int(r_t.week or ep.definition.week or 0)
    try:
        a = t.assumption(BASELINE_ASSUMPTION)
    except KeyError:
        a = None
    if baseline_s is None and a is None:
        raise TeachingError(f"{t.id}: no assumption {BASELINE_ASSUMPTION!r} in the evidence file; pass baseline_s")
    b = a.value if baseline_s is None else float(baseline_s)
    if b <= 0:
        raise TeachingError(f"baseline_s must be a positive number of seconds, not {b}")
    time = {"placebo": b * (1 + r_c.value / 100), "ocrelizumab": b * (1 + r_t.value / 100)}
    metres = WALK_FEET * METRES_PER_FOOT
    res = {
        **base, "reported": True, "endpoint": ep.id, "week": week,
        "baseline_s": b, "baseline_assumed": a.value if a else None,
        "baseline_label": ASSUMED if a is not None and _same(b, a.value) else WHAT_IF,
        "baseline_rationale": a.rationale if a else None,
        "pct_change": {"placebo": r_c.value, "ocrelizumab": r_t.value},
        "pct_change_citation": t.cite(r_t.source), "summary": ep.definition.summary,
        "time_s": time,
        "speed_m_s": {"start": metres / b, **{k: metres / v for k, v in time.items()}},
        "verdict": published_walking_verdict(t).verdict, "what_if": a is None or not _same(b, a.value),
    }
    res["title"] = _wrap(f"{t.name}: time to walk 25 feet (7.6 m), at the start and at week {week}",
                         f"Start {b:.1f} s: {res['baseline_label']}",
                         f"Changes {r_c.value:+.1f}% (placebo) and {r_t.value:+.1f}% (ocrelizumab): published, "
                         f"{res['pct_change_citation']}", width=80)
    res["sentences"] = _walking_sentences(res)
    return res


def _walking_sentences(r: dict[str, Any]) -> list[str]:
    p, o = r["time_s"]["placebo"], r["time_s"]["ocrelizumab"]
    sp = r["speed_m_s"]
    start = (f"Say a person needs **{r['baseline_s']:.1f} seconds** to walk 25 feet (7.6 metres) at the start. "
             + ("This starting time is **an assumption, not published**: the trial did not report it."
                if r["baseline_label"] == ASSUMED else "This starting time is **your what-if value**."))
    both_slower = r["pct_change"]["placebo"] > 0 and r["pct_change"]["ocrelizumab"] > 0
    s = [start,
         f"After {r['week']} weeks, a typical person on placebo needed **{p:.1f} seconds** "
         f"({r['pct_change']['placebo']:+.1f}%). On ocrelizumab: **{o:.1f} seconds** "
         f"({r['pct_change']['ocrelizumab']:+.1f}%). The percentages are published ({r['pct_change_citation']}).",
         f"In walking speed: {sp['start']:.2f} m/s at the start, {sp['placebo']:.2f} m/s on placebo and "
         f"{sp['ocrelizumab']:.2f} m/s on ocrelizumab."]
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
        ax.text(sec, i, f"  {sec:.1f} s  ({speed:.2f} m/s)", va="center", fontsize=10)
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
