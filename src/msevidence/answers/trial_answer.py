"""The answer for one trial, computed once: every number and verdict a page, a notebook or ``--json`` shows.

:func:`trial_answer` builds a :class:`TrialAnswer` (frozen dataclasses all the way down). Pages render it;
none of them re-picks a main effect (:func:`msevidence.judgement.main_effect.main_effect`), re-decides a verdict
(:mod:`msevidence.judgement.verdict`, through the Summary of Findings) or chooses another absolute-effect basis
(:mod:`msevidence.judgement.absolute_effects`).

JSON form (:meth:`TrialAnswer.to_json`, printed by ``msevidence answer --trial ORATORIO --json``), version
:data:`SCHEMA_VERSION`::

    schema_version   int; bumped when a key changes meaning or disappears (keys are only ever added otherwise)
    trial, name, treatment, brand, control, comparator, population
    absolute_basis   {"basis": "trial_period" | "km_at_week", "text": words}: one basis for every endpoint
    domains          {"disability_progression" | "walking_speed": {trial, domain, verdict, sentence, endpoint,
                      numbers, citations}}   what the published evidence shows (the page's bottom line)
    endpoints        [{endpoint, label, domain, verdict, certainty, certainty_reasons,
                       main_effect: {statistic, estimate, ci_low, ci_high, p, p_relation, provenance, source, text},
                       absolute: {kind: observed | derived | none, control_risk, treatment_risk, difference, week,
                                  reason, derived_*: expected from the hazard ratio (analyst view), sources}}]
    comparison       [{domain, endpoint, statistic, week, arm, quantity, published, published_text, source,
                       reproduced, reproduced_text}]   published next to reproduced (null when not computed)
    reproduction     null, or {label, data_source: "synthetic", calibrated, met,
                       misses: [{target, published, achieved, tolerance, status}], agrees, note}

Numbers are proportions (0.329, not 32.9) except percent changes (already in percent); a quantity that cannot be
given is null with a reason next to it, never NaN.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from msevidence import formatting as fmt
from msevidence.answers.reproduce import ReproducedTrial, reproduce
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.schema import Effect
from msevidence.judgement.absolute_effects import AbsoluteEffect, absolute_effect, table_basis
from msevidence.judgement.compare import published_vs_reproduced
from msevidence.judgement.grade import DEFAULT_QUESTION, Question
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.published import (
    DOMAIN_TITLES,
    DomainVerdict,
    format_value,
    progression_endpoint,
    published_progression_verdict,
    published_walking_verdict,
    statistic_words,
    walking_endpoints,
)
from msevidence.judgement.sof import summary_of_findings
from msevidence.judgement.wording import brand_name, name_arms

SCHEMA_VERSION = 1
EXTRA_WORDS = {"t25fw20_cp12": "walked at least 20% slower (confirmed 12 weeks later)",
               "t25fw20_improved_cp12": "walked at least 20% faster (confirmed 12 weeks later)"}
CHECK_TOLERANCE = 0.05  # a "check" target (not calibrated) is missed when off by more than 5 percentage points


@dataclass(frozen=True)
class EffectAnswer:
    """A published between-group effect, with its citation and its text as every page writes it."""

    statistic: str
    estimate: float
    ci_low: float | None
    ci_high: float | None
    p: float | None
    p_relation: str
    provenance: str
    source: str
    text: str


@dataclass(frozen=True)
class EndpointAnswer:
    """One endpoint: its main effect, verdict and certainty (as in the Summary of Findings), absolute effect."""

    endpoint: str
    label: str
    domain: str
    main_effect: EffectAnswer | None
    verdict: str
    certainty: str
    certainty_reasons: tuple[str, ...]
    absolute: AbsoluteEffect


@dataclass(frozen=True)
class ComparisonRow:
    """A published number next to its reproduction (None where one side is missing)."""

    domain: str
    endpoint: str
    statistic: str
    week: float | None
    arm: str
    quantity: str
    published: float | None
    published_text: str
    source: str
    reproduced: float | None
    reproduced_text: str


@dataclass(frozen=True)
class CalibrationCheck:
    """A published target the synthetic trials were tuned to (``calibrated``) or only checked against."""

    target: str
    published: float | None
    achieved: float | None
    tolerance: float | None
    status: str


@dataclass(frozen=True)
class Reproduction:
    """The labelled synthetic reproduction: an illustration, never the bottom line. `agrees` is False when any
    target is missed beyond its tolerance (checks: :data:`CHECK_TOLERANCE`); `note` says so in words."""

    label: str
    data_source: str
    calibrated: int
    met: int
    misses: tuple[CalibrationCheck, ...]
    agrees: bool
    note: str


@dataclass(frozen=True)
class TrialAnswer:
    """Everything a page says about one trial, computed once by :func:`trial_answer`."""

    schema_version: int
    trial: str
    name: str
    treatment: str
    brand: str
    control: str
    comparator: str
    population: str
    absolute_basis: dict[str, str]
    domains: dict[str, DomainVerdict]
    endpoints: tuple[EndpointAnswer, ...]
    comparison: tuple[ComparisonRow, ...] | None = None
    reproduction: Reproduction | None = None

    def endpoint(self, endpoint_id: str) -> EndpointAnswer:
        return next(e for e in self.endpoints if e.endpoint == endpoint_id)

    def domain(self, domain: str) -> DomainVerdict:
        return self.domains[domain]

    def main(self, domain: str) -> EndpointAnswer | None:
        """The endpoint behind the domain's bottom line (None when the domain was not reported)."""
        eid = self.domains[domain].endpoint
        return next((e for e in self.endpoints if e.endpoint == eid), None)

    def comparison_frame(self, domain: str, label: str | None = None) -> pd.DataFrame:
        """The published-vs-reproduced table of one domain, as a reader sees it (one table, built once)."""
        return comparison_frame(self.comparison or (), domain,
                                label or (self.reproduction.label if self.reproduction else "not computed"))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types (see the module docstring for the keys); no NaN."""
        d = asdict(self)
        for e, ep in zip(d["endpoints"], self.endpoints, strict=True):
            e["absolute"] = ep.absolute.to_json()
        return _clean(d)


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _effect_answer(trial: Trial, eff: Effect | None) -> EffectAnswer | None:
    if eff is None:
        return None
    name = statistic_words(eff.statistic)
    if eff.statistic.endswith("ratio"):
        text = fmt.effect(name, eff.estimate, eff.ci_low, eff.ci_high, eff.p, eff.p_relation)
    else:
        pv = f" ({fmt.p_value(eff.p, eff.p_relation)})" if eff.p is not None else ""
        text = f"{name} {format_value(eff.statistic, eff.estimate)}{pv}"
    return EffectAnswer(eff.statistic, eff.estimate, eff.ci_low, eff.ci_high, eff.p, eff.p_relation or "=",
                        eff.provenance, trial.cite(eff.source), text)


def _number(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def comparison_frame(rows, domain: str | None, label: str) -> pd.DataFrame:
    """Published next to reproduced, as a reader sees it: quantity, published, source, reproduced (labelled)."""
    rows = [r for r in rows if domain is None or r.domain == domain]
    rep = f"reproduced — {label}"
    return pd.DataFrame([{"quantity": r.quantity, "published": r.published_text, "source": r.source,
                          rep: r.reproduced_text} for r in rows],
                        columns=["quantity", "published", "source", rep]).set_index("quantity")


def comparison_table(trial: Trial, reproduced: dict, label: str, domain: str | None = None,
                     endpoints: set[str] | None = None) -> pd.DataFrame:
    """:func:`comparison_frame` of :func:`comparison_rows` (the one published-vs-reproduced table)."""
    return comparison_frame(comparison_rows(trial, reproduced, label, endpoints), domain, label)


def comparison_rows(trial: Trial, reproduced: dict, label: str,
                    endpoints: set[str] | None = None) -> tuple[ComparisonRow, ...]:
    """Rows of :func:`msevidence.judgement.compare.published_vs_reproduced` in reader's words (arms by
    treatment, numbers through :mod:`msevidence.formatting`); `endpoints` limits the published rows shown."""
    domains = ("disability_progression", "walking_speed", "composite_progression", "upper_limb")
    df = published_vs_reproduced(trial, reproduced, provenance=label, domains=domains)
    if endpoints is not None:
        df = df[df["endpoint"].isin(endpoints) | df["source"].eq("not published (gap)")]
    names = {a.id: a.drug for a in trial.arms}
    rows = []
    for r in df.itertuples(index=False):
        week = _number(r.week)
        arm = " vs ".join(names.get(a, a) for a in str(r.arm).split(" vs "))
        words = statistic_words(r.statistic, week)
        if r.statistic == "ratio_of_geometric_means":
            words = "ratio of walk times (below 1: walk time grew less)"
        elif r.endpoint in EXTRA_WORDS:
            words = (EXTRA_WORDS[r.endpoint] + f" by week {week:g}" if r.statistic == "proportion_by_week"
                     else f"{EXTRA_WORDS[r.endpoint]}: {words}")
        pub, rep = _number(r.published), _number(r.reproduced)
        rep_text = format_value(r.statistic if r.statistic != "proportion_by_week" else "proportion", rep)
        if rep is not None and _number(r.reproduced_ci_low) is not None:
            rep_text += f" ({fmt.interval(r.reproduced_ci_low, r.reproduced_ci_high)})"
        pub_text = format_value(r.statistic, pub)
        if pub is not None and _number(r.published_ci_low) is not None:
            pub_text += f" ({fmt.interval(r.published_ci_low, r.published_ci_high)})"
        if pub is not None and r.published_provenance == "derived":
            pub_text += " (derived from published numbers)"
        rows.append(ComparisonRow(r.domain, r.endpoint, r.statistic, week, str(r.arm), f"{words}, {arm}", pub,
                                  "not reported" if pub is None else pub_text,
                                  "—" if r.source == "not published (gap)" else r.source, rep,
                                  "not computed" if rep is None else rep_text))
    return tuple(rows)


def plain_target(text: str, trial: Trial | None = None) -> str:
    """A calibration target in reader's words: no quoted identifiers or formulas, arms by treatment."""
    text = re.sub(r"\s*\([^()]*'[a-z0-9_]+'[^()]*\)", "", text)
    text = re.sub(r"\(EDSS/T25FW/9HPT\)", "(EDSS, walking or hand test)", text)
    return name_arms(text, trial) if trial is not None else text


