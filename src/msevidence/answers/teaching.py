"""The teaching page's numbers, read from the trial's answer (:func:`msevidence.answers.trial_answer`).

What the published ocrelizumab results mean for 100 people, and for one person's walking time. The published
numbers (the two groups' risks, their basis, the hazard ratio, the verdicts) come from the :class:`TrialAnswer`,
computed once; nothing here re-picks an effect or re-decides a verdict. Only a what-if value a user picks (another
control risk or hazard ratio, another starting walk time) is computed here: the treated risk expected from the
hazard ratio, R_t = 1 − (1 − R_c)^HR (GRADE; :func:`msevidence.models.survival.absolute_from_hr`), starting from
the answer's control risk. Text and figures: :mod:`msevidence.presentation.teaching`.

Only placebo-controlled trials are accepted: an active-controlled trial (OPERA I/II) cannot show what happens
without treatment. The two domains are never mixed.
"""

from __future__ import annotations

import math
from typing import Any

from msevidence.answers.trial_answer import EndpointAnswer, TrialAnswer, trial_answer
from msevidence.data.visits import METRES_PER_FOOT, WALK_FEET
from msevidence.errors import TeachingError
from msevidence.evidence import EvidenceSet, Trial, load_evidence, require_placebo
from msevidence.judgement.published import walking_endpoints
from msevidence.models.survival import absolute_from_hr
from msevidence.presentation.figures.icon_array import out_of_100
from msevidence.presentation.teaching import (
    ASSUMED,
    BASELINE_ASSUMPTION,
    DERIVED,
    NOT_REPORTED,
    PUBLISHED,
    WHAT_IF,
    period_words,
    progression_sentences,
    progression_title,
    walking_sentences,
    walking_title,
)


def _trial(trial: str | Trial, evidence: EvidenceSet | None) -> tuple[Trial, EvidenceSet]:
    """The Trial and its evidence set; refuses active-controlled trials with a one-line reason."""
    ev = evidence or load_evidence()
    tid = trial if isinstance(trial, str) else trial.id
    if tid not in ev:
        raise TeachingError(f"{tid}: not in the evidence store (trials: {', '.join(ev.ids)})")
    return require_placebo(ev[tid], "the teaching page"), ev


def _same(a: float, b: float | None) -> bool:
    return b is not None and math.isclose(a, b, rel_tol=0, abs_tol=1e-6)


def _main_progression(ans: TrialAnswer) -> EndpointAnswer:
    """The answer's disability-progression endpoint, when it gives the control group's risk."""
    main = ans.main("disability_progression")
    if main is None or main.absolute.control_risk is None:
        raise TeachingError(f"{ans.trial}: the evidence store has no EDSS confirmed disability progression result "
                            "with a published between-group effect and the percentage of people who progressed on "
                            "placebo; pick another trial")
    return main


def teachable_trials(evidence: EvidenceSet | None = None) -> list[str]:
    """Placebo-controlled trials whose disability-progression result can be shown out of 100 people."""
    ev = evidence or load_evidence()
    out = []
    for t in ev.placebo_controlled():
        try:
            _main_progression(trial_answer(ev, t.id))
        except TeachingError:
            continue
        out.append(t.id)
    return out


