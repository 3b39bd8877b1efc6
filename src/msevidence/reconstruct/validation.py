"""Round-trip validation: simulate two-arm trials, digitize their KM curves, reconstruct, refit, compare.

:func:`round_trip` — each trial: Weibull event times (shape 1.2), a hazard ratio drawn in [0.5, 1], uniform
censoring from week 96 to 200 (heavy late censoring), times to 0.1 week; digitized by :func:`digitize_trial`
(one-pixel merging, reading noise), clicked to the curve's end, numbers at risk every 12 weeks. KM errors are
at every reported time.

:func:`round_trip_stops_early` — the ordinary shape of a published figure: follow-up ends at week 120, the
last event comes before it, the flat end is not clicked (the last click is the bottom of the last step) and
numbers at risk are printed every 12 weeks to week 120; every fourth trial's treatment arm has no events after
week 40 (a long flat tail). :func:`accuracy` summarizes it.

In both, the true HR is the Cox HR of the simulated data (lifelines) and the reconstructed HR the Cox HR of the
reconstructed data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter

from msevidence.reconstruct.digitize import DigitizerSettings, digitize_trial
from msevidence.reconstruct.quality import step_survival
from msevidence.reconstruct.reconstruction import KMReconstruction


def simulate_two_arm(rng: np.random.Generator, n_per_arm: int = 300) -> pd.DataFrame:
    """An events table (arms CTRL and OCR) of one simulated trial."""
    base = rng.uniform(0.003, 0.008)
    hr = rng.uniform(0.5, 1.0)
    rows = []
    for arm, h in (("CTRL", base), ("OCR", base * hr)):
        t = rng.weibull(1.2, n_per_arm) / h
        c = rng.uniform(96, 200, n_per_arm)
        rows.append(pd.DataFrame({"patient_id": [f"{arm}-{i:04d}" for i in range(n_per_arm)], "arm": arm,
                                  "endpoint": "sim", "time_weeks": np.round(np.minimum(t, c), 1),
                                  "event": (t <= c).astype(int)}))
    return pd.concat(rows, ignore_index=True)


def cox_hr(events: pd.DataFrame, treatment: str = "OCR") -> float:
    d = events.assign(trt=(events["arm"] == treatment).astype(int))[["time_weeks", "event", "trt"]]
    return float(np.exp(CoxPHFitter().fit(d, "time_weeks", "event").params_["trt"]))


def round_trip(n_trials: int = 50, seed: int = 2026, n_per_arm: int = 300,
               settings: DigitizerSettings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per trial: hr_true, hr_reconstructed, abs_hr_error, km_max_error, at_risk_max_difference, events
    true/reconstructed; per reported time and arm: abs KM error) over `n_trials` seeded trials."""
    trials, km_rows = [], []
    for i in range(n_trials):
        rng = np.random.default_rng([seed, i])
        ipd = simulate_two_arm(rng, n_per_arm)
        curve, risk = digitize_trial(ipd, rng, settings=settings)
        rec = KMReconstruction(endpoint="sim").fit(curve, risk)
        ev = rec.events_
        km_max = 0.0
        for arm, g in ipd.groupby("arm"):
            w = risk.loc[risk["arm"] == arm, "time_weeks"].to_numpy()
            err = np.abs(step_survival(g, w) - step_survival(ev[ev["arm"] == arm], w))
            km_rows.append(pd.DataFrame({"trial": i, "arm": arm, "time_weeks": w, "abs_km_error": err}))
            km_max = max(km_max, float(err.max()))
        h0, h1 = cox_hr(ipd), cox_hr(ev)
        trials.append({"trial": i, "hr_true": h0, "hr_reconstructed": h1, "abs_hr_error": abs(h1 - h0),
                       "km_max_error": km_max,
                       "at_risk_max_difference": int(rec.quality_.at_risk["difference"].abs().max()),
                       "events_true": int(ipd["event"].sum()), "events_reconstructed": int(ev["event"].sum())})
    return pd.DataFrame(trials), pd.concat(km_rows, ignore_index=True)


def simulate_stops_early(rng: np.random.Generator, n_per_arm: int = 300, follow_up: float = 120.0,
                         flat_after: float | None = None) -> pd.DataFrame:
    """An events table (arms CTRL and OCR): exponential event times (control hazard 0.003-0.008 per week, HR
    0.5-1), exponential drop-out (0.002 per week), everyone else censored at `follow_up`; no OCR events after
    `flat_after` weeks (a long flat tail) when given."""
    base, hr = rng.uniform(0.003, 0.008), rng.uniform(0.5, 1.0)
    rows = []
    for arm, h in (("CTRL", base), ("OCR", base * hr)):
        t = rng.exponential(1 / h, n_per_arm)
        if flat_after is not None and arm == "OCR":
            t = np.where(t > flat_after, np.inf, t)
        c = np.minimum(rng.exponential(500.0, n_per_arm), follow_up)
        time = np.round(np.minimum(t, c), 1)
        rows.append(pd.DataFrame({"patient_id": [f"{arm}-{i:04d}" for i in range(n_per_arm)], "arm": arm,
                                  "endpoint": "sim", "time_weeks": np.where(t <= c, np.maximum(time, 0.1), time),
                                  "event": (t <= c).astype(int)}))
    return pd.concat(rows, ignore_index=True)


