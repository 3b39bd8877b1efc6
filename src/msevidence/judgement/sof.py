"""GRADE Summary of Findings from the evidence store: disability progression and walking speed, kept apart.

One row per endpoint definition of each trial, grouped by outcome (disability progression, then walking speed).
For time-to-event outcomes the absolute effect follows GRADE guideline 27 (Skoetz et al., J Clin Epidemiol 2020;
118:124-131): a control-group risk at a stated time (from the evidence; its provenance shown), the
intervention risk under proportional hazards ``R_t = 1 - (1 - R_c)^HR``
(:func:`msevidence.models.survival.absolute_from_hr`; provenance *derived*), and the difference per 1,000 with its
CI from the HR's CI. A relative reduction without a hazard ratio is read as ``HR = 1 - reduction`` (derived, with a
footnote). Certainty starts high (randomised trials) and goes down one level per concern: one trial only,
congress-abstract source, post hoc analysis, open-label or delayed-treatment comparison, indirectness of the
T25FW percent change as a walking outcome, no CI published or a CI that includes no effect. What the evidence
shows in each row (``less worsening`` ...) comes from the verdict engine (:mod:`msevidence.judgement.verdict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from msevidence.errors import OptionError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.schema import Effect, Endpoint
from msevidence.judgement.verdict import Direction, judge_effect

GROUPS = {"disability_progression": "Disability progression (EDSS)", "walking_speed": "Walking speed (T25FW)"}
LEVELS = ("high", "moderate", "low", "very low")
FORMULA = "R_t = 1 - (1 - R_c)^HR (GRADE guideline 27; proportional hazards)"
T25FW_INDIRECT = ("indirectness: the T25FW percent change is a group-average change in the time to walk 25 feet, "
                  "not the walking people do day to day")


@dataclass(frozen=True)
class SoFRow:
    """One Summary of Findings row; `estimable` False means no absolute effect (see `absolute_reason`)."""

    group: str
    trial: str
    comparison: str
    endpoint: str
    outcome: str
    relative_effect: str
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None
    control_risk_per_1000: float | None
    control_risk_basis: str
    intervention_risk_per_1000: float | None
    difference_per_1000: float | None
    difference_low: float | None
    difference_high: float | None
    estimable: bool
    absolute_reason: str
    participants: int | None
    studies: int
    certainty: str
    certainty_reasons: tuple[str, ...]
    verdict: str
    footnotes: tuple[int, ...]
    sources: tuple[str, ...]
    data_provenance: str


def _relative_text(eff: Effect) -> str:
    name = {"hazard_ratio": "HR", "risk_ratio": "RR", "rate_ratio": "rate ratio", "odds_ratio": "OR",
            "relative_reduction": "relative reduction", "risk_difference": "risk difference",
            "mean_difference": "mean difference"}.get(eff.statistic, eff.statistic.replace("_", " "))
    if eff.statistic == "relative_reduction":
        est = f"{100 * eff.estimate:.0f}%"
    elif eff.statistic == "risk_difference":
        est = f"{100 * eff.estimate:+.1f} percentage points"
    else:
        est = f"{eff.estimate:.2f}"
    ci = (f" (95% CI {eff.ci_low:.2f} to {eff.ci_high:.2f})" if eff.ci_low is not None and eff.ci_high is not None
          else " (CI not published" + (f"; p {eff.p_relation} {eff.p:g})" if eff.p is not None else ")"))
    return f"{name} {est}{ci}"


def _main_effect(ep: Endpoint) -> Effect | None:
    for s in ("hazard_ratio", "rate_ratio", "risk_ratio", "risk_difference", "relative_reduction", "mean_difference"):
        found = [e for e in ep.effects if e.statistic == s]
        if found:
            return sorted(found, key=lambda e: e.ci_low is None)[0]
    return None


def _control_risk(trial: Trial, ep: Endpoint, control: str):
    km = [r for r in ep.results if r.arm == control and r.statistic == "km_proportion_at_week" and r.week]
    if km:
        r = sorted(km, key=lambda r: r.week)[-1] if ep.definition.analysis == "proportion_at_week" else km[0]
        return r, f"Kaplan-Meier risk at week {r.week:g} in the control group ({r.provenance})"
    pw = ep.result(control, "proportion_with_event")
    if pw:
        return pw, (f"share of the control group with an event over the {ep.definition.period} period ("
                    f"{pw.provenance}; not at a fixed time: the period differs between patients)")
    return None, "no control-group risk was published for this endpoint"


class _Notes:
    def __init__(self):
        self.items: list[str] = []

    def add(self, text: str) -> int:
        if text not in self.items:
            self.items.append(text)
        return self.items.index(text) + 1


def _participants(trial: Trial) -> int | None:
    if trial.total_randomized:
        return trial.total_randomized
    ns = [a.n_randomized for a in trial.arms]
    return sum(ns) if all(ns) else None


def _studies(trial: Trial) -> int:
    """Randomised trials behind a trial file: its registered trial numbers (a pooled analysis has several)."""
    return max(1, sum(r.startswith("NCT") for r in trial.registry))


def _order(trial: Trial) -> tuple[int, int]:
    """Placebo-controlled first, then early-vs-delayed treatment, then active comparators."""
    delayed = trial.comparator == "delayed_treatment" or "then" in trial.control.drug
    return ({"placebo": 0, "delayed_treatment": 0}.get(trial.comparator, 2), int(delayed))


def _comparison(trial: Trial) -> str:
    return f"{trial.treatment.drug} vs {trial.control.drug}"


def _row(trial: Trial, ep: Endpoint, notes: _Notes) -> SoFRow | None:
    from msevidence.models.survival.absolute import absolute_from_hr

    eff = _main_effect(ep)
    if eff is None:
        return None
    verdict = judge_effect(eff).direction
    fn: list[int] = []
    n_studies = _studies(trial)
    reasons: list[str] = ["one trial only (no replication; consistency cannot be judged)"] if n_studies == 1 else []
    refs = {eff.source.ref}
    ratio = lo = hi = None
    rc = ri = d = dlo = dhi = None
    estimable, why, basis = False, "", "not applicable (no risk for this kind of outcome)"
    prov = eff.provenance
    if eff.statistic in ("hazard_ratio", "relative_reduction") and ep.definition.analysis == "time_to_event":
        if eff.statistic == "hazard_ratio":
            ratio, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
        else:
            ratio, prov = 1 - eff.estimate, "derived"
            fn.append(notes.add("No hazard ratio was published: HR read as 1 - relative risk reduction (derived)."))
        res, basis = _control_risk(trial, ep, eff.control)
        if res is not None:
            refs.add(res.source.ref)
            a = absolute_from_hr(res.value, ratio, lo, hi)
            rc, ri = 1000 * a.control_risk, 1000 * a.risk_treatment
            d, dlo, dhi = a.difference_per
            estimable, prov = True, "derived"
            fn.append(notes.add(f"Intervention risk from {FORMULA}; difference per 1,000 = 1000 (R_t - R_c), its CI "
                                "from the HR's CI (derived)."))
            if lo is None:
                why = "no CI for the difference: the hazard ratio's CI was not published"
        else:
            why = basis
    elif eff.statistic == "risk_difference":
        res, basis = _control_risk(trial, ep, eff.control)
        if res is not None:
            refs.add(res.source.ref)
            rc, d = 1000 * res.value, 1000 * eff.estimate
            ri = rc + d
            estimable, why = True, "published risk difference; its CI was not published"
    elif eff.statistic == "rate_ratio":
        ratio, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
        why = "a rate ratio of repeated events does not convert to a risk of a first event"
    else:
        why = "continuous outcome: the effect is a change from baseline, not a risk (see the relative effect)"
    if why.startswith("continuous"):
        t, c = ep.result(eff.treatment, "mean_pct_change"), ep.result(eff.control, "mean_pct_change")
        if t and c:
            basis = f"mean change from baseline: {c.value:+.1f}% (control) vs {t.value:+.1f}% (ocrelizumab)"
            refs.add(t.source.ref)
    ref_kinds = {trial.reference(r).kind for r in refs}
    if eff.ci_low is None or eff.ci_high is None:
        reasons.append("imprecision: no confidence interval was published")
    elif verdict == Direction.SAME:
        reasons.append("imprecision: the 95% CI includes no effect")
    if trial.reference(eff.source.ref).kind == "congress_abstract":
        reasons.append("reporting: the effect comes from a congress abstract, not a peer-reviewed full paper")
    if "post hoc" in ep.label.lower() or "post hoc" in (ep.note or "").lower():
        reasons.append("risk of bias: post hoc analysis")
    if "OLE" in ep.definition.period or trial.comparator == "delayed_treatment" or "then" in trial.control.drug:
        reasons.append("risk of bias: includes an open-label period (early vs delayed treatment, not vs placebo)")
    if "subgroup" in ep.definition.period.lower():
        reasons.append("indirectness: a subgroup, not the randomised population")
    if ep.definition.scale == "T25FW" and ep.definition.analysis == "change_from_baseline":
        reasons.append(T25FW_INDIRECT)
    if "hta" in ref_kinds and basis.startswith("Kaplan"):
        fn.append(notes.add("The control-group risk at a fixed time comes from a health technology assessment "
                            "report, not from the primary publication."))
    level = LEVELS[min(len(reasons), len(LEVELS) - 1)]
    return SoFRow(
        group=GROUPS[ep.domain], trial=trial.name, comparison=_comparison(trial), endpoint=ep.id, outcome=ep.label,
        relative_effect=_relative_text(eff), ratio=ratio, ratio_low=lo, ratio_high=hi,
        control_risk_per_1000=rc, control_risk_basis=basis, intervention_risk_per_1000=ri,
        difference_per_1000=d, difference_low=dlo, difference_high=dhi, estimable=estimable,
        absolute_reason=why, participants=_participants(trial), studies=n_studies, certainty=level,
        certainty_reasons=tuple(reasons), verdict=verdict.value, footnotes=tuple(dict.fromkeys(fn)),
        sources=tuple(trial.cite(s) for s in _sources(trial, ep, eff, refs)), data_provenance=prov)


def _sources(trial: Trial, ep: Endpoint, eff: Effect, refs: set[str]):
    seen, out = set(), []
    for s in [eff.source, *(r.source for r in ep.results)]:
        if s.ref in refs and (s.ref, s.locator) not in seen:
            seen.add((s.ref, s.locator))
            out.append(s)
    return out


@dataclass(frozen=True)
class SummaryOfFindings:
    """The Summary of Findings: rows (disability progression first, walking speed apart) and footnotes."""

    rows: tuple[SoFRow, ...]
    footnotes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        df = pd.DataFrame([asdict(r) for r in self.rows])
        if df.empty:
            return df
        for col in ("certainty_reasons", "footnotes", "sources"):
            df[col] = df[col].map(lambda v: "; ".join(map(str, v)))
        return df

    def display_frame(self) -> pd.DataFrame:
        """The table as a reader sees it: formatted text, no missing-value markers."""
        out = []
        for r in self.rows:
            if r.estimable and r.difference_per_1000 is not None:
                ci = (f" ({r.difference_low:+.0f} to {r.difference_high:+.0f})" if r.difference_low is not None
                      else "")
                absolute = (f"{r.control_risk_per_1000:.0f} vs {r.intervention_risk_per_1000:.0f} per 1,000; "
                            f"{r.difference_per_1000:+.0f}{ci}")
            else:
                absolute = f"not estimable: {r.absolute_reason}"
            out.append({"Outcome group": r.group, "Comparison": f"{r.trial}: {r.comparison}", "Outcome": r.outcome,
                        "Control risk (basis)": r.control_risk_basis, "Absolute effect (per 1,000)": absolute,
                        "Relative effect": r.relative_effect,
                        "Participants (studies)": f"{r.participants or 'not reported'} ({r.studies})",
                        "Certainty": f"{r.certainty}: " + "; ".join(r.certainty_reasons),
                        "What it shows": r.verdict,
                        "Footnotes": ", ".join(map(str, r.footnotes)) or "-"})
        return pd.DataFrame(out)

    def to_json(self) -> dict[str, Any]:
        return {"rows": [asdict(r) for r in self.rows], "footnotes": list(self.footnotes),
                "data_provenance": "published effects; absolute effects derived (GRADE guideline 27 formula)"}

    def lay_sentences(self) -> list[str]:
        """Plain sentences (no identifiers) for rows with an absolute effect."""
        out = []
        for r in self.rows:
            if not (r.estimable and r.difference_per_1000 is not None):
                continue
            fewer = -r.difference_per_1000
            where = "fewer" if fewer > 0 else "more"
            event = r.outcome.removeprefix("Time to ").split(" (")[0]
            event = event[:1].lower() + event[1:]
            when = (f"by week {r.control_risk_basis.split('week ')[1].split(' ')[0]}"
                    if r.control_risk_basis.startswith("Kaplan") else "during the trial")
            drug, control = r.comparison.split(" vs ")
            out.append(f"{r.group.split(' (')[0]}: out of 1,000 people like those in {r.trial}, about "
                       f"{r.control_risk_per_1000:.0f} on {control} and {r.intervention_risk_per_1000:.0f} on {drug} "
                       f"had {event} {when} ({abs(fewer):.0f} {where}); our confidence in this is {r.certainty}.")
        return out

    def plot(self, ax=None):
        """Difference per 1,000 with its CI for each estimable row, grouped; returns the Axes."""
        from msevidence.presentation.figures.weighing import sof_plot

        return sof_plot(self, ax=ax)


def summary_of_findings(ev: EvidenceSet, trials: list[str] | None = None) -> SummaryOfFindings:
    """Build the Summary of Findings for `trials` (default: every trial in the store)."""
    unknown = [t for t in trials or [] if t not in ev]
    if unknown:
        raise OptionError("--trial", f"no trial {unknown[0]!r}; known: {', '.join(ev.ids)}")
    chosen = sorted([ev[t] for t in trials] if trials else list(ev), key=_order)
    notes = _Notes()
    rows = []
    for group in GROUPS:
        for t in chosen:
            for ep in t.endpoints:
                if ep.domain == group:
                    r = _row(t, ep, notes)
                    if r is not None:
                        rows.append(r)
    return SummaryOfFindings(tuple(rows), tuple(f"{i}. {n}" for i, n in enumerate(notes.items, start=1)))