# -- disability progression ---------------------------------------------------------------------------------
def progression_what_if(trial: str | Trial, control_risk: float | None = None, hr: float | None = None,
                        evidence: EvidenceSet | None = None) -> dict[str, Any]:
    """What the trial's disability-progression result means for 100 people, with every number's provenance.

    Defaults are the answer's: the control group's risk and, where published, the treated group's ("in the
    trial"); `hr` defaults to the published hazard ratio, else to the ratio implied by the two published risks,
    ln(1 − R_t)/ln(1 − R_c) (labelled derived). A value that differs is labelled "your what-if value" and the
    treated risk is then expected from the hazard ratio, R_t = 1 − (1 − R_c)^HR.
    """
    t, ev = _trial(trial, evidence)
    ans = trial_answer(ev, t.id)
    main = _main_progression(ans)
    ab, eff = main.absolute, main.main_effect
    ep = t.endpoint(main.endpoint)
    rc_pub = ab.control_risk
    rt_pub = ab.treatment_risk if ab.observed else None
    if eff is not None and eff.statistic == "hazard_ratio":
        hr_pub, lo, hi, hr_kind, hr_cite, formula = eff.estimate, eff.ci_low, eff.ci_high, PUBLISHED, eff.source, None
    elif rt_pub is not None:
        hr_pub = math.log(1 - rt_pub) / math.log(1 - rc_pub)
        lo = hi = None
        hr_kind, hr_cite = DERIVED, ab.sources[-1]
        formula = f"ln(1 − {rt_pub:g}) / ln(1 − {rc_pub:g})"
    else:
        raise TeachingError(f"{t.id}: no hazard ratio and no ocrelizumab-arm percentage for {ep.id}")
    rc = rc_pub if control_risk is None else float(control_risk)
    h = hr_pub if hr is None else float(hr)
    if not 0 <= rc <= 1:
        raise TeachingError(f"control_risk must be a proportion between 0 and 1, not {rc}")
    if h <= 0:
        raise TeachingError(f"hr must be a positive hazard ratio, not {h}")
    rc_label = PUBLISHED if _same(rc, rc_pub) else WHAT_IF
    hr_label = hr_kind if _same(h, hr_pub) else WHAT_IF
    what_if = WHAT_IF in (rc_label, hr_label)
    if what_if:  # the one computation left here: a hypothetical value the user picked
        ci = (lo, hi) if hr_label == PUBLISHED else (None, None)
        a = absolute_from_hr(rc, h, *ci, per=100)
        treated, from_hr, basis = a.risk_treatment, a.risk_treatment, "derived"
        low, high = a.risk_treatment_low, a.risk_treatment_high
    else:  # the answer's numbers: observed where both groups were published, else expected from the HR
        treated, basis = ab.treatment_risk, ab.kind
        from_hr = ab.derived_treatment_risk if ab.derived_treatment_risk is not None else treated
        low, high = ((rc + ab.derived_difference_low, rc + ab.derived_difference_high)
                     if hr_label == PUBLISHED and ab.derived_difference_low is not None
                     and ab.derived_difference_high is not None else (None, None))
    if treated is None:
        raise TeachingError(f"{t.id}: no risk on ocrelizumab for {ep.id}: {ab.reason}")
    n_c, n_t = out_of_100(rc), out_of_100(treated)
    counts = {"placebo": n_c, "ocrelizumab": n_t, "both": min(n_c, n_t), "spared": max(n_c - n_t, 0),
              "extra": max(n_t - n_c, 0), "neither": 100 - max(n_c, n_t)}
    res: dict[str, Any] = {
        "trial": t.id, "trial_name": t.name, "endpoint": ep.id, "endpoint_label": ep.label,
        "confirmation_weeks": ep.definition.confirmation_weeks, "period": period_words(t, ab.week),
        "control_risk": rc, "control_risk_published": rc_pub, "control_risk_label": rc_label,
        "control_risk_citation": ab.sources[0] if ab.sources else None,
        "hr": h, "hr_published": hr_pub, "hr_ci_low": lo, "hr_ci_high": hi, "hr_label": hr_label,
        "hr_citation": hr_cite, "hr_formula": formula,
        "treated_risk": treated, "treated_risk_basis": "observed" if basis == "observed" else "derived",
        "treated_risk_from_hr": from_hr, "treated_risk_low": low, "treated_risk_high": high,
        "treated_risk_published": rt_pub,
        "treated_risk_citation": ab.sources[-1] if rt_pub is not None and ab.sources else None,
        "out_of_100": counts, "what_if": what_if, "verdict": main.verdict, "certainty": main.certainty,
    }
    res["title"] = progression_title(res)
    res["sentences"] = progression_sentences(res)
    return res


# -- walking speed ------------------------------------------------------------------------------------------
def walking_what_if(trial: str | Trial, baseline_s: float | None = None,
                    evidence: EvidenceSet | None = None) -> dict[str, Any]:
    """What the published percent changes in the Timed 25-Foot Walk mean for one person's walking time.

    `baseline_s` (seconds to walk 25 feet at the start) defaults to the trial's named assumption
    ``t25fw_baseline_median_s`` (no trial publishes it). Time at the week = baseline × (1 + % change / 100) on
    each arm; speed = 25 ft × 0.3048 / time (m/s). The verdict is the answer's. Returns ``reported=False`` with
    a plain message when the trial published no percent change in walking time.
    """
    t, ev = _trial(trial, evidence)
    verdict = trial_answer(ev, t.id).domain("walking_speed").verdict
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
    a = next((x for x in t.assumptions if x.id == BASELINE_ASSUMPTION), None)
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
        "verdict": verdict, "what_if": a is None or not _same(b, a.value),
    }
    res["title"] = walking_title(res)
    res["sentences"] = walking_sentences(res)
    return res