def km_max_error(truth: pd.DataFrame, rebuilt: pd.DataFrame, end: float, every: float | None = 1.0) -> float:
    """Largest |S_true(t) - S_rebuilt(t)| at every `every` weeks from 0 to `end` (None: at any time, i.e. at
    every jump of either step function, where a step drawn a fraction of a pixel late counts in full)."""
    if every is None:
        grid = np.unique(np.r_[0.0, truth["time_weeks"], rebuilt["time_weeks"]])
        grid = grid[grid <= end]
    else:
        grid = np.arange(0.0, end + 1e-9, every)
    return float(np.abs(step_survival(truth, grid) - step_survival(rebuilt, grid)).max())


def round_trip_stops_early(n_trials: int = 50, seed: int = 2026, n_per_arm: int = 300, follow_up: float = 120.0,
                           flat_every: int = 4) -> pd.DataFrame:
    """Per trial (both arms): hr_true, hr_reconstructed, abs_hr_error, km_max_error (largest KM difference at
    every week to `follow_up`, both arms), km_max_error_any_time (at any time: includes steps drawn a
    fraction of a pixel off), at_risk_printed / at_risk_reproduced (counts of printed numbers), last_click
    (earliest of the arms' last clicks), events_after_last_click (reconstructed; must be 0), flat_tail (the
    treatment arm has no events after week 40)."""
    rows = []
    settings = DigitizerSettings(click_flat_end=False)
    for i in range(n_trials):
        rng = np.random.default_rng([seed, i])
        flat = i % flat_every == flat_every - 1
        ipd = simulate_stops_early(rng, n_per_arm, follow_up, flat_after=40.0 if flat else None)
        curve, risk = digitize_trial(ipd, rng, settings=settings)
        rec = KMReconstruction(endpoint="sim").fit(curve, risk)
        ev, ar = rec.events_, rec.quality_.at_risk
        last = curve.groupby("arm")["time_weeks"].max()
        after = sum(int(((ev["arm"] == a) & (ev["time_weeks"] > last[a]) & (ev["event"] == 1)).sum()) for a in last.index)
        h0, h1 = cox_hr(ipd), cox_hr(ev)
        arms = list(ipd.groupby("arm"))
        rows.append({"trial": i, "flat_tail": flat, "hr_true": h0, "hr_reconstructed": h1, "abs_hr_error": abs(h1 - h0),
                     "km_max_error": max(km_max_error(g, ev[ev["arm"] == a], follow_up) for a, g in arms),
                     "km_max_error_any_time": max(km_max_error(g, ev[ev["arm"] == a], follow_up, None)
                                                  for a, g in arms),
                     "at_risk_printed": len(ar), "at_risk_reproduced": int((ar["difference"] == 0).sum()),
                     "last_click": float(last.min()), "events_after_last_click": after})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class RoundTripAccuracy:
    """Accuracy of the reconstruction on round trips of curves that stop before the last at-risk time."""

    n_trials: int
    median_abs_hr_error: float
    p90_abs_hr_error: float
    median_km_max_error: float
    max_km_max_error: float
    at_risk_reproduced: float  # share of the printed numbers at risk reproduced exactly
    events_after_last_click: int

    def to_frame(self) -> pd.DataFrame:
        """One row per measure, in words, with its value as text (errors to 4 decimals, a share in percent)."""
        errors = [self.median_abs_hr_error, self.p90_abs_hr_error, self.median_km_max_error, self.max_km_max_error]
        return pd.DataFrame({"measure": [
            "|HR error|, median", "|HR error|, 90th percentile", "largest KM error, median over trials",
            "largest KM error, worst trial", "printed numbers at risk reproduced",
            "events placed after the last click"],
            "value": [f"{x:.4f}" for x in errors] + [f"{100 * self.at_risk_reproduced:.1f}%",
                                                     str(self.events_after_last_click)]})


def accuracy(n_trials: int = 50, seed: int = 2026, n_per_arm: int = 300) -> RoundTripAccuracy:
    """:func:`round_trip_stops_early` summarized: median and 90th percentile |HR error|, median and maximum of
    each trial's largest KM error, the share of printed numbers at risk reproduced, events after the last click."""
    r = round_trip_stops_early(n_trials, seed, n_per_arm)
    return RoundTripAccuracy(n_trials, float(r["abs_hr_error"].median()), float(r["abs_hr_error"].quantile(0.9)),
                             float(r["km_max_error"].median()), float(r["km_max_error"].max()),
                             float(r["at_risk_reproduced"].sum() / r["at_risk_printed"].sum()),
                             int(r["events_after_last_click"].sum()))
