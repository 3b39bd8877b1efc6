"""The labelled SYNTHETIC reproduction behind a trial's page: one simulated trial, analysed once per domain."""

from __future__ import annotations

from dataclasses import dataclass

from msevidence.evidence import EvidenceSet, Trial
from msevidence.judgement.published import walking_endpoints


def n_per_arm_of(trial: Trial, n_per_arm: int | None) -> dict[str, int] | None:
    """`n_per_arm` for every arm of `trial` (None: as randomized)."""
    return None if n_per_arm is None else {a.id: int(n_per_arm) for a in trial.arms}


@dataclass(frozen=True)
class ReproducedTrial:
    """A synthetic trial (its label carries the trial's name), its EDSS CDP survival analysis and its walking
    summary (None when the trial reported no T25FW result: then nothing about walking is simulated)."""

    synthetic: object
    label: str
    progression: object
    walking: object | None

    def analyses(self, endpoint: str) -> dict:
        """What :func:`msevidence.judgement.compare.published_vs_reproduced` compares with the evidence."""
        return {endpoint: self.progression} | ({"walking": self.walking} if self.walking is not None else {})


def reproduce(ev: EvidenceSet, trial: Trial, seed: int = 1, n_per_arm: int | None = None,
              confirmation_weeks: int = 12, week: float = 120, unconfirmed_at_end: str = "censor") -> ReproducedTrial:
    """Simulate `trial` (calibrated to its published summaries) and analyse both domains, once
    (`unconfirmed_at_end`: a 20% walking worsening not confirmable before follow-up ended is censored or an event)."""
    from msevidence.models.survival import analyze
    from msevidence.models.walking import summarize_walking
    from msevidence.synthetic import simulate_trial

    syn = simulate_trial(trial, seed=seed, n_per_arm=n_per_arm_of(trial, n_per_arm), evidence=ev)
    label = syn.label.replace(trial.id, trial.name)
    cdp = analyze(syn.events, f"cdp{confirmation_weeks}_edss", treatment=trial.treatment.id,
                  control=trial.control.id, at=week, data_provenance=label)
    walk = (summarize_walking(syn.visits, week=week, treatment=trial.treatment.id, control=trial.control.id,
                              unconfirmed_at_end=unconfirmed_at_end, data_provenance=label)
            if walking_endpoints(trial) else None)
    return ReproducedTrial(syn, label, cdp, walk)
