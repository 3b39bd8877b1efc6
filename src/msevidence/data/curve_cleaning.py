"""Cleaning digitized Kaplan-Meier clicks as careful users do, recording every change, and checking the cleaned
curve against the printed numbers at risk.

Every rule broken raises :class:`~msevidence.errors.TableError` (the curve) or
:class:`~msevidence.errors.ReconstructionError` (the files disagree), one line naming file, arm, time and rule,
and saying what to fix. A curve may stop before the last printed at-risk time (it is held at its last value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import isotonic_regression

from msevidence.errors import ReconstructionError, TableError


@dataclass(frozen=True)
class CleaningRules:
    """Tolerances of the cleaning (survival on the [0, 1] scale; times as a share of the time axis).

    read_tolerance: reads of one horizontal level differing by less than this are one level (about one
    pixel of a 500-pixel axis); rise_tolerance: a rise larger than this is not reading noise but an error;
    clip_tolerance: readings this far outside [0, 1] are clipped, further is an error; time_tolerance:
    negative times down to this share of the last time are set to 0; boundary_tolerance: a step clicked
    this share of the time axis before a reported at-risk time may be on it (used by the reconstruction when
    the curve and the printed numbers at risk disagree there).
    """

    read_tolerance: float = 0.002
    rise_tolerance: float = 0.02
    clip_tolerance: float = 0.02
    time_tolerance: float = 0.01
    boundary_tolerance: float = 0.002


@dataclass(frozen=True)
class CurveChange:
    """One change made to the clicks: which arm, what kind, where, before and after."""

    arm: str
    kind: str  # sorted | time_clipped | clipped | duplicate | anchored | flat_end | monotone | level
    time_weeks: float
    before: float | None
    after: float | None
    note: str


@dataclass(frozen=True)
class CleanedCurve:
    """The cleaned curve (``arm, time_weeks, survival``) and every change made, in order."""

    curve: pd.DataFrame = field(repr=False)
    changes: tuple[CurveChange, ...] = ()
    raw: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]

    def to_frame(self) -> pd.DataFrame:
        """One row per change (arm, kind, time_weeks, before, after, note)."""
        cols = ["arm", "kind", "time_weeks", "before", "after", "note"]
        return pd.DataFrame([c.__dict__ for c in self.changes], columns=cols)

    def counts(self) -> dict[str, dict[str, int]]:
        """{arm: {kind: number of changes}}."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.arm, {}).setdefault(c.kind, 0)
            out[c.arm][c.kind] += 1
        return out


