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

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from msevidence import formatting as fmt
from msevidence.errors import OptionError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.schema import Effect, Endpoint
from msevidence.judgement import grade
from msevidence.judgement.absolute_effects import (
    DERIVED_NOTE,
    KM,
    OBSERVED_NOTE,
    PERIOD,
    RISK_STATISTICS,
    absolute_cell,
    absolute_effect,
    lay_sentence,
    table_basis,
)
from msevidence.judgement.grade import DEFAULT_QUESTION, IMPORTANT_RATIO, Certainty, Question
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.published import effect_words
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
    absolute_kind: str = "none"  # observed (both groups' published risks) | derived (from the HR) | none
    derived_intervention_risk_per_1000: float | None = None  # expected from the HR: analyst view only
    derived_difference_per_1000: float | None = None
    derived_difference_low: float | None = None
    derived_difference_high: float | None = None
    derived_reason: str = ""
    absolute_week: float | None = None  # the week of a Kaplan-Meier basis (None: over the trial period)
    certainty_domains: dict[str, dict[str, str]] = field(default_factory=dict)  # GRADE domain -> level, reason
    question: str = ""
    higher_is_better: bool = False


def _relative_text(eff: Effect) -> str:
    name = {"hazard_ratio": "HR", "risk_ratio": "RR", "rate_ratio": "rate ratio", "odds_ratio": "OR",
            "relative_reduction": "relative reduction", "risk_difference": "risk difference",
            "mean_difference": "mean difference",
            "ratio_of_geometric_means": "ratio of adjusted geometric means"}.get(eff.statistic,
                                                                                eff.statistic.replace("_", " "))
    return effect_words(eff, name)


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


def _allocation(trial: Trial) -> float:
    """Treated per control participant (2 for a 2:1 trial); 1 when an arm's size is not published."""
    nt, nc = trial.treatment.n_randomized, trial.control.n_randomized
    return nt / nc if nt and nc else 1.0


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
            eff = main_effect(same[0]) if same else None
            if eff is not None and eff.ci_low is not None and eff.statistic.endswith("_ratio"):
                out.append(eff)
    return out


def rate(trial: Trial, ep: Endpoint, eff: Effect, ev: EvidenceSet | None = None, *,
         question: Question = DEFAULT_QUESTION, control_risk: float | None = None,
         threshold: float = IMPORTANT_RATIO) -> Certainty:
    """GRADE certainty of one published effect of `trial` by domain (see :mod:`msevidence.judgement.grade`)."""
    from msevidence.judgement.bayes import likelihood_from_ci

    congress = trial.reference(eff.source.ref).kind == "congress_abstract"
    sib = [likelihood_from_ci(e.estimate, e.ci_low, e.ci_high) for e in _siblings(trial, ep, ev)]
    rob = grade.risk_of_bias(blinding=ep.blinding or trial.design.masking, post_hoc=ep.post_hoc,
                             missing_data=ep.missing_data, congress_only=congress)
    ratio = eff.statistic.endswith("_ratio")
    est, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
    if eff.statistic == "relative_reduction":
        ratio, est = True, 1 - eff.estimate
        lo, hi = (None, None) if lo is None or hi is None else (1 - hi, 1 - lo)
    imp = grade.imprecision(est, lo, hi, eff.p, ratio=ratio, higher_is_better=ep.favourable_higher,
                            participants=_participants(trial), threshold=threshold, allocation=_allocation(trial),
                            control_risk=control_risk if ep.definition.analysis == "time_to_event" else None)
    return grade.certainty(
        rob, grade.inconsistency([s.log_hr for s in sib], [s.se for s in sib]),
        grade.indirectness(question, phenotype=trial.phenotype, comparator=trial.comparator, domain=ep.domain),
        imp, grade.publication_bias(trial.registry), randomised=trial.design.allocation == "randomised")


