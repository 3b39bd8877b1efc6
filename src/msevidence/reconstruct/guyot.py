"""The Guyot algorithm: events and censorings of one arm from its digitized Kaplan-Meier curve and numbers at risk.

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data: reconstructing the data
from published Kaplan-Meier survival curves. BMC Med Res Methodol 2012;12:9 (doi 10.1186/1471-2288-12-9).

Followed step by step (the paper's algorithm and its published R code): between consecutive reported times
``t_i`` the number censored ``nc_i`` starts at ``round(n_i S(t_{i+1}) / S(t_i) - n_{i+1})`` and is adjusted by
the difference until the reconstructed number at risk at ``t_{i+1}`` equals the printed one; censorings are
spread evenly over the interval; at each click ``k`` the events are ``round(n_k (1 - S_k / KM_last))`` with
``KM_last`` the reconstructed KM at the last click with an event. The last interval takes its censoring from
the average rate of the earlier intervals, or, when the total number of events is known, the number censored
is adjusted until the events add up to it (and when the earlier intervals already reach it, no further events
or censorings are placed).

Two choices differ in form, not in substance, and make the reconstructed numbers at risk equal the printed
ones: a point is inserted at every reported time the clicks skip (the curve's value there), and the censorings
keep their evenly spread times inside their interval (the R code writes them at the midpoint between clicks,
which can fall after the next reported time). Rounding is half-to-even, as R's ``round``.

A curve whose last click comes before the last printed at-risk time (the usual figure: the last event
happens before the last printed time and the flat end is not clicked) is read as Guyot's algorithm and
IPDfromKM read it: after the last click survival stays at its last value, so no events are placed there and
the patients leaving the risk set in the remaining intervals are censored, meeting every printed number (no
event is placed on a flat stretch: each click's events make up only the curve's drop below the reconstructed
KM, rounded, and a clicked flat end is reduced to its first read by the cleaning).

Three additions guard against reading error, each recorded in the arm's ``notes``: (1) where the curve asks for
more events in an interval than the printed numbers at risk allow even with no censoring, the paper lowers the
number at risk; here the printed number is kept and the surplus events are not placed; they are placed at the
next reported time only as far as the curve steps down just before it (within `boundary_window`: a step drawn
on the reported time and clicked a pixel early); (2) the rest is read as an offset of the clicks, and the curve
after it is read relative to the reconstructed KM, so that the offset never turns into events later (on a flat
tail, say); (3) a fall of the curve below the reconstructed KM smaller than `min_drop` (the reading
resolution) is not taken as an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msevidence.errors import ReconstructionError

MAX_ITER = 1000


@dataclass(frozen=True)
class ArmReconstruction:
    """One arm's reconstruction: clicks (with inserted reported times), events and censorings per click."""

    arm: str
    time: np.ndarray = field(repr=False)  # click times (weeks), with the reported times inserted
    survival: np.ndarray = field(repr=False)  # the curve at those times
    events: np.ndarray = field(repr=False)  # events at time[k]
    censored: np.ndarray = field(repr=False)  # censorings in [time[k], time[k+1])
    censor_times: tuple[np.ndarray, ...] = field(repr=False)  # the censoring times of each click's bin
    n_hat: np.ndarray = field(repr=False)  # reconstructed at risk at time[k]
    km_hat: np.ndarray = field(repr=False)  # reconstructed KM at time[k]
    risk_times: np.ndarray = field(repr=False)
    n_risk_printed: np.ndarray = field(repr=False)
    n_risk_reconstructed: np.ndarray = field(repr=False)
    total_events: int | None = None
    last_interval: str = ""
    notes: tuple[str, ...] = ()

    @property
    def end(self) -> float:
        return float(self.time[-1])

    def to_frame(self, endpoint: str = "endpoint") -> pd.DataFrame:
        """The arm's events table: patient_id, arm, endpoint, time_weeks, event (events first, then censorings)."""
        times, flags = [], []
        for k in np.flatnonzero(self.events):
            times.append(np.full(int(self.events[k]), self.time[k]))
            flags.append(np.ones(int(self.events[k]), int))
        for k in np.flatnonzero(self.censored):
            times.append(self.censor_times[k][: int(self.censored[k])])
            flags.append(np.zeros(int(self.censored[k]), int))
        n = int(self.n_risk_printed[0])
        placed = sum(len(x) for x in times)
        if n > placed:  # still at risk at the last click: censored there
            times.append(np.full(n - placed, self.end))
            flags.append(np.zeros(n - placed, int))
        t = np.concatenate(times) if times else np.zeros(0)
        e = np.concatenate(flags) if flags else np.zeros(0, int)
        return pd.DataFrame({"patient_id": [f"{self.arm}-R{i + 1:04d}" for i in range(len(t))], "arm": self.arm,
                             "endpoint": endpoint, "time_weeks": t.astype(float), "event": e.astype(int)})