def clean_curve(curve: pd.DataFrame, rules: CleaningRules | None = None, *,
                source: str = "digitized curve") -> CleanedCurve:
    """Clean clicks as careful users do, per arm, recording every change.

    In order: sort by time; set slightly negative times to 0; clip readings slightly outside [0, 1]; drop
    duplicate reads (same time and reading); anchor the curve at (0, 1); force it never to rise (isotonic
    regression: rising reads are pooled with their neighbours); reduce the curve's flat end (reads within
    `read_tolerance` of its first read) to that first read and the end; merge reads of one level (within
    `read_tolerance`) so that reading noise on a flat stretch is not taken for events. A rise beyond
    `rise_tolerance`, a time or reading far outside its range raise :class:`TableError`.
    """
    rules = rules or CleaningRules()
    changes: list[CurveChange] = []
    parts = []
    for arm, g in curve.groupby("arm", sort=False):
        t, s = g["time_weeks"].to_numpy(float), g["survival"].to_numpy(float)
        order = np.lexsort((-s, t))  # by time; two reads of one vertical line: top first
        if (order != np.arange(len(t))).any():
            moved = int((order != np.arange(len(t))).sum())
            changes.append(CurveChange(arm, "sorted", float("nan"), None, None, f"{moved} clicks reordered by time"))
        t, s = t[order], s[order]
        span = max(float(t.max()), 1e-9)
        for i in np.flatnonzero(t < 0):
            if t[i] < -rules.time_tolerance * span:
                raise TableError(f"arm {arm}, week {t[i]:g}: negative time beyond reading error "
                                 "(rule: times >= 0)", source=source, column="time_weeks")
            changes.append(CurveChange(arm, "time_clipped", float(t[i]), float(t[i]), 0.0, "negative time set to 0"))
            t[i] = 0.0
        for i in np.flatnonzero((s < 0) | (s > 1)):
            if s[i] < -rules.clip_tolerance or s[i] > 1 + rules.clip_tolerance:
                raise TableError(f"arm {arm}, week {t[i]:g}: survival {s[i]:g} outside [0, 1] beyond reading error"
                                 " (rule: survival in [0, 1])", source=source, column="survival")
            new = float(np.clip(s[i], 0, 1))
            changes.append(CurveChange(arm, "clipped", float(t[i]), float(s[i]), new, "clipped to [0, 1]"))
            s[i] = new
        keep = np.r_[True, (np.diff(t) != 0) | (np.diff(s) != 0)]
        for i in np.flatnonzero(~keep):
            changes.append(CurveChange(arm, "duplicate", float(t[i]), float(s[i]), None, "duplicate read dropped"))
        t, s = t[keep], s[keep]
        if t[0] > 0:
            changes.append(CurveChange(arm, "anchored", 0.0, None, 1.0, "first click (0, 1) added"))
            t, s = np.r_[0.0, t], np.r_[1.0, s]
        elif s[0] != 1.0:
            if s[0] >= 1 - rules.rise_tolerance:
                changes.append(CurveChange(arm, "anchored", 0.0, float(s[0]), 1.0, "first click set to (0, 1)"))
                s[0] = 1.0
            else:
                changes.append(CurveChange(arm, "anchored", 0.0, None, 1.0, "(0, 1) added before a drop at 0"))
                t, s = np.r_[0.0, t], np.r_[1.0, s]
        running = np.minimum.accumulate(s)
        rise = np.flatnonzero(s - running > rules.rise_tolerance)
        if rise.size:
            i = rise[0]
            raise TableError(f"arm {arm}, week {t[i]:g}: survival rises from {running[i]:.3f} to {s[i]:.3f} "
                             f"(more than {rules.rise_tolerance:g}; rule: a survival curve never rises; re-click that "
                             "step, or name the column cumulative_incidence / pass --curve-kind "
                             "cumulative_incidence if the curve is drawn rising)", source=source, column="survival")
        t, s = _flat_end(arm, t, s, rules.read_tolerance, changes)
        s = _merge_levels(arm, t, s, rules.read_tolerance, changes)
        if (np.diff(s) > 0).any():
            fitted = isotonic_regression(s, increasing=False).x
            fitted[0] = 1.0 if s[0] == 1.0 else fitted[0]
            fitted = np.minimum.accumulate(np.minimum(fitted, 1.0))
            for i in np.flatnonzero(np.abs(fitted - s) > 1e-12):
                changes.append(CurveChange(arm, "monotone", float(t[i]), float(s[i]), float(fitted[i]),
                                           "rising read pooled (isotonic regression)"))
            s = fitted
        parts.append(pd.DataFrame({"arm": arm, "time_weeks": t, "survival": s}))
    if not parts:
        raise TableError("the curve has no rows", source=source)
    return CleanedCurve(pd.concat(parts, ignore_index=True), tuple(changes), curve.reset_index(drop=True))


def _flat_end(arm: str, t: np.ndarray, s: np.ndarray, tol: float,
              changes: list[CurveChange]) -> tuple[np.ndarray, np.ndarray]:
    """Reads of the curve's flat end (all within `tol` of the read that starts it) are one read at the start of
    the end and the curve's last time, so that clicking the flat end or not gives the same curve."""
    j, hi, lo = len(s) - 1, s[-1], s[-1]
    while j > 0 and max(hi, s[j - 1]) - s[j - 1] < tol and s[j - 1] - min(lo, s[j - 1]) < tol:
        j -= 1
        hi, lo = max(hi, s[j]), min(lo, s[j])
    if j >= len(s) - 2 and (j == len(s) - 1 or s[-1] == s[j]):
        return t, s
    for i in range(j + 1, len(s) - 1):
        changes.append(CurveChange(arm, "flat_end", float(t[i]), float(s[i]), None,
                                   f"read of the flat end (within {tol:g}) dropped: held at its first read"))
    if s[-1] != s[j]:
        changes.append(CurveChange(arm, "flat_end", float(t[-1]), float(s[-1]), float(s[j]),
                                   "the curve's end set to the flat end's first read"))
    if t[-1] == t[j]:
        return t[:j + 1], s[:j + 1]
    return np.r_[t[:j + 1], t[-1]], np.r_[s[:j + 1], s[j]]