def _row(trial: Trial, ep: Endpoint, notes: _Notes, basis: str = PERIOD, ev: EvidenceSet | None = None,
         question: Question = DEFAULT_QUESTION, threshold: float = IMPORTANT_RATIO) -> SoFRow | None:
    eff = main_effect(ep)
    if eff is None:
        return None
    verdict = judge_endpoint_effect(ep, eff).direction
    fn: list[int] = []
    n_studies = _studies(trial)
    refs = {eff.source.ref}
    ratio = lo = hi = None
    prov = eff.provenance
    if eff.statistic == "hazard_ratio" or eff.statistic == "rate_ratio":
        ratio, lo, hi = eff.estimate, eff.ci_low, eff.ci_high
    elif eff.statistic == "relative_reduction" and ep.definition.analysis == "time_to_event":
        ratio, prov = 1 - eff.estimate, "derived"
        fn.append(notes.add("No hazard ratio was published: HR read as 1 - relative risk reduction (derived)."))
    ab = absolute_effect(trial, ep, eff, basis)
    why, basis_text = ab.reason, ab.basis_text
    if ab.kind != "none":
        refs.update(r.source.ref for r in ep.results if r.statistic in RISK_STATISTICS)
        prov = "published" if ab.observed else "derived"
        fn.append(notes.add(OBSERVED_NOTE if ab.observed else DERIVED_NOTE))
    elif eff.statistic == "rate_ratio":
        why = "a rate ratio of repeated events does not convert to a risk of a first event"
    if why.startswith("continuous"):
        t, c = ep.result(eff.treatment, "mean_pct_change"), ep.result(eff.control, "mean_pct_change")
        if t and c:
            kind = "adjusted geometric mean" if t.mean_kind == "adjusted_geometric" else "mean"
            basis_text = (f"{kind} change from baseline: {fmt.percent_change(c.value)} (control) vs "
                          f"{fmt.percent_change(t.value)} (ocrelizumab)")
            refs.add(t.source.ref)
    ref_kinds = {trial.reference(r).kind for r in refs}
    if "hta" in ref_kinds and basis == KM:
        fn.append(notes.add("The control-group risk at a fixed time comes from a health technology assessment "
                            "report, not from the primary publication."))
    cert = rate(trial, ep, eff, ev, question=question, control_risk=ab.control_risk, threshold=threshold)
    return SoFRow(
        group=GROUPS[ep.domain], trial=trial.name, comparison=_comparison(trial), endpoint=ep.id, outcome=ep.label,
        relative_effect=_relative_text(eff), ratio=ratio, ratio_low=lo, ratio_high=hi,
        control_risk_per_1000=_per1000(ab.control_risk), control_risk_basis=basis_text,
        intervention_risk_per_1000=_per1000(ab.treatment_risk), difference_per_1000=_per1000(ab.difference),
        difference_low=_per1000(ab.difference_low), difference_high=_per1000(ab.difference_high),
        estimable=ab.kind != "none", absolute_reason=why, participants=_participants(trial), studies=n_studies,
        certainty=cert.rating, certainty_reasons=cert.reasons, verdict=verdict.value, footnotes=tuple(dict.fromkeys(fn)),
        sources=tuple(trial.cite(s) for s in _sources(trial, ep, eff, refs)), data_provenance=prov,
        absolute_kind=ab.kind, derived_intervention_risk_per_1000=_per1000(ab.derived_treatment_risk),
        derived_difference_per_1000=_per1000(ab.derived_difference),
        derived_difference_low=_per1000(ab.derived_difference_low),
        derived_difference_high=_per1000(ab.derived_difference_high), derived_reason=ab.derived_reason,
        absolute_week=ab.week, certainty_domains=cert.to_json(), question=question.describe(),
        higher_is_better=ep.favourable_higher)


def _with_reasons(r: SoFRow) -> dict[str, Any]:
    """The row as a dict, each null field with a reason beside it (``<field>_reason``)."""
    d = asdict(r)
    why = {"ratio": "the main effect is not a ratio (see relative_effect)",
           "ratio_low": "no confidence interval of the ratio was published", "participants": "not reported",
           "absolute_week": "the control-risk basis is the whole trial period, not a fixed week",
           "derived": r.derived_reason or "no risk was derived from a hazard ratio for this outcome",
           "absolute": r.absolute_reason or "no absolute effect for this outcome"}
    for k, v in list(d.items()):
        if v is None and not k.endswith("_reason"):
            key = ("ratio_low" if k == "ratio_high" else "derived" if k.startswith("derived_") else
                   "absolute" if k.endswith("_per_1000") or k.startswith("difference_") else k)
            if k == "ratio_low" and r.ratio is None:
                key = "ratio"
            reason = why.get(key, "not available for this outcome")
            if k.startswith("difference_") and r.absolute_kind == "observed":
                reason = "no confidence interval: the difference is between two published risks that came without one"
            d[f"{k}_reason"] = reason
    return d


