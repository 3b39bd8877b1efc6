"""Confirmed-worsening rules shared by synthetic data, reconstruction and the walking analyses.

DESIGN.md (domain rules): worsening has its *onset* at a scheduled visit where the criterion is met and is
*confirmed* when the criterion is still met at every visit up to and including the first visit at least
``confirmation_weeks`` after onset. The event time is the onset. Missing visits (NaN) are not assessments:
they neither confirm nor break a confirmation. An onset that cannot be confirmed because follow-up ended
(no later assessment at least ``confirmation_weeks`` after it, and no regression before that) is handled by
``unconfirmed_at_end``: ``"event"`` counts it at its onset (ORATORIO's primary analysis), ``"censor"``
censors the patient at the last assessment.

>>> import numpy as np
>>> edss = np.array([[4.0, 5.0, 5.0, 5.0], [4.0, 5.0, 4.0, 5.0]])
>>> weeks = np.array([0, 12, 24, 36])
>>> confirmed_onsets(edss, weeks, edss_worsened(edss, edss[:, 0]), 12, "censor")
(array([12., 36.]), array([1, 0]))
"""

from __future__ import annotations

from typing import Literal

import numpy as np

UnconfirmedAtEnd = Literal["censor", "event"]
_EPS = 1e-9


def edss_worsened(edss: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """EDSS CDP criterion per visit: increase >= 1.0 if baseline EDSS <= 5.5, >= 0.5 if baseline > 5.5.

    `edss` is patients x visits, `baseline` one value per patient. Missing values (NaN) are not worsened.
    """
    edss = np.asarray(edss, dtype=float)
    base = np.asarray(baseline, dtype=float)[:, None]
    step = np.where(base <= 5.5 + _EPS, 1.0, 0.5)
    with np.errstate(invalid="ignore"):
        return (edss - base) >= step - _EPS


def pct_worsened(times: np.ndarray, baseline: np.ndarray, pct: float = 20) -> np.ndarray:
    """Timed-test worsening per visit: T >= (1 + pct/100) * T0 (T25FW, 9HPT; longer time = worse)."""
    times = np.asarray(times, dtype=float)
    base = np.asarray(baseline, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        return times >= (1 + pct / 100) * base * (1 - _EPS)


def pct_improved(times: np.ndarray, baseline: np.ndarray, pct: float = 20) -> np.ndarray:
    """Timed-test improvement per visit: T <= T0 / (1 + pct/100)."""
    times = np.asarray(times, dtype=float)
    base = np.asarray(baseline, dtype=float)[:, None]
    with np.errstate(invalid="ignore"):
        return times <= base / (1 + pct / 100) * (1 + _EPS)


def confirmed_onsets(
    values: np.ndarray,
    weeks: np.ndarray,
    worsened: np.ndarray,
    confirmation_weeks: int,
    unconfirmed_at_end: UnconfirmedAtEnd = "censor",
) -> tuple[np.ndarray, np.ndarray]:
    """Time (weeks) and event indicator (1/0) of the first confirmed worsening per patient.

    values: patients x visits (NaN = missing visit); weeks: the scheduled week of each visit column;
    worsened: bool, same shape as `values` (criterion met at that visit). Patients without an event are
    censored at their last assessed visit (week 0 if none).
    """
    values = np.asarray(values, dtype=float)
    weeks = np.asarray(weeks, dtype=float)
    worsened = np.asarray(worsened, dtype=bool)
    if values.ndim != 2 or worsened.shape != values.shape or weeks.shape != (values.shape[1],):
        raise ValueError(
            f"confirmed_onsets: values {values.shape} and worsened {worsened.shape} must be patients x visits "
            f"with one week per visit column (weeks {weeks.shape})"
        )
    if unconfirmed_at_end not in ("censor", "event"):
        raise ValueError(f"unconfirmed_at_end must be 'censor' or 'event', not {unconfirmed_at_end!r}")
    if np.any(np.diff(weeks) <= 0):
        raise ValueError("confirmed_onsets: weeks must be strictly increasing")
    n, v = values.shape
    observed = ~np.isnan(values)
    hit = observed & worsened
    broken = observed & ~worsened
    idx = np.arange(v)
    time = np.full(n, np.nan)
    event = np.zeros(n, dtype=int)
    done = np.zeros(n, dtype=bool)
    for j in range(v):
        rows = np.flatnonzero(hit[:, j] & ~done)  # candidates only: most patients never worsen
        if rows.size == 0:
            continue
        after = idx > j
        conf_cols = after & (weeks >= weeks[j] + confirmation_weeks - _EPS)
        conf_ok = observed[rows] & conf_cols
        has_conf = conf_ok.any(axis=1)
        k = np.where(has_conf, np.argmax(conf_ok, axis=1), v)  # first confirmation visit
        bad = broken[rows] & after
        first_bad = np.where(bad.any(axis=1), np.argmax(bad, axis=1), v)
        confirmed = has_conf & (first_bad > k)
        pending = ~has_conf & (first_bad == v)  # still worsened when follow-up ended
        new = rows[confirmed | pending] if unconfirmed_at_end == "event" else rows[confirmed]
        time[new] = weeks[j]
        event[new] = 1
        done[new] = True
        if unconfirmed_at_end == "censor":
            done[rows[pending]] = True  # no later onset can be confirmed either
    last = np.where(observed.any(axis=1), v - 1 - np.argmax(observed[:, ::-1], axis=1), -1)
    censor_time = np.where(last >= 0, weeks[np.clip(last, 0, None)], 0.0)
    time = np.where(event == 1, time, censor_time)
    return time.astype(float), event
