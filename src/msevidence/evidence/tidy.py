"""The evidence as one tidy table: a row per trial x endpoint x (arm result or effect)."""

from __future__ import annotations

import pandas as pd

from msevidence.evidence.schema import COMPARATOR_LABELS, Endpoint, Sourced, Trial

COLUMNS = [
    "trial", "comparator", "vs", "comparator_label", "control_drug", "endpoint", "label", "domain", "primary",
    "higher_is_better", "scale", "analysis",
    "threshold", "confirmation_weeks", "week", "period", "summary", "kind", "arm", "treatment", "control",
    "statistic", "value", "ci_low", "ci_high", "p", "p_relation", "n", "n_treatment", "n_control", "events",
    "provenance", "secondary", "formula", "ref", "locator", "citation", "doi", "note",
]


COUNT_COLUMNS = ("n", "n_treatment", "n_control", "events", "confirmation_weeks")


def _common(t: Trial, ep: Endpoint) -> dict:
    d = ep.definition
    return {
        "trial": t.id, "comparator": t.comparator, "vs": COMPARATOR_LABELS[t.comparator],
        "comparator_label": t.comparator_label,
        "control_drug": t.control.drug, "endpoint": ep.id,
        "label": ep.label, "domain": ep.domain, "primary": ep.primary, "higher_is_better": ep.favourable_higher,
        "scale": d.scale, "analysis": d.analysis,
        "threshold": d.threshold, "confirmation_weeks": d.confirmation_weeks, "week": d.week,
        "period": d.period, "summary": d.summary,
        "n_treatment": t.treatment.n_randomized, "n_control": t.control.n_randomized,
    }


def _sourced(t: Trial, x: Sourced) -> dict:
    ref = t.reference(x.source.ref)
    return {
        "provenance": x.provenance, "secondary": x.source.secondary, "formula": x.formula, "ref": x.source.ref, "locator": x.source.locator,
        "citation": t.cite(x.source), "doi": ref.doi, "note": x.note,
    }


def endpoints_frame(trials: list[Trial]) -> pd.DataFrame:
    """Tidy DataFrame of every published result and effect in `trials`."""
    rows: list[dict] = []
    for t in trials:
        n_by_arm = {a.id: a.n_randomized for a in t.arms}
        for ep in t.endpoints:
            base = _common(t, ep)
            for r in ep.results:
                rows.append({**base, "kind": "arm", "arm": r.arm, "statistic": r.statistic, "value": r.value,
                             "ci_low": r.ci_low, "ci_high": r.ci_high, "week": r.week or base["week"],
                             "n": r.n or n_by_arm.get(r.arm), "events": r.events, **_sourced(t, r)})
            for x in ep.effects:
                rows.append({**base, "kind": "effect", "treatment": x.treatment, "control": x.control,
                             "statistic": x.statistic, "value": x.estimate, "ci_low": x.ci_low,
                             "ci_high": x.ci_high, "p": x.p, "p_relation": x.p_relation, **_sourced(t, x)})
    df = pd.DataFrame(rows, columns=COLUMNS)
    for col in COUNT_COLUMNS:  # counts stay integers (120, not 120.0) where some rows have none
        df[col] = df[col].astype("Int64")
    return df