def _reproduction(syn, label: str, trial: Trial | None = None) -> Reproduction:
    """Calibration status read from the typed :class:`~msevidence.synthetic.result.CalibrationResult`."""
    rows = syn.calibration_result.table
    cal = [r for r in rows if r.status == "calibrated"]
    misses = []
    for r in rows:
        if r.published is None or r.achieved_mean is None:
            continue
        tol = r.tolerance if r.status == "calibrated" else CHECK_TOLERANCE
        if abs(r.achieved_mean - r.published) > tol:
            misses.append(CalibrationCheck(plain_target(r.target, trial), r.published, r.achieved_mean, tol, r.status))
    met = sum(bool(r.met) for r in cal)
    if misses:
        note = ("The simulated trials do not match every published number: "
                + "; ".join(f"{m.target}: {_short(m.published)} published, {_short(m.achieved)} simulated"
                            for m in misses)
                + ". Treat the simulated numbers as a rough illustration only.")
    else:
        note = f"The simulated trials match all {len(cal)} published numbers they were tuned to."
    return Reproduction(label, "synthetic", len(cal), met, tuple(misses), not misses, note)


def _short(x: float | None) -> str:
    if x is None:
        return "—"
    return fmt.percent(x, 0) if 0 <= x <= 1 else fmt.number(x)