def _merge_levels(arm: str, t: np.ndarray, s: np.ndarray, tol: float, changes: list[CurveChange]) -> np.ndarray:
    """Consecutive reads within `tol` of their run's mean are one horizontal level, set to that mean (the
    first run, holding the anchor (0, 1), stays at 1)."""
    out = s.copy()
    runs, members = [], [0]
    level = s[0]
    for i in range(1, len(s)):
        if abs(s[i] - level) < tol:
            members.append(i)
            level = 1.0 if members[0] == 0 else float(np.mean(s[members]))
        else:
            runs.append((members, level))
            members, level = [i], float(s[i])
    runs.append((members, level))
    for members, level in runs:
        for i in members:
            if abs(out[i] - level) > 1e-12:
                changes.append(CurveChange(arm, "level", float(t[i]), float(out[i]), float(level),
                                           f"read of one level (within {tol:g}) set to the level's mean"))
                out[i] = level
    return out


def check_against_at_risk(curve: pd.DataFrame, at_risk: pd.DataFrame, *, curve_source: str = "curve",
                          at_risk_source: str = "numbers at risk", rules: CleaningRules | None = None,
                          total_events: dict[str, int] | None = None) -> None:
    """Raise :class:`ReconstructionError` when a (cleaned) curve and its numbers at risk cannot be consistent.

    Rules: the same arms in both files (and in `total_events`); the numbers at risk cannot fall less than the
    curve drops (between two reported times, the share still at risk is at most the share surviving:
    n(t2)/n(t1) <= S(t2-)/S(t1-), allowing reading errors of `rules.read_tolerance` in survival,
    `rules.time_tolerance` of the axis in time and one patient); nobody at risk after the curve has fallen to
    0; total events no more than the arm's N. A curve may stop before the last reported time: after its last
    click it stays at its last value (the reconstruction censors the patients leaving the risk set there).
    """
    rules = rules or CleaningRules()
    c_arms, r_arms = set(curve["arm"]), set(at_risk["arm"])
    if c_arms != r_arms:
        raise ReconstructionError(
            f"{curve_source} has arms {', '.join(sorted(c_arms))} but {at_risk_source} has "
            f"{', '.join(sorted(r_arms))} (rule: the same arms in both files; name each arm alike in both)")
    for arm, n in (total_events or {}).items():
        if arm not in c_arms:
            raise ReconstructionError(f"--total-events: arm {arm!r} is not in {curve_source} (arms: "
                                      f"{', '.join(sorted(c_arms))}) (rule: the same arms)")
        n0 = int(at_risk.loc[at_risk["arm"] == arm, "n_at_risk"].iloc[0])
        if n > n0:
            raise ReconstructionError(f"--total-events: arm {arm}: {n} events among {n0} patients "
                                      "(rule: total events <= N; check the total or the count at week 0)")
    for arm, r in at_risk.groupby("arm", sort=False):
        c = curve[curve["arm"] == arm]
        t, s = c["time_weeks"].to_numpy(), c["survival"].to_numpy()
        tr, nr = r["time_weeks"].to_numpy(), r["n_at_risk"].to_numpy()

        def before(x: float, t=t, s=s) -> float:  # the curve just before x; its last value after the last click
            k = np.searchsorted(t, x, side="left") - 1
            return 1.0 if k < 0 else float(s[k])

        dt = rules.time_tolerance * max(float(t.max()), float(tr.max()))
        for i in range(1, len(tr)):
            s1, s2 = before(min(tr[i - 1] + dt, tr[i])), before(tr[i] - dt)
            if s1 <= 0:
                if nr[i] > 0:
                    raise ReconstructionError(
                        f"{at_risk_source}: arm {arm}, week {tr[i]:g}: {nr[i]} at risk, but the curve has fallen to 0 "
                        f"before week {tr[i - 1]:g} (rule: nobody is at risk once survival is 0; check the typed "
                        "count and the curve's last clicks)")
                continue
            allowed = nr[i - 1] * min((s2 + rules.read_tolerance) / s1, 1.0) + 1
            if nr[i] > allowed:
                raise ReconstructionError(
                    f"{at_risk_source}: arm {arm}, week {tr[i]:g}: {nr[i]} at risk, but the curve falls from "
                    f"{s1:.3f} to {s2:.3f} after {nr[i - 1]} at risk at week {tr[i - 1]:g}, leaving at most "
                    f"{int(allowed)} even with no censoring (rule: at-risk counts the curve can reach; check the "
                    "typed counts, the clicks between these weeks and that both files are the same figure and arm)")
