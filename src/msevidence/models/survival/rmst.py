"""Restricted mean survival time (RMST) per arm and its difference, as survRM2 (``rmst2``) computes them.

RMST(τ) is the area under the Kaplan-Meier curve from 0 to τ. Its variance is the Greenwood-type sum
Σ_{t_i ≤ τ} A_i² d_i / (Y_i (Y_i − d_i)), with A_i the area under the KM curve from t_i to τ (Klein &
Moeschberger 2003, eq. 4.5.1; survRM2 ``rmst1``). lifelines' RMST variance is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from msevidence.errors import InputError
from msevidence.models.survival.km import km_table


class TauError(InputError):
    """A restriction time τ the data cannot support (beyond the last follow-up of an arm, or ≤ 0)."""


@dataclass(frozen=True)
class ArmRMST:
    """RMST of one arm up to tau, with SE and normal CI."""

    arm: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float


def rmst_arm(time: np.ndarray, event: np.ndarray, tau: float, conf_level: float = 0.95,
             arm: str = "") -> ArmRMST:
    """RMST up to `tau` and its SE for one sample (survRM2 ``rmst1``)."""
    time = np.asarray(time, float)
    if tau <= 0:
        raise TauError(f"tau must be positive, not {tau:g}")
    last = time.max()
    if tau > last:
        raise TauError(f"tau = {tau:g} weeks is beyond the last follow-up in arm {arm!r} ({last:g} weeks); "
                       f"choose tau ≤ {last:g}")
    km = km_table(time, event)
    keep = km["time"].to_numpy() <= tau
    t, s = km["time"].to_numpy()[keep], km["survival"].to_numpy()[keep]
    n, d = km["n_risk"].to_numpy(float)[keep], km["n_event"].to_numpy(float)[keep]
    widths = np.diff(np.append(t, tau))  # interval [t_i, next time or tau)
    areas = widths * s
    first = t[0] if t.size else tau  # S = 1 on [0, t_1)
    estimate = first + areas.sum()
    tail = areas[::-1].cumsum()[::-1]  # A_i = area from t_i to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where((n - d) > 0, d / (n * (n - d)), 0.0)
    se = float(np.sqrt((tail**2 * w).sum()))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    return ArmRMST(arm=arm, estimate=float(estimate), se=se, ci_low=float(estimate - z * se),
                   ci_high=float(estimate + z * se))


@dataclass(frozen=True)
class RMSTResult:
    """RMST per arm and the difference treatment − control at horizon tau (weeks)."""

    tau: float
    treatment: ArmRMST
    control: ArmRMST
    difference: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    conf_level: float = 0.95
    data_provenance: str | None = None
    method: str = field(default="area under KM; Greenwood-type variance (survRM2)")

    @property
    def arms(self) -> dict[str, ArmRMST]:
        return {self.treatment.arm: self.treatment, self.control.arm: self.control}

    def to_frame(self) -> pd.DataFrame:
        rows = [{"quantity": f"RMST {a.arm}", "estimate": a.estimate, "se": a.se, "ci_low": a.ci_low,
                 "ci_high": a.ci_high, "p": np.nan} for a in (self.treatment, self.control)]
        rows.append({"quantity": f"difference {self.treatment.arm} − {self.control.arm}", "estimate": self.difference,
                     "se": self.se, "ci_low": self.ci_low, "ci_high": self.ci_high, "p": self.p})
        return pd.DataFrame(rows).assign(tau=self.tau)

    def __repr__(self) -> str:
        return (f"<RMSTResult tau={self.tau:g} wk: {self.treatment.arm} {self.treatment.estimate:.3f} "
                f"(SE {self.treatment.se:.3f}), {self.control.arm} {self.control.estimate:.3f} "
                f"(SE {self.control.se:.3f}); difference {self.difference:.3f} "
                f"({self.conf_level:.0%} CI {self.ci_low:.3f} to {self.ci_high:.3f}), p={self.p:.4g}>")


def rmst(events: pd.DataFrame, tau: float, treatment: str, control: str, conf_level: float = 0.95,
         data_provenance: str | None = None) -> RMSTResult:
    """RMST per arm up to `tau` and the difference treatment − control with normal CI and p (survRM2)."""
    per = {}
    for arm in (treatment, control):
        sub = events[events["arm"] == arm]
        per[arm] = rmst_arm(sub["time_weeks"].to_numpy(), sub["event"].to_numpy(), tau, conf_level, arm=arm)
    tr, co = per[treatment], per[control]
    diff = tr.estimate - co.estimate
    se = float(np.hypot(tr.se, co.se))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    p = float(2 * stats.norm.sf(abs(diff / se))) if se > 0 else float("nan")
    return RMSTResult(tau=float(tau), treatment=tr, control=co, difference=float(diff), se=se,
                      ci_low=float(diff - z * se), ci_high=float(diff + z * se), p=p, conf_level=conf_level,
                      data_provenance=data_provenance)


def default_tau(events: pd.DataFrame, arms: Sequence[str]) -> float:
    """The survRM2-style default horizon: the minimum over arms of the last follow-up time."""
    return float(min(events.loc[events["arm"] == a, "time_weeks"].max() for a in arms))