def trial_answer(ev: EvidenceSet, trial: str, confirmation_weeks: int = 12,
                 reproduction: ReproducedTrial | None = None, *, question: Question | None = None) -> TrialAnswer:
    """Build the answer for `trial` once: domains' verdicts, endpoints (main effect, verdict, certainty and
    absolute effect, as in the Summary of Findings), and, given a SYNTHETIC `reproduction`
    (:func:`msevidence.answers.reproduce.reproduce`), the comparison with it and its calibration status.

    Certainty is rated against `question` (default :data:`msevidence.judgement.grade.DEFAULT_QUESTION`, as in
    ``msevidence sof``); only the certainty depends on it."""
    t = ev[trial]
    synthetic = reproduction.synthetic if reproduction is not None else None
    sof = {r.endpoint: r for r in summary_of_findings(ev, [trial], question or DEFAULT_QUESTION).rows}
    eps = [ep for ep in t.endpoints if ep.id in sof]
    basis = table_basis(t, eps)
    endpoints = []
    for ep in eps:
        r, eff = sof[ep.id], main_effect(ep)
        endpoints.append(EndpointAnswer(ep.id, ep.label, ep.domain, _effect_answer(t, eff), r.verdict, r.certainty,
                                        r.certainty_reasons, absolute_effect(t, ep, eff, basis)))
    domains = {"disability_progression": published_progression_verdict(t, confirmation_weeks),
               "walking_speed": published_walking_verdict(t)}
    comparison = status = None
    if reproduction is not None:
        label = reproduction.label
        pe = progression_endpoint(t, confirmation_weeks)
        keep = {e.id for e in [pe, *walking_endpoints(t)] if e is not None}
        comparison = comparison_rows(t, reproduction.analyses(f"cdp{confirmation_weeks}_edss"), label, keep)
        if synthetic.calibration_result is not None:
            status = _reproduction(synthetic, label, t)
    basis_text = next((e.absolute.basis_text for e in endpoints if e.absolute.kind != "none"), "")
    return TrialAnswer(SCHEMA_VERSION, t.id, t.name, t.treatment.drug, brand_name(t.treatment.drug),
                       t.control.drug, t.comparator, t.population, {"basis": basis, "text": basis_text},
                       domains, tuple(endpoints), comparison, status)


def answer_for(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
               confirmation_weeks: int = 12, week: float = 120, reproduce_trial: bool = True, *,
               question: Question | None = None) -> TrialAnswer:
    """:func:`trial_answer`, with a synthetic reproduction for a placebo-controlled trial when asked."""
    t = ev[trial]
    rep = (reproduce(ev, t, seed, n_per_arm, confirmation_weeks, week)
           if reproduce_trial and t.comparator == "placebo" else None)
    return trial_answer(ev, trial, confirmation_weeks, rep, question=question)


__all__ = ["answer_for", "comparison_table", "SCHEMA_VERSION", "TrialAnswer", "EndpointAnswer", "EffectAnswer", "ComparisonRow",
           "Reproduction", "CalibrationCheck", "trial_answer", "DOMAIN_TITLES"]
