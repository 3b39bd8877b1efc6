"""A simulated digitizer: what a careful person clicking a printed KM figure would export.

Used by the round-trip validation (``reconstruct.validation``: tests and ``benchmarks/bench_reconstruct.py``)
and to make the shipped SYNTHETIC example digitization. The figure is drawn at a finite resolution: steps
closer together than `time_resolution` (a share of the time axis, one pixel) merge into one, and each step's
two corners are clicked (top, then bottom), each read with Gaussian noise on both axes (within the axes: [0, 1]). The first click is at
(0, 1) exactly, the last at the end of the curve, or, with ``click_flat_end=False`` (as most people click a
published figure), at the bottom of the last step, before the last printed at-risk time. Readings are written
to 4 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from msevidence.models.survival.km import km_table


@dataclass(frozen=True)
class DigitizerSettings:
    """time_resolution: one pixel as a share of the time axis; noise_sd: reading noise of survival (0-1
    scale); time_noise_sd: reading noise of time as a share of the axis; decimals: digits written;
    click_flat_end: whether the flat stretch after the last step is clicked to the curve's end."""

    time_resolution: float = 0.004
    noise_sd: float = 0.001
    time_noise_sd: float = 0.0005
    decimals: int = 4
    click_flat_end: bool = True


def digitize_arm(time: np.ndarray, event: np.ndarray, rng: np.random.Generator,
                 settings: DigitizerSettings | None = None, axis_end: float | None = None) -> pd.DataFrame:
    """Clicks (``time_weeks, survival``) on one arm's KM curve as a digitizer would read it."""
    st = settings or DigitizerSettings()
    tab = km_table(np.asarray(time, float), np.asarray(event, int))
    t_end = float(tab["time"].iloc[-1])
    span = axis_end or t_end
    drops = tab[tab["n_event"] > 0]
    t_d, s_d = drops["time"].to_numpy(), drops["survival"].to_numpy()
    pix = np.floor(t_d / (st.time_resolution * span)).astype(int)
    t_pix = st.time_resolution * span
    steps = [(float(t_d[pix == p][0]), float(t_d[pix == p][-1]), float(s_d[pix == p][-1])) for p in np.unique(pix)]
    x_noise = rng.normal(0, st.time_noise_sd * span, len(steps) + 1)  # one per vertical line (both corners)
    t, s, prev = [0.0], [1.0], 1.0
    for (t_top, t_bottom, s_after), dx in zip(steps, x_noise, strict=False):
        t += [max(t_top + dx, 0.0), max(t_bottom + dx, 0.0)]
        s += [prev, s_after]
        prev = s_after
    if st.click_flat_end and t_end - (steps[-1][1] if steps else 0.0) > t_pix:  # the curve goes on after its last step
        t.append(t_end + x_noise[-1])
        s.append(prev)
    t, s = np.asarray(t), np.asarray(s)
    s[1:] = np.clip(s[1:] + rng.normal(0, st.noise_sd, len(s) - 1), 0, 1)  # readings stay on the axes
    return pd.DataFrame({"time_weeks": np.round(t, st.decimals), "survival": np.round(s, st.decimals)})


def at_risk_table(time: np.ndarray, weeks: np.ndarray) -> pd.DataFrame:
    """Printed numbers at risk (time >= week) at `weeks` within follow-up."""
    time = np.asarray(time, float)
    weeks = np.asarray(weeks, float)
    weeks = weeks[weeks <= time.max()]
    return pd.DataFrame({"time_weeks": weeks, "n_at_risk": [int((time >= w).sum()) for w in weeks]})


def digitize_trial(events: pd.DataFrame, rng: np.random.Generator, risk_every: float = 12.0,
                   settings: DigitizerSettings | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(curve clicks, numbers at risk) of every arm of an events table (one endpoint), with ``arm`` columns."""
    axis_end = float(events["time_weeks"].max())
    weeks = np.arange(0, axis_end + 1e-9, risk_every)
    curves, risks = [], []
    for arm, g in events.groupby("arm", sort=True):
        curves.append(digitize_arm(g["time_weeks"], g["event"], rng, settings, axis_end).assign(arm=arm))
        risks.append(at_risk_table(g["time_weeks"], weeks).assign(arm=arm))
    cols_c, cols_r = ["arm", "time_weeks", "survival"], ["arm", "time_weeks", "n_at_risk"]
    return pd.concat(curves, ignore_index=True)[cols_c], pd.concat(risks, ignore_index=True)[cols_r]
