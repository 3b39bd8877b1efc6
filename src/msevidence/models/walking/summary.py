"""Walking speed (T25FW) as its own outcome, kept apart from EDSS disability progression.

`summarize_walking` computes, at one week: per-arm % change in walk time (arithmetic and geometric mean),
confirmed ≥20% worsening and improvement, change in walking speed, the mixed-model ratio, and the per-patient
discordance between EDSS CDP12 and confirmed T25FW worsening. Pages say what it shows through the trial's answer
(:mod:`msevidence.answers.trial_answer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msevidence.data.confirm import UnconfirmedAtEnd
from msevidence.data.tables import infer_arms
from msevidence.data.visits import (
    UNABLE_COLUMN,
    VisitsTableError,
    pct_change_by_visit,
    read_visits,
    walking_changes,
    walking_events,
)
from msevidence.models.walking.mixed import MixedModelRatio, WalkingMixedModel

GEOMETRIC = "geometric mean % change, 100·(exp(mean log(T/T0)) − 1)"
ARITHMETIC = "arithmetic mean % change, mean of 100·(T/T0 − 1)"
UNABLE = ("patients who could not complete the walk within the protocol's time limit at the week: they have no "
          "time, so the % changes and walking speeds leave them out (as an MMRM on observed log times does), "
          "while the confirmed-worsening proportions count such a visit as ≥20% worse")


@dataclass(frozen=True)
class ArmWalking:
    """T25FW at one week for one arm. Proportions are of all patients in the arm (onset by that week)."""

    arm: str
    role: str
    n_patients: int
    n: int  # patients with a T25FW value at the week
    mean_pct_change: float
    geometric_mean_pct_change: float
    median_pct_change: float
    worsened_20_confirmed_12w: float
    worsened_20_confirmed_24w: float
    improved_20_confirmed_12w: float
    improved_20_confirmed_24w: float
    walking_speed_change_ft_s: float
    walking_speed_change_m_s: float
    n_unable: int = 0  # patients who could not complete the walk at the week (no time; left out of % change)


@dataclass(frozen=True)
class Discordance:
    """Per patient in one arm: EDSS CDP12 vs confirmed (12-week) ≥20% T25FW worsening, onset by the week."""

    arm: str
    both: int
    edss_only: int
    t25fw_only: int
    neither: int
    agreement: float  # observed proportion of patients classified alike
    kappa: float  # Cohen's kappa
    t25fw_first: int  # among `both`: walking worsened at an earlier visit than EDSS progressed
    edss_first: int
    same_visit: int
    median_weeks_t25fw_minus_edss: float  # among `both`; NaN if none

    @property
    def n(self) -> int:
        return self.both + self.edss_only + self.t25fw_only + self.neither

    def table(self) -> pd.DataFrame:
        """2×2 table: rows EDSS CDP12 yes/no, columns T25FW worsening yes/no."""
        return pd.DataFrame([[self.both, self.edss_only], [self.t25fw_only, self.neither]],
                            index=pd.Index(["EDSS CDP12: yes", "EDSS CDP12: no"], name=self.arm),
                            columns=["T25FW ≥20% worse (confirmed): yes", "T25FW ≥20% worse (confirmed): no"])


def discordance(patients: pd.DataFrame, arm: str) -> Discordance:
    """Discordance counts and agreement for one arm from the per-patient table of `summarize_walking`."""
    p = patients[patients["arm"] == arm]
    e, t = p["edss_cdp12"].to_numpy(bool), p["t25fw_worse12"].to_numpy(bool)
    n = len(p)
    both = e & t
    obs = float(np.mean(e == t)) if n else float("nan")
    exp_ = float(e.mean() * t.mean() + (1 - e.mean()) * (1 - t.mean())) if n else float("nan")
    kappa = (obs - exp_) / (1 - exp_) if n and exp_ < 1 else float("nan")
    gap = (p["t25fw_worse12_week"] - p["edss_cdp12_week"]).to_numpy(float)[both]
    return Discordance(arm=arm, both=int(both.sum()), edss_only=int((e & ~t).sum()),
                       t25fw_only=int((~e & t).sum()), neither=int((~e & ~t).sum()), agreement=obs,
                       kappa=float(kappa), t25fw_first=int((gap < 0).sum()), edss_first=int((gap > 0).sum()),
                       same_visit=int((gap == 0).sum()),
                       median_weeks_t25fw_minus_edss=float(np.median(gap)) if gap.size else float("nan"))


@dataclass(frozen=True, eq=False)
class WalkingSummary:
    """Result of `summarize_walking`. Tables: `arms`, `by_visit` (per arm and week), `changes` (per patient
    and visit), `patients` (per patient: confirmed events and their weeks), `discordance`."""

    week: float
    treatment: str
    control: str
    arms: tuple[ArmWalking, ...]
    mixed_model: MixedModelRatio
    discordance: tuple[Discordance, ...]
    by_visit: pd.DataFrame = field(repr=False)
    changes: pd.DataFrame = field(repr=False)
    patients: pd.DataFrame = field(repr=False)
    unconfirmed_at_end: str = "censor"
    data_provenance: str | None = None

    def arm(self, arm: str) -> ArmWalking:
        return next(a for a in self.arms if arm in (a.arm, a.role))

    def to_frame(self) -> pd.DataFrame:
        """One row per arm; the `summary` column says which mean is which."""
        df = pd.DataFrame([vars(a) for a in self.arms]).set_index("arm")
        df.insert(0, "week", self.week)
        df["summary"] = f"mean_pct_change: {ARITHMETIC}; geometric_mean_pct_change: {GEOMETRIC}"
        df["data_provenance"] = self.data_provenance
        return df

    def discordance_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{**vars(d), "n": d.n} for d in self.discordance]).set_index("arm")

    def to_json(self) -> dict:
        """Plain-JSON dict (see the `msevidence walking --json` contract)."""
        def arm_json(a: ArmWalking) -> dict:
            keys = ("mean_pct_change", "geometric_mean_pct_change", "median_pct_change",
                    "worsened_20_confirmed_12w", "worsened_20_confirmed_24w", "improved_20_confirmed_12w",
                    "improved_20_confirmed_24w", "walking_speed_change_ft_s", "walking_speed_change_m_s")
            return {"role": a.role, "n_patients": a.n_patients, "n": a.n, "n_unable": a.n_unable,
                    **{k: _num(getattr(a, k)) for k in keys}}

        m = self.mixed_model
        return {
            "week": _num(self.week),
            "treatment": self.treatment,
            "control": self.control,
            "arms": {a.arm: arm_json(a) for a in self.arms},
            "mixed_model": {"ratio": _num(m.ratio), "ci_low": _num(m.ci_low), "ci_high": _num(m.ci_high),
                            "p": _num(m.p), "week": m.week,
                            "n_patients": m.n_patients, "n_observations": m.n_observations,
                            "converged": m.converged, "estimable": m.estimable, "reason": m.reason,
                            "warnings": list(m.warnings), "method": m.method,
                            "interpretation": "ratio of geometric-mean walk time relative to baseline, "
                                              "treatment / control (< 1: walk time grew less on treatment)"},
            "discordance": {d.arm: {"both": d.both, "edss_only": d.edss_only, "t25fw_only": d.t25fw_only,
                                    "neither": d.neither, "n": d.n, "agreement": _num(d.agreement),
                                    "kappa": _num(d.kappa), "t25fw_first": d.t25fw_first,
                                    "edss_first": d.edss_first, "same_visit": d.same_visit,
                                    "median_weeks_t25fw_minus_edss": _num(d.median_weeks_t25fw_minus_edss)}
                            for d in self.discordance},
            "definitions": {
                "mean_pct_change": ARITHMETIC,
                "geometric_mean_pct_change": GEOMETRIC,
                "worsened_20_confirmed_12w": "proportion of all patients in the arm with T >= 1.2*T0 confirmed "
                                             "12 weeks later (DESIGN.md rule), onset by the week",
                "improved_20_confirmed_12w": "proportion of all patients in the arm with T <= T0/1.2 (walking "
                                             "speed >= 20% faster) confirmed 12 weeks later, onset by the week",
                "walking_speed_change_ft_s": "mean of 25/T − 25/T0 (ft/s; positive = faster); m/s = ft/s × 0.3048",
                "discordance": "EDSS CDP12 (>=1.0 if baseline <=5.5, >=0.5 if >5.5) vs confirmed >=20% T25FW "
                               "worsening (12 weeks), onset by the week",
                "unconfirmed_at_end": self.unconfirmed_at_end,
                "n_unable": UNABLE,
            },
            "data_provenance": self.data_provenance,
        }

    def plot(self, ax=None):
        """T25FW trajectories per arm (see `msevidence.figures.walking.plot_trajectories`)."""
        from msevidence.presentation.figures.walking import plot_trajectories

        return plot_trajectories(self, ax=ax)


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def summarize_walking(visits, week: float = 120, treatment: str | None = None, control: str | None = None,
                      unconfirmed_at_end: UnconfirmedAtEnd = "censor",
                      data_provenance: str | None = None) -> WalkingSummary:
    """Summarize T25FW at `week` from a visits table (DataFrame or CSV/Parquet path; baseline = week 0).

    Confirmed worsening/improvement and EDSS CDP12 follow DESIGN.md via `msevidence.confirm`; an onset counts
    if it is at or before `week` (confirmation may use later visits).
    """
    visits = read_visits(visits)
    treatment, control = infer_arms(visits["arm"], treatment, control)
    visits = visits[visits["arm"].isin([treatment, control])]
    changes = walking_changes(visits)
    by_visit = pct_change_by_visit(changes)
    ev = walking_events(visits, unconfirmed_at_end)
    wide = ev.assign(hit=(ev["event"] == 1) & (ev["time_weeks"] <= week)).pivot(
        index="patient_id", columns="endpoint", values=["hit", "time_weeks"])
    patients = pd.DataFrame({
        "arm": visits.groupby("patient_id")["arm"].first(),
        "edss_cdp12": wide[("hit", "cdp12_edss")].astype(bool),
        "edss_cdp12_week": wide[("time_weeks", "cdp12_edss")].where(wide[("hit", "cdp12_edss")].astype(bool)),
        "t25fw_worse12": wide[("hit", "t25fw20_cp12")].astype(bool),
        "t25fw_worse12_week": wide[("time_weeks", "t25fw20_cp12")].where(wide[("hit", "t25fw20_cp12")].astype(bool)),
        "t25fw_worse24": wide[("hit", "t25fw20_cp24")].astype(bool),
        "t25fw_improved12": wide[("hit", "t25fw20_improved_cp12")].astype(bool),
        "t25fw_improved24": wide[("hit", "t25fw20_improved_cp24")].astype(bool),
    })
    at = changes[changes["week"] == week]
    unable = visits[(visits["week"] == week) & visits[UNABLE_COLUMN]].groupby("arm")["patient_id"].nunique()
    if at.empty:  # otherwise every per-arm summary is silently NaN
        raise VisitsTableError(f"no T25FW assessment at week {week:g} (weeks: "
                               f"{', '.join(f'{w:g}' for w in sorted(changes['week'].unique()))})", column="week")
    arms = []
    for role, arm in (("treatment", treatment), ("control", control)):
        p, a = patients[patients["arm"] == arm], at[at["arm"] == arm]
        arms.append(ArmWalking(
            arm=arm, role=role, n_patients=len(p), n=len(a),
            mean_pct_change=float(a["pct_change"].mean()),
            geometric_mean_pct_change=float(100 * (np.exp(a["log_ratio"].mean()) - 1)),
            median_pct_change=float(a["pct_change"].median()),
            worsened_20_confirmed_12w=float(p["t25fw_worse12"].mean()),
            worsened_20_confirmed_24w=float(p["t25fw_worse24"].mean()),
            improved_20_confirmed_12w=float(p["t25fw_improved12"].mean()),
            improved_20_confirmed_24w=float(p["t25fw_improved24"].mean()),
            walking_speed_change_ft_s=float(a["speed_change_ft_s"].mean()),
            walking_speed_change_m_s=float(a["speed_change_m_s"].mean()), n_unable=int(unable.get(arm, 0))))
    try:
        mm = WalkingMixedModel(treatment, control, data_provenance=data_provenance).fit(visits).ratio(week)
    except (VisitsTableError, np.linalg.LinAlgError, ValueError) as exc:
        mm = MixedModelRatio.not_fitted(week, treatment, control, str(exc), data_provenance)
    return WalkingSummary(
        week=float(week), treatment=treatment, control=control, arms=tuple(arms), mixed_model=mm,
        discordance=tuple(discordance(patients, arm) for arm in (treatment, control)), by_visit=by_visit,
        changes=changes, patients=patients.reset_index(), unconfirmed_at_end=unconfirmed_at_end,
        data_provenance=data_provenance)
