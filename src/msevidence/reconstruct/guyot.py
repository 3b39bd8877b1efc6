"""Patient-level data reconstructed from a digitized Kaplan-Meier curve (Guyot et al. 2012).

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: reconstructing the data
from published Kaplan-Meier survival curves. BMC Med Res Methodol 2012;12:9 (doi 10.1186/1471-2288-12-9).

Inputs are the digitized curve (``time_weeks``, ``survival``) and the published numbers at risk (``time_weeks``,
``n_at_risk``), as stored under ``data/digitized/`` and referenced by a trial's ``curves:``. Within each interval
between numbers-at-risk times, censoring is spread evenly and the number censored is adjusted until the
reconstructed number at risk at the next time matches the published one. No library implements this in Python;
``tests/test_reconstruct.py`` checks it by a round trip (simulate → KM → digitize → reconstruct → KM and Cox HR).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.errors import ReconstructionError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.store import _root_for


def _clean_curve(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    for col in ("time_weeks", "survival"):
        if col not in curve.columns:
            raise ReconstructionError(f"digitized curve lacks column '{col}' (columns: time_weeks, survival)")
    df = curve[["time_weeks", "survival"]].astype(float).sort_values("time_weeks", kind="stable")
    t, s = df["time_weeks"].to_numpy(), df["survival"].to_numpy()
    if (t < 0).any() or ((s < 0) | (s > 1)).any():
        raise ReconstructionError("digitized curve: times must be >= 0 and survival in [0, 1]")
    # Digitizing error makes curves wiggle upwards; a KM curve never increases.
    s = np.minimum.accumulate(s)
    if t[0] > 0:
        t, s = np.r_[0.0, t], np.r_[1.0, s]
    return t, s


def reconstruct_ipd(
    curve: pd.DataFrame,
    at_risk: pd.DataFrame,
    total_events: int | None = None,
    arm: str = "arm",
    endpoint: str = "endpoint",
) -> pd.DataFrame:
    """Reconstruct an events table (patient_id, arm, endpoint, time_weeks, event) from one arm's digitized KM.

    `at_risk` must start at time 0 with the arm's N. `total_events`, when published, fixes censoring in the last
    interval; otherwise the last interval's censoring rate is taken from the earlier intervals (Guyot's default).
    """
    t, s = _clean_curve(curve)
    if not {"time_weeks", "n_at_risk"} <= set(at_risk.columns):
        raise ReconstructionError("numbers at risk need columns time_weeks, n_at_risk")
    risk = at_risk.sort_values("time_weeks")
    t_risk = risk["time_weeks"].to_numpy(float)
    n_risk = risk["n_at_risk"].to_numpy(int)
    if t_risk[0] != 0:
        raise ReconstructionError("numbers at risk must start at time_weeks 0 (the arm's N)")
    if (np.diff(n_risk) > 0).any():
        raise ReconstructionError("numbers at risk must never increase over time")
    t_risk = t_risk[t_risk <= t[-1]]
    n_risk = n_risk[: len(t_risk)]
    n_int = len(t_risk)
    # Indices of the curve points falling in each numbers-at-risk interval.
    lower = np.searchsorted(t, t_risk, side="left")
    upper = np.r_[lower[1:] - 1, len(t) - 1]
    events = np.zeros(len(t), dtype=int)
    censored = np.zeros(len(t), dtype=int)
    n_hat = np.zeros(len(t) + 1, dtype=int)
    km_hat = np.ones(len(t))
    n_cens = np.zeros(n_int, dtype=int)
    last = 0

    def run_interval(i: int, n_censor: int) -> int:
        nonlocal last
        lo, hi = lower[i], upper[i]
        t_end = t_risk[i + 1] if i + 1 < n_int else t[hi]
        cen_times = t_risk[i] + (t_end - t_risk[i]) * np.arange(1, n_censor + 1) / (n_censor + 1)
        censored[lo : hi + 1] = np.histogram(cen_times, bins=np.r_[t_risk[i], t[lo + 1 : hi + 1], np.inf])[0]
        n_hat[lo] = n_risk[i]
        last_i = last
        for k in range(lo, hi + 1):
            if k == 0:
                events[k], km_hat[k] = 0, 1.0
            else:
                events[k] = round(n_hat[k] * (1 - s[k] / km_hat[last_i])) if km_hat[last_i] > 0 else 0
                events[k] = min(max(events[k], 0), n_hat[k])
                km_hat[k] = km_hat[last_i] * (1 - events[k] / n_hat[k]) if n_hat[k] > 0 else km_hat[last_i]
            n_hat[k + 1] = max(n_hat[k] - events[k] - censored[k], 0)
            if events[k]:
                last_i = k
        last = last_i
        return int(n_hat[hi + 1])

    for i in range(n_int):
        lo, hi = lower[i], upper[i]
        saved_last = last
        if i + 1 < n_int:
            guess = round(n_risk[i] * s[lower[i + 1]] / max(s[lo], 1e-12) - n_risk[i + 1])
            n_censor = max(guess, 0)
            for _ in range(100):
                last = saved_last
                diff = run_interval(i, n_censor) - n_risk[i + 1]
                if diff == 0 or (diff < 0 and n_censor == 0):
                    break
                n_censor = max(n_censor + diff, 0)
        else:
            # Last interval: censoring from total events if known, else the average censoring rate so far.
            if total_events is not None:
                n_censor = max(n_risk[i] - (total_events - int(events[:lo].sum())), 0)
                for _ in range(100):
                    last = saved_last
                    run_interval(i, n_censor)
                    diff = int(events.sum()) - total_events
                    if diff == 0 or n_censor == 0 and diff > 0:
                        break
                    n_censor = min(max(n_censor + diff, 0), n_risk[i])
            else:
                rate = n_cens[:i].sum() / max(t_risk[i] - t_risk[0], 1e-12) if i else 0.0
                n_censor = min(round(rate * (t[hi] - t_risk[i])), n_risk[i])
                last = saved_last
                run_interval(i, n_censor)
        n_cens[i] = censored[lo : hi + 1].sum()

    rows_t: list[float] = []
    rows_e: list[int] = []
    for k in range(len(t)):
        rows_t += [t[k]] * int(events[k]) + [t[k]] * int(censored[k])
        rows_e += [1] * int(events[k]) + [0] * int(censored[k])
    # Whoever is still at risk after the last point is censored there.
    remaining = n_risk[0] - len(rows_t)
    if remaining > 0:
        rows_t += [t[-1]] * remaining
        rows_e += [0] * remaining
    n = len(rows_t)
    return pd.DataFrame({
        "patient_id": [f"{arm}-R{i + 1:04d}" for i in range(n)],
        "arm": arm,
        "endpoint": endpoint,
        "time_weeks": np.asarray(rows_t, float),
        "event": np.asarray(rows_e, int),
    })


def reconstruct_trial(trial: Trial, endpoint: str, evidence: EvidenceSet | None = None,
                      root: Path | None = None) -> pd.DataFrame:
    """Events table for `endpoint` from every arm's digitized curve referenced in the trial's evidence file."""
    curves = [c for c in trial.curves if c.endpoint == endpoint]
    if not curves:
        raise ReconstructionError(
            f"{trial.id} has no digitized Kaplan-Meier curve for '{endpoint}'. Digitize the published figure into "
            "data/digitized/ (columns time_weeks, survival; numbers at risk: time_weeks, n_at_risk) and list it "
            "under `curves:` in the trial's evidence file."
        )
    if root is None:
        root = _root_for(evidence.files[trial.id]) if evidence else Path.cwd()
    parts = []
    for c in curves:
        if c.numbers_at_risk is None:
            raise ReconstructionError(f"{trial.id} {endpoint} {c.arm}: numbers at risk are needed to reconstruct")
        parts.append(reconstruct_ipd(pd.read_csv(root / c.file), pd.read_csv(root / c.numbers_at_risk),
                                     arm=c.arm, endpoint=endpoint))
    return pd.concat(parts, ignore_index=True)
