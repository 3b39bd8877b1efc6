"""How much would a person notice: their walk time against the ordinary visit-to-visit variation of the timed
25-foot walk, a 20% slower walk, the trials' average change applied to their time (in words, never as people),
and the MSWS-12's important change. Figures come from ``evidence/measurement.yaml`` and the trial files."""

from __future__ import annotations

from dataclasses import dataclass

from msevidence.evidence import Trial
from msevidence.evidence.measurement import MeasurementStore
from msevidence.evidence.schema import Endpoint


@dataclass(frozen=True)
class WalkNoise:
    """A person's walk time, a 20% slower walk, and the band of ordinary visit-to-visit variation (seconds)."""

    t25fw_s: float
    worse20_s: float
    extra_s: float
    variability_pct: float
    variability_low_pct: float
    band_low_s: float
    band_high_s: float
    within_low_pct: float
    within_high_pct: float
    meaningful_pct: float
    variability_citation: str
    msoac_median_s: float | None
    msoac_q1_s: float | None
    msoac_q3_s: float | None
    msoac_citation: str | None
    rule: str = ("20% slower = walk time × 1.2 (the trials' worsening rule); band = walk time ÷ (1 ± v), v = the "
                 "upper published between-visit variation of walking speed (speed = 25 ft ÷ time)")


def walk_noise(t25fw_s: float, measurement: MeasurementStore) -> WalkNoise:
    between = measurement.measure("t25fw_between_visit_variability")
    within = measurement.measure("t25fw_within_visit_variability")
    meaningful = measurement.measure("t25fw_meaningful_change")
    v = between.high / 100
    pop = measurement.find("T25FW", "population_distribution")
    return WalkNoise(
        t25fw_s=t25fw_s, worse20_s=t25fw_s * 1.2, extra_s=t25fw_s * 0.2, variability_pct=between.high,
        variability_low_pct=between.low, band_low_s=t25fw_s / (1 + v), band_high_s=t25fw_s / (1 - v),
        within_low_pct=within.low, within_high_pct=within.high, meaningful_pct=meaningful.value,
        variability_citation=measurement.cite(between.source),
        msoac_median_s=pop.median if pop else None, msoac_q1_s=pop.q1 if pop else None,
        msoac_q3_s=pop.q3 if pop else None, msoac_citation=measurement.cite(pop.source) if pop else None)


@dataclass(frozen=True)
class QuestionnaireContext:
    """The person's MSWS-12 score and the change that is important for one person (context only)."""

    score: float
    important_change: float
    citation: str
    better_at: float
    worse_at: float


def questionnaire_context(score: float, measurement: MeasurementStore) -> QuestionnaireContext:
    mic = measurement.measure("msws12_important_change")
    return QuestionnaireContext(score, mic.value, measurement.cite(mic.source), max(score - mic.value, 0.0),
                                min(score + mic.value, 100.0))


@dataclass(frozen=True)
class WalkChange:
    """A trial's published average percent change in walk time on each arm, applied to the person's time.

    A group average, not a prediction for one person; shown in words, never as an icon array."""

    trial_name: str
    weeks: float
    pct_without: float
    pct_with: float
    t25fw_s: float
    time_without_s: float
    time_with_s: float
    summary: str
    citation: str
    rule: str = "time at the week = your time × (1 + published average % change ÷ 100), on each arm"


def walk_change(trial: Trial, ep: Endpoint, t25fw_s: float) -> WalkChange | None:
    """The endpoint's published mean percent change in T25FW time on both arms at its week, or None."""
    rc = ep.result(trial.control.id, "mean_pct_change")
    rt = ep.result(trial.treatment.id, "mean_pct_change")
    week = (rc.week if rc is not None and rc.week is not None else ep.definition.week)
    if rc is None or rt is None or week is None or ep.definition.scale != "T25FW":
        return None
    return WalkChange(trial.name, float(week), rc.value, rt.value, t25fw_s, t25fw_s * (1 + rc.value / 100),
                      t25fw_s * (1 + rt.value / 100), ep.definition.summary.split(";")[0].strip(),
                      "; ".join(dict.fromkeys(trial.cite(r.source) for r in (rc, rt))))