def _insert_risk_times(t: np.ndarray, s: np.ndarray, t_risk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a click at every reported time that has none, at the curve's (step) value there."""
    for tr in t_risk:
        if not np.any(t == tr):
            k = int(np.searchsorted(t, tr, side="right"))
            t, s = np.insert(t, k, tr), np.insert(s, k, s[k - 1])
    return t, s


def guyot_arm(time: np.ndarray, survival: np.ndarray, risk_times: np.ndarray, n_at_risk: np.ndarray,
              total_events: int | None = None, arm: str = "arm", boundary_window: float = 0.0,
              min_drop: float = 0.0) -> ArmReconstruction:
    """Reconstruct one arm (Guyot et al. 2012). `time`/`survival`: cleaned clicks starting at (0, 1);
    `risk_times`/`n_at_risk`: printed numbers at risk starting at time 0; `total_events`: if published;
    `boundary_window` (weeks): a step clicked this close before a reported time may be at that time;
    `min_drop`: a fall of the curve below the reconstructed KM smaller than this (the reading resolution) is
    not taken as an event (it waits until the curve has fallen that far)."""
    t, s = np.asarray(time, float), np.array(survival, float)
    tr_all, nr_all = np.asarray(risk_times, float), np.asarray(n_at_risk, int)
    if t.size == 0 or t[0] != 0 or s[0] != 1:
        raise ReconstructionError(f"arm {arm}: the curve must start at (0, 1) (clean it first)")
    if tr_all.size == 0 or tr_all[0] != 0:
        raise ReconstructionError(f"arm {arm}: numbers at risk must start at week 0 with the arm's N")
    if np.any(np.diff(t) < 0) or np.any(np.diff(s) > 0):
        raise ReconstructionError(f"arm {arm}: the curve must be sorted by time and never rise (clean it first)")
    notes: list[str] = []
    held_flat = bool(tr_all[-1] > t[-1])
    if held_flat:  # the curve stops before the last printed time: it stays at its last value
        t, s = np.r_[t, tr_all[-1]], np.r_[s, s[-1]]
    tr, nr = tr_all, nr_all.copy()
    t, s = _insert_risk_times(t, s, tr)
    n_t, n_int = len(t), len(tr)
    lower = np.searchsorted(t, tr, side="left")
    upper = np.r_[lower[1:] - 1, n_t - 1]
    d = np.zeros(n_t, int)
    cen = np.zeros(n_t, int)
    cen_t: list[np.ndarray] = [np.zeros(0)] * n_t
    n_hat = np.zeros(n_t + 1, int)
    km_hat = np.ones(n_t)
    n_censor = np.zeros(n_int, int)
    last_i = np.zeros(n_int + 1, int)

    def place(i: int, nc: int, t_from: float, t_to: float, lo: int, hi_bin: int) -> None:
        """Spread `nc` censorings evenly over (t_from, t_to) into the click bins lo..hi_bin."""
        cen[lo:hi_bin + 1] = 0
        for k in range(lo, hi_bin + 1):
            cen_t[k] = np.zeros(0)
        if nc <= 0 or hi_bin < lo:
            return
        times = t_from + np.arange(1, nc + 1) * (t_to - t_from) / (nc + 1)
        k = np.clip(np.searchsorted(t[lo:hi_bin + 1], times, side="right") - 1, 0, hi_bin - lo) + lo
        cen[lo:hi_bin + 1] = np.bincount(k - lo, minlength=hi_bin - lo + 1)
        for b in np.unique(k):
            cen_t[b] = times[k == b]

    def run(i: int, n_start: int, cap: int | None = None) -> int:
        """Events, KM and at risk over interval i (at most `cap` events); returns the last click with an event."""
        lo, hi = lower[i], upper[i]
        n_hat[lo] = n_start
        last = last_i[i]
        room = np.inf if cap is None else cap
        for k in range(lo, hi + 1):
            if k == 0:
                d[k], km_hat[k] = 0, 1.0
            else:
                dk = int(np.rint(n_hat[k] * (1 - s[k] / km_hat[last]))) if km_hat[last] > 0 else 0
                if km_hat[last] - s[k] < min_drop:
                    dk = 0
                d[k] = int(min(max(dk, 0), n_hat[k], room))
                room -= d[k]
                km_hat[k] = km_hat[last] * (1 - d[k] / n_hat[k]) if n_hat[k] > 0 else km_hat[last]
            nxt = n_hat[k] - d[k] - cen[k]
            if nxt < 0:  # no. at risk cannot be negative
                cen[k] = n_hat[k] - d[k]
                nxt = 0
            n_hat[k + 1] = nxt
            if d[k] != 0:
                last = k
        return last

    for i in range(n_int - 1):
        lo, hi = lower[i], upper[i]
        nc = int(np.rint(nr[i] * s[lower[i + 1]] / s[lo] - nr[i + 1])) if s[lo] > 0 else 0
        best: tuple[int, int] | None = None
        for _ in range(MAX_ITER):
            nc = max(nc, 0)
            place(i, nc, tr[i], tr[i + 1], lo, hi)
            last = run(i, nr[i])
            diff = int(n_hat[hi + 1] - nr[i + 1])
            if best is None or abs(diff) < abs(best[1]):
                best = (nc, diff)
            if diff == 0 or (diff < 0 and nc == 0):
                break
            nc += diff
        else:
            nc = best[0]
            place(i, nc, tr[i], tr[i + 1], lo, hi)
            last = run(i, nr[i])
            notes.append(f"week {tr[i]:g}-{tr[i + 1]:g}: censoring did not converge; closest at-risk difference "
                         f"{best[1]:+d}")
        if n_hat[hi + 1] < nr[i + 1]:
            # The printed count is exact, the curve a reading: the curve's drop asks for more events than
            # patients leave the risk set, so the surplus events at the interval's last clicks are not placed.
            surplus = int(nr[i + 1] - n_hat[hi + 1])
            place(i, 0, tr[i], tr[i + 1], lo, hi)
            last = run(i, nr[i], cap=int(nr[i] - nr[i + 1]))
            # The surplus is placed at the reported time only as far as the curve steps down just before it
            # (a step drawn on the reported time, clicked a pixel early); the rest is a reading offset of the
            # curve, and the clicks after are read relative to it, so that it never becomes events later on.
            km_end, n_next = km_hat[last], int(nr[i + 1])
            owed = int(np.rint(n_next * (1 - s[hi] / km_end))) if km_end > 0 else 0
            kb = lo + int(np.searchsorted(t[lo:hi + 1], tr[i + 1] - boundary_window, side="left"))
            s_before = s[kb - 1] if kb > lo else s[lo]
            at_step = max(int(np.rint(n_next * (1 - s[hi] / s_before))), 0) if s_before > 0 else 0
            keep = min(owed, at_step)
            notes.append(f"week {tr[i]:g}-{tr[i + 1]:g}: the curve's drop asks for {surplus} more event(s) than "
                         f"the printed numbers at risk allow; the printed numbers are kept")
            if owed > keep and s[hi] > 0:
                factor = km_end * (1 - keep / max(n_next, 1)) / s[hi]
                s[hi + 1:] = np.minimum(s[hi + 1:] * factor, 1.0)
                notes.append(f"week {tr[i + 1]:g}: the curve is read {100 * (factor - 1):.2f}% higher from here "
                             f"(a reading offset of {owed - keep} event(s), not placed as events)")
        n_censor[i] = int(cen[lo:hi + 1].sum())
        last_i[i + 1] = last

    # Last interval.
    i = n_int - 1
    lo, hi = lower[i], upper[i]
    if n_int > 1:
        span = t[upper[n_int - 2]] - t[lower[0]]
        rate = n_censor[: n_int - 1].sum() * (t[hi] - t[lo]) / span if span > 0 else 0.0
        nc = min(int(np.rint(rate)), int(nr[i]))
    else:
        nc = 0
    place(i, nc, t[lo], t[hi], lo, hi - 1)
    run(i, nr[i])
    how = "censoring at the average rate of the earlier intervals"
    if held_flat:  # no interval after the last printed time: nothing left to adjust
        how = "none (curve held flat to the last printed time)"
        if total_events is not None and int(d.sum()) != total_events:
            notes.append(f"reconstructed events {int(d.sum())} differ from the published total {total_events}: the "
                         "printed numbers at risk fix the events and the curve stops before the last printed time")
    elif total_events is not None:
        how = f"censoring adjusted to the published total of {total_events} events"
        sum_before = int(d[: upper[n_int - 2] + 1].sum()) if n_int > 1 else 0
        if n_int > 1 and sum_before >= total_events:
            d[lo:hi + 1] = 0
            cen[lo:hi] = 0
            for k in range(lo, hi):
                cen_t[k] = np.zeros(0)
            n_hat[lo + 1:hi + 2] = nr[i]
            km_hat[lo:hi + 1] = km_hat[last_i[i]] if lo > 0 else 1.0
            notes.append(f"the earlier intervals already hold {sum_before} events (published total "
                         f"{total_events}): no events or censorings after week {tr[i]:g}")
        else:
            sumd = int(d[: hi + 1].sum())
            for _ in range(MAX_ITER):
                if not (sumd > total_events or (sumd < total_events and nc > 0)):
                    break
                nc = max(nc + (sumd - total_events), 0)
                place(i, nc, t[lo], t[hi], lo, hi - 1)
                run(i, nr[i])
                sumd = int(d[: hi + 1].sum())
            if sumd != total_events:
                notes.append(f"reconstructed events {sumd} differ from the published total {total_events}: the curve "
                             "and the total cannot both be met")
    n_rec = np.array([n_hat[k] for k in lower], int)
    return ArmReconstruction(arm=arm, time=t, survival=s, events=d.copy(), censored=cen.copy(),
                             censor_times=tuple(cen_t), n_hat=n_hat[:n_t].copy(), km_hat=km_hat.copy(),
                             risk_times=tr_all, n_risk_printed=nr_all, n_risk_reconstructed=n_rec,
                             total_events=total_events, last_interval=how, notes=tuple(notes))
