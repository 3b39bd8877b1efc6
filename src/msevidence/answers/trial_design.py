"""The trial-design notebook's analyses: power curves, what-if endpoints, the sampling distribution of the HR.

Every simulated number is SYNTHETIC (control arm from a synthetic trial calibrated to the trial's published
summaries); published numbers come from the evidence store with their citation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from msevidence.designs import (
    GridResult,
    OperatingCharacteristics,
    design_from_trial,
    grid,
    operating_characteristics,
)
from msevidence.evidence import EvidenceSet

ENDPOINT_WORDS = {
    "cdp12_edss": "disability progression (EDSS) confirmed after 12 weeks",
    "cdp24_edss": "disability progression (EDSS) confirmed after 24 weeks",
    "t25fw20_cp12": "walking 20% slower (timed 25-foot walk) confirmed after 12 weeks",
    "t25fw20_cp24": "walking 20% slower (timed 25-foot walk) confirmed after 24 weeks",
}


@dataclass(frozen=True)
class PublishedHR:
    estimate: float
    ci_low: float | None
    ci_high: float | None
    citation: str


def published_hr(ev: EvidenceSet, trial: str, endpoint: str) -> PublishedHR | None:
    """The published hazard ratio of `endpoint` (treatment vs control) with its citation, if the store has one."""
    t = ev[trial]
    try:
        eff = t.endpoint(endpoint).effect("hazard_ratio")
    except KeyError:
        return None
    if eff is None:
        return None
    return PublishedHR(eff.estimate, eff.ci_low, eff.ci_high, t.cite(eff.source))


def power_curves(ev: EvidenceSet, trial: str, endpoint: str, sizes: Sequence[int], true_hrs: Sequence[float],
                 n_trials: int, seed: int, processes: int | None = None, client=None) -> GridResult:
    """Power over total sample sizes x true HRs for the trial's design (allocation, visits, follow-up kept)."""
    base = design_from_trial(trial, endpoint, evidence=ev)
    return grid(base, n_total=sizes, true_hr=true_hrs, n_trials=n_trials, seed=seed, processes=processes,
                client=client)


def what_if_endpoints(ev: EvidenceSet, trial: str, endpoints: Sequence[str], n_trials: int,
                      seed: int) -> tuple[pd.DataFrame, dict[str, OperatingCharacteristics]]:
    """The trial as designed, with each endpoint as primary: true HR from the synthetic trial, power, mean HR."""
    rows, ocs = [], {}
    for ep in endpoints:
        d = design_from_trial(trial, ep, evidence=ev)
        oc = operating_characteristics(d, n_trials, seed)
        ocs[ep] = oc
        pub = published_hr(ev, trial, ep)
        rows.append({"primary endpoint": ENDPOINT_WORDS.get(ep, ep),
                     "true HR in the simulation": round(d.true_hr, 3),
                     "published HR": pub.estimate if pub else "not published",
                     "average events per trial": round(oc.mean_events, 1),
                     "power": round(oc.power, 3), "Monte-Carlo SE": round(oc.power_mc_se, 3)})
    return pd.DataFrame(rows), ocs


def sampling_distribution(ev: EvidenceSet, trial: str, endpoint: str, n_trials: int, seed: int,
                          true_hr: float | None = None) -> OperatingCharacteristics:
    """Many replications of the trial as run; `true_hr` defaults to the published HR when the store has one."""
    pub = published_hr(ev, trial, endpoint)
    hr = true_hr if true_hr is not None else (pub.estimate if pub else None)
    return operating_characteristics(design_from_trial(trial, endpoint, true_hr=hr, evidence=ev), n_trials, seed)