def _per1000(x: float | None) -> float | None:
    return None if x is None else 1000 * x


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

    def display_frame(self, analyst: bool = False) -> pd.DataFrame:
        """The table as a reader sees it: formatted text, no missing-value markers (`analyst`: with the risks
        expected from the hazard ratio next to the observed ones, labelled derived)."""
        out = []
        for r in self.rows:
            absolute = absolute_cell(r.absolute_kind, r.control_risk_per_1000, r.intervention_risk_per_1000,
                                     r.difference_per_1000, r.difference_low, r.difference_high, r.absolute_reason,
                                     r.derived_intervention_risk_per_1000, r.derived_difference_per_1000, analyst)
            out.append({"Outcome group": r.group, "Comparison": f"{r.trial}: {r.comparison}", "Outcome": r.outcome,
                        "Control risk (basis)": r.control_risk_basis, "Absolute effect (per 1,000)": absolute,
                        "Relative effect": r.relative_effect,
                        "Participants (studies)": f"{r.participants or 'not reported'} ({r.studies})",
                        "Certainty": f"{r.certainty}: " + "; ".join(r.certainty_reasons),
                        "What it shows": r.verdict,
                        "Footnotes": ", ".join(map(str, r.footnotes)) or "-"})
        return pd.DataFrame(out)

    def to_json(self) -> dict[str, Any]:
        """Rows as dicts; every null carries its reason in ``<field>_reason`` (JSON, for the command line)."""
        return {"rows": [_with_reasons(r) for r in self.rows], "footnotes": list(self.footnotes),
                "data_provenance": "published effects; absolute effects as published where both groups' risks "
                                   "were (absolute_kind observed), else derived (GRADE guideline 27 formula)"}

    def lay_sentences(self) -> list[str]:
        """Plain sentences (no identifiers) for rows whose two groups' risks were published (observed)."""
        out = []
        for r in self.rows:
            if r.absolute_kind != "observed":
                continue
            drug, control = r.comparison.split(" vs ")
            out.append(lay_sentence(r.group, r.outcome, r.trial, drug, control, r.control_risk_per_1000,
                                    r.intervention_risk_per_1000, r.absolute_week, r.certainty))
        return out

    def plot(self, ax=None):
        """Difference per 1,000 with its CI for each estimable row, grouped; returns the Axes."""
        from msevidence.presentation.figures.weighing import sof_plot

        return sof_plot(self, ax=ax)


def summary_of_findings(ev: EvidenceSet, trials: list[str] | None = None, question: Question = DEFAULT_QUESTION,
                        threshold: float = IMPORTANT_RATIO) -> SummaryOfFindings:
    """Build the Summary of Findings for `trials` (default: every trial in the store), certainty rated against
    `question` with `threshold` as the important ratio (:mod:`msevidence.judgement.grade`)."""
    unknown = [t for t in trials or [] if t not in ev]
    if unknown:
        raise OptionError("--trial", f"no trial {unknown[0]!r}; known: {', '.join(ev.ids)}")
    chosen = sorted([ev[t] for t in trials] if trials else list(ev), key=_order)
    notes = _Notes()
    rows = []
    bases = {t.id: table_basis(t, [ep for ep in t.endpoints if ep.domain in GROUPS]) for t in chosen}
    for group in GROUPS:
        for t in chosen:
            for ep in t.endpoints:
                if ep.domain == group:
                    r = _row(t, ep, notes, bases[t.id], ev, question, threshold)
                    if r is not None:
                        rows.append(r)
    return SummaryOfFindings(tuple(rows), tuple(f"{i}. {n}" for i, n in enumerate(notes.items, start=1)))
