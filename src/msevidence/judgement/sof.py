"""GRADE Summary of Findings from the evidence store: disability progression and walking speed, kept apart.

One row per endpoint definition of each trial, grouped by outcome (disability progression, then walking speed).
For time-to-event outcomes the absolute effect follows GRADE guideline 27 (Skoetz et al., J Clin Epidemiol 2020;
118:124-131): a control-group risk at a stated time (from the evidence; its provenance shown), the
intervention risk under proportional hazards ``R_t = 1 - (1 - R_c)^HR``
(:func:`msevidence.models.survival.absolute_from_hr`; provenance *derived*), and the difference per 1,000 with its
CI from the HR's CI. A relative reduction without a hazard ratio is read as ``HR = 1 - reduction`` (derived, with a
footnote). Continuous outcomes are summarised on their own scale (e.g. a ratio of adjusted geometric means of the
T25FW time). Certainty is rated by GRADE domain against a question (:mod:`msevidence.judgement.grade`; default:
primary progressive MS, ocrelizumab vs placebo). What the evidence shows in each row (``less worsening`` ...) comes
from the verdict engine (:mod:`msevidence.judgement.verdict`), read in the endpoint's own direction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from msevidence.errors import OptionError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.schema import Effect, Endpoint
from msevidence.judgement import grade
from msevidence.judgement.grade import DEFAULT_QUESTION, IMPORTANT_RATIO, Certainty, Question
from msevidence.judgement.verdict import judge_endpoint_effect

GROUPS = {"disability_progression": "Disability progression (EDSS)", "walking_speed": "Walking speed (T25FW)"}
LEVELS = grade.LEVELS
FORMULA = "R_t = 1 - (1 - R_c)^HR (GRADE guideline 27; proportional hazards)"


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
    certainty_domains: dict[str, dict[str, str]]
    question: str
    higher_is_better: bool


def _relative_text(eff: Effect) -> str:
    name = {"hazard_ratio": "HR", "risk_ratio": "RR", "rate_ratio": "rate ratio", "odds_ratio": "OR",
            "relative_reduction": "relative reduction", "risk_difference": "risk difference",
            "mean_difference": "mean difference",
            "ratio_of_geometric_means": "ratio of adjusted geometric means"}.get(eff.statistic,
                                                                                eff.statistic.replace("_", " "))
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
    for s in ("ratio_of_geometric_means", "hazard_ratio", "rate_ratio", "risk_ratio", "risk_difference", "relative_reduction", "mean_difference"):
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


def _siblings(trial: Trial, ep: Endpoint, ev: EvidenceSet | None) -> list[Effect]:
    """Per-trial ratio effects of the same endpoint in trial files whose registry numbers this pooled file holds."""
    if ev is None or _studies(trial) < 2:
        return []
    out = []
    for t in ev:
        if t.id != trial.id and t.registry and set(t.registry) <= set(trial.registry):
            same = [e for e in t.endpoints if e.id == ep.id]
            eff = _main_effect(same[0]) if same else None
            if eff is not None and eff.ci_low is not None and eff.statistic.endswith("_ratio"):
                out.append(eff)
    return out


def rate(trial: Trial, ep: Endpoint, eff: Effect, ev: EvidenceSet | None = None, *,
         question: Question = DEFAULT_QUESTION, control_risk: float | None = None,
         threshold: float = IMPORTANT_RATIO) -> Certainty:
    """GRADE certainty of one published effect of `trial` by domain (see :mod:`msevidence.judgement.grade`)."""
    from msevidence.judgement.bayes import likelihood_from_ci

    congress = trial.reference(eff.source.ref).kind == "congress_abstract"
    if control_risk is None and ep.definition.analysis == "time_to_event":
        res, _ = _control_risk(trial, ep, eff.control)
        control_risk = None if res is None else res.value
    sib = [likelihood_from_ci(e.estimate, e.ci_low, e.ci_high) for e in _siblings(trial, ep, ev)]
    rob = grade.risk_of_bias(blinding=ep.blinding or trial.design.masking, post_hoc=ep.post_hoc,
                             missing_data=ep.missing_data, congress_only=congress)
    ratio = eff.statistic.endswith("_ratio")
    est, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
    if eff.statistic == "relative_reduction":
        ratio, est = True, 1 - eff.estimate
        lo, hi = (None, None) if lo is None or hi is None else (1 - hi, 1 - lo)
    imp = grade.imprecision(est, lo, hi, eff.p, ratio=ratio, higher_is_better=ep.favourable_higher,
                            participants=_participants(trial), threshold=threshold,
                            control_risk=control_risk if ep.definition.analysis == "time_to_event" else None)
    return grade.certainty(
        rob, grade.inconsistency([s.log_hr for s in sib], [s.se for s in sib]),
        grade.indirectness(question, phenotype=trial.phenotype, comparator=trial.comparator, domain=ep.domain),
        imp, grade.publication_bias(trial.registry), randomised=trial.design.allocation == "randomised")


def _row(trial: Trial, ep: Endpoint, notes: _Notes, ev: EvidenceSet | None = None,
         question: Question = DEFAULT_QUESTION, threshold: float = IMPORTANT_RATIO) -> SoFRow | None:
    from msevidence.models.survival.absolute import absolute_from_hr

    eff = _main_effect(ep)
    if eff is None:
        return None
    verdict = judge_endpoint_effect(ep, eff).direction
    fn: list[int] = []
    n_studies = _studies(trial)
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
        else:
            why = basis
    elif eff.statistic == "rate_ratio":
        ratio, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
        why = "a rate ratio of repeated events does not convert to a risk of a first event"
    else:
        why = "continuous outcome: the effect is a change from baseline, not a risk (see the relative effect)"
    if why.startswith("continuous"):
        t, c = ep.result(eff.treatment, "mean_pct_change"), ep.result(eff.control, "mean_pct_change")
        if t and c:
            kind = "adjusted geometric mean" if t.mean_kind == "adjusted_geometric" else "mean"
            basis = f"{kind} change from baseline: {c.value:+.1f}% (control) vs {t.value:+.1f}% (ocrelizumab)"
            refs.add(t.source.ref)
    if "hta" in {trial.reference(r).kind for r in refs} and basis.startswith("Kaplan"):
        fn.append(notes.add("The control-group risk at a fixed time comes from a health technology assessment "
                            "report, not from the primary publication."))
    cert = rate(trial, ep, eff, ev, question=question, control_risk=None if rc is None else rc / 1000,
                threshold=threshold)
    return SoFRow(
        group=GROUPS[ep.domain], trial=trial.name, comparison=_comparison(trial), endpoint=ep.id, outcome=ep.label,
        relative_effect=_relative_text(eff), ratio=ratio, ratio_low=lo, ratio_high=hi,
        control_risk_per_1000=rc, control_risk_basis=basis, intervention_risk_per_1000=ri,
        difference_per_1000=d, difference_low=dlo, difference_high=dhi, estimable=estimable,
        absolute_reason=why, participants=_participants(trial), studies=n_studies, certainty=cert.rating,
        certainty_reasons=cert.reasons, verdict=verdict.value, footnotes=tuple(dict.fromkeys(fn)),
        sources=tuple(trial.cite(s) for s in _sources(trial, ep, eff, refs)), data_provenance=prov,
        certainty_domains=cert.to_json(), question=question.describe(), higher_is_better=ep.favourable_higher)


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
        for dom in grade.DOMAINS:  # one column per GRADE domain: "level: reason"
            df[dom] = df["certainty_domains"].map(lambda d, k=dom: f"{d[k]['level']}: {d[k]['reason']}")
        return df.drop(columns="certainty_domains")

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


def summary_of_findings(ev: EvidenceSet, trials: list[str] | None = None, question: Question = DEFAULT_QUESTION,
                        threshold: float = IMPORTANT_RATIO) -> SummaryOfFindings:
    """Build the Summary of Findings for `trials` (default: every trial in the store), certainty rated against
    `question` with `threshold` the ratio of an important effect (default 0.8)."""
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
                    r = _row(t, ep, notes, ev, question, threshold)
                    if r is not None:
                        rows.append(r)
    return SummaryOfFindings(tuple(rows), tuple(f"{i}. {n}" for i, n in enumerate(notes.items, start=1)))
