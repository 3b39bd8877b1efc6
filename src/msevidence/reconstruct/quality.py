"""Quality of a reconstruction, as IPDfromKM reports it: KM against the clicks, numbers at risk, events per arm.

The reconstructed KM is computed from the reconstructed events table itself (``models.survival.km_table``),
not from the algorithm's internal estimate, so the check is independent of the loop that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msevidence.models.survival.km import km_table


def step_survival(events: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """KM S(t) of an events table (one arm) at times `at` (right-continuous; 1 before the first event)."""
    tab = km_table(events["time_weeks"].to_numpy(float), events["event"].to_numpy(int))
    idx = np.searchsorted(tab["time"].to_numpy(), np.asarray(at, float), side="right") - 1
    return np.where(idx >= 0, tab["survival"].to_numpy()[np.maximum(idx, 0)], 1.0)


@dataclass(frozen=True)
class QualityReport:
    """Per-arm quality of a reconstruction.

    km: arm, time_weeks, digitized, reconstructed, difference (one row per click);
    at_risk: arm, time_weeks, printed, reconstructed, difference (one row per reported time);
    arms: arm, n, events, censored, total_events_published, km_max_abs_error, km_rms_error,
    at_risk_max_abs_difference, last_click_weeks, last_at_risk_weeks, events_after_last_click,
    censored_after_last_click.
    """

    km: pd.DataFrame = field(repr=False)
    at_risk: pd.DataFrame = field(repr=False)
    arms: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        return self.arms.copy()

    def to_json(self) -> dict:
        """Strict-JSON dict: per arm events, censored, KM max/RMS error, at-risk differences at every time."""
        out = {}
        for r in self.arms.to_dict("records"):
            ar = self.at_risk[self.at_risk["arm"] == r["arm"]]
            out[r["arm"]] = {
                "n": int(r["n"]), "events": int(r["events"]), "censored": int(r["censored"]),
                "total_events_published": None if pd.isna(r["total_events_published"])
                else int(r["total_events_published"]),
                "km_max_abs_error": float(r["km_max_abs_error"]), "km_rms_error": float(r["km_rms_error"]),
                "at_risk_max_abs_difference": int(r["at_risk_max_abs_difference"]),
                "last_click_weeks": float(r["last_click_weeks"]),
                "last_at_risk_weeks": float(r["last_at_risk_weeks"]),
                "events_after_last_click": int(r["events_after_last_click"]),
                "censored_after_last_click": int(r["censored_after_last_click"]),
                "at_risk": [{"time_weeks": float(a["time_weeks"]), "printed": int(a["printed"]),
                             "reconstructed": int(a["reconstructed"]), "difference": int(a["difference"])}
                            for a in ar.to_dict("records")],
            }
        return out

    @property
    def at_risk_matches(self) -> bool:
        return bool((self.at_risk["difference"] == 0).all())

    @property
    def assumption(self) -> str | None:
        """One line stating how the curve was read after its last click, or None when every arm's curve is
        clicked to its last printed at-risk time."""
        tail = self.arms[self.arms["last_at_risk_weeks"] > self.arms["last_click_weeks"]]
        if tail.empty:
            return None
        where = "; ".join(f"{r['arm']}: last click week {r['last_click_weeks']:g}, numbers at risk to week "
                          f"{r['last_at_risk_weeks']:g}" for r in tail.to_dict("records"))
        who = ", ".join(f"{r['arm']} {r['censored_after_last_click']}" for r in tail.to_dict("records"))
        return (f"Curve stops before the last numbers-at-risk time ({where}): after the last click survival is "
                f"held at its last value, no events are placed there and the patients leaving the risk set are "
                f"censored ({who}), so every printed number at risk is met (as in Guyot et al. 2012).")


def quality_report(events: pd.DataFrame, curve: pd.DataFrame, at_risk: pd.DataFrame,
                   total_events: dict[str, int] | None = None, boundary_tolerance: float = 0.0) -> QualityReport:
    """Compare reconstructed `events` with the cleaned `curve` clicks and the printed `at_risk` table.

    A click less than `boundary_tolerance` (share of the time axis) before a reported time is compared with
    the reconstruction at that time, where the reconstruction puts a step clicked a pixel early."""
    km_rows, ar_rows, arm_rows = [], [], []
    for arm, c in curve.groupby("arm", sort=False):
        ev = events[events["arm"] == arm]
        # Two clicks at one time are a vertical drop: the curve's value there is the lower one.
        c = c.groupby("time_weeks", as_index=False, sort=True)["survival"].min()
        t, s = c["time_weeks"].to_numpy(float), c["survival"].to_numpy(float)
        at = t.copy()
        printed_times = at_risk.loc[at_risk["arm"] == arm, "time_weeks"].to_numpy(float)
        window = boundary_tolerance * max(float(t.max()), float(printed_times.max()))  # a share of the time axis
        for w in printed_times:
            at[(t >= w - window) & (t < w)] = w
        rec = step_survival(ev, at)
        diff = rec - s
        km_rows.append(pd.DataFrame({"arm": arm, "time_weeks": t, "digitized": s, "reconstructed": rec,
                                     "difference": diff}))
        r = at_risk[at_risk["arm"] == arm]
        times = ev["time_weeks"].to_numpy()
        n_rec = np.array([(times >= w).sum() for w in r["time_weeks"]], int)
        printed = r["n_at_risk"].to_numpy(int)
        ar_rows.append(pd.DataFrame({"arm": arm, "time_weeks": r["time_weeks"].to_numpy(float), "printed": printed,
                                     "reconstructed": n_rec, "difference": n_rec - printed}))
        arm_rows.append({"arm": arm, "n": len(ev), "events": int(ev["event"].sum()),
                         "censored": int((ev["event"] == 0).sum()),
                         "total_events_published": (total_events or {}).get(arm),
                         "km_max_abs_error": float(np.abs(diff).max()),
                         "km_rms_error": float(np.sqrt(np.mean(diff**2))),
                         "at_risk_max_abs_difference": int(np.abs(n_rec - printed).max()),
                         "last_click_weeks": float(t.max()), "last_at_risk_weeks": float(r["time_weeks"].max()),
                         "events_after_last_click": int(((times > t.max()) & (ev["event"] == 1)).sum()),
                         "censored_after_last_click": int(((times > t.max()) & (ev["event"] == 0)).sum())})
    return QualityReport(pd.concat(km_rows, ignore_index=True), pd.concat(ar_rows, ignore_index=True),
                         pd.DataFrame(arm_rows))
