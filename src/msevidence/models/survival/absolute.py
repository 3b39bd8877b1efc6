"""Absolute effects: risks at a week from Kaplan-Meier, risk difference and NNT; GRADE-style risks from a HR."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from msevidence.models.survival.km import KaplanMeier


@dataclass(frozen=True)
class AbsoluteEffect:
    """Risk by `at_week` per arm (1 − KM), difference treatment − control (Greenwood SEs) and NNT.

    ``nnt`` = 1 / (risk_control − risk_treatment): positive = patients to treat to prevent one event,
    negative = number needed to harm (NNH = −nnt). When the CI of the difference includes 0 the NNT CI is
    undefined (it runs through infinity, Altman 1998) and ``nnt_ci_low/high`` are None; see ``note``.
    """

    at_week: float
    treatment: str
    control: str
    risk_treatment: float
    risk_control: float
    se_treatment: float
    se_control: float
    difference: float
    ci_low: float
    ci_high: float
    nnt: float | None
    nnt_ci_low: float | None
    nnt_ci_high: float | None
    note: str
    conf_level: float = 0.95
    data_provenance: str | None = None

    @property
    def per_1000(self) -> dict[str, float]:
        """Events per 1,000 patients: per arm and the difference (treatment − control)."""
        return {self.treatment: 1000 * self.risk_treatment, self.control: 1000 * self.risk_control,
                "difference": 1000 * self.difference}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "at_week": self.at_week, "risk_treatment": self.risk_treatment, "risk_control": self.risk_control,
            "difference": self.difference, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "per_1000_treatment": 1000 * self.risk_treatment, "per_1000_control": 1000 * self.risk_control,
            "difference_per_1000": 1000 * self.difference, "nnt": self.nnt, "nnt_ci_low": self.nnt_ci_low,
            "nnt_ci_high": self.nnt_ci_high, "note": self.note}])

    def __repr__(self) -> str:
        return (f"<AbsoluteEffect at week {self.at_week:g}: risk {self.treatment} {self.risk_treatment:.3f} vs "
                f"{self.control} {self.risk_control:.3f}; difference {self.difference:+.3f} "
                f"({self.conf_level:.0%} CI {self.ci_low:+.3f} to {self.ci_high:+.3f}); {self.note}>")


def _nnt(diff: float, lo: float, hi: float) -> tuple[float | None, float | None, float | None, str]:
    arr, arr_lo, arr_hi = -diff, -hi, -lo  # absolute risk reduction and its CI
    nnt = 1.0 / arr if arr != 0 else None
    def whole(x: float) -> int:  # people are whole: round up (Altman 1998)
        return math.ceil(round(abs(x), 9))

    if nnt is None:
        kind = "no difference: NNT not estimable"
    elif nnt > 0:
        kind = f"NNT {whole(nnt)} (treat {whole(nnt)} patients to prevent one event)"
    else:
        kind = f"NNH {whole(nnt)} (one extra event per {whole(nnt)} patients treated)"
    if arr_lo > 0 or arr_hi < 0:
        ci_low, ci_high = 1.0 / arr_hi, 1.0 / arr_lo
        return nnt, ci_low, ci_high, f"{kind}; CI {whole(ci_low)} to {whole(ci_high)}"
    note = (f"{kind}; the CI of the risk difference includes 0, so the NNT is not estimable as an interval: it runs "
            f"from NNT {whole(1 / arr_hi)} (benefit) through infinity to NNH {whole(1 / arr_lo)} (harm)"
            if arr_lo < 0 < arr_hi else f"{kind}; the CI of the risk difference touches 0: NNT CI not estimable")
    return nnt, None, None, note


def absolute_effect(km: KaplanMeier, at_week: float, treatment: str, control: str,
                    conf_level: float = 0.95) -> AbsoluteEffect:
    """Absolute effect at `at_week` from fitted KM curves; errors beyond an arm's last follow-up."""
    s = km.survival_at([at_week]).set_index("arm")
    for arm in (treatment, control):
        if np.isnan(s.loc[arm, "survival"]):
            raise ValueError(f"week {at_week:g} is beyond the last follow-up in arm {arm!r} "
                             f"({km.last_time(arm):g} weeks); choose an earlier week")
    rt, rc = 1 - float(s.loc[treatment, "survival"]), 1 - float(s.loc[control, "survival"])
    se_t, se_c = float(s.loc[treatment, "se"]), float(s.loc[control, "se"])
    diff, se = rt - rc, float(np.hypot(se_t, se_c))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    lo, hi = diff - z * se, diff + z * se
    nnt, nlo, nhi, note = _nnt(diff, lo, hi)
    return AbsoluteEffect(at_week=float(at_week), treatment=treatment, control=control, risk_treatment=rt,
                          risk_control=rc, se_treatment=se_t, se_control=se_c, difference=diff, ci_low=lo,
                          ci_high=hi, nnt=nnt, nnt_ci_low=nlo, nnt_ci_high=nhi, note=note, conf_level=conf_level,
                          data_provenance=km.data_provenance)


@dataclass(frozen=True)
class HRAbsoluteEffect:
    """GRADE-style absolute effect of a published HR for a control risk: R_t = 1 − (1 − R_c)^HR."""

    control_risk: float
    hr: float
    risk_treatment: float
    risk_treatment_low: float | None
    risk_treatment_high: float | None
    per: int = 1000

    @property
    def difference_per(self) -> tuple[float, float | None, float | None]:
        """(estimate, low, high) of the difference treatment − control per `per` patients."""
        f = self.per
        lo = None if self.risk_treatment_low is None else f * (self.risk_treatment_low - self.control_risk)
        hi = None if self.risk_treatment_high is None else f * (self.risk_treatment_high - self.control_risk)
        return f * (self.risk_treatment - self.control_risk), lo, hi

    def to_frame(self) -> pd.DataFrame:
        d, lo, hi = self.difference_per
        return pd.DataFrame([{"control_risk": self.control_risk, "hr": self.hr, "risk_treatment": self.risk_treatment,
                              "risk_treatment_low": self.risk_treatment_low,
                              "risk_treatment_high": self.risk_treatment_high,
                              f"control_per_{self.per}": self.per * self.control_risk,
                              f"treatment_per_{self.per}": self.per * self.risk_treatment,
                              f"difference_per_{self.per}": d, "difference_low": lo, "difference_high": hi}])

    def __repr__(self) -> str:
        d, lo, hi = self.difference_per
        ci = f" ({lo:+.0f} to {hi:+.0f})" if lo is not None and hi is not None else ""
        return (f"<HRAbsoluteEffect HR {self.hr:g} at control risk {self.control_risk:.3f}: "
                f"{d:+.0f} per {self.per}{ci}>")


def absolute_from_hr(control_risk: float, hr: float, ci_low: float | None = None, ci_high: float | None = None,
                     per: int = 1000) -> HRAbsoluteEffect:
    """Treatment risk implied by a HR under proportional hazards, R_t = 1 − (1 − R_c)^HR, CI from the HR CI."""
    if not 0 <= control_risk <= 1:
        raise ValueError(f"control_risk must be a proportion in [0, 1], not {control_risk}")
    if hr <= 0 or (ci_low is not None and ci_low <= 0) or (ci_high is not None and ci_high <= 0):
        raise ValueError("hazard ratios must be positive")

    def risk(h: float | None) -> float | None:
        return None if h is None else float(1 - (1 - control_risk) ** h)

    return HRAbsoluteEffect(control_risk=float(control_risk), hr=float(hr), risk_treatment=risk(hr),
                            risk_treatment_low=risk(ci_low), risk_treatment_high=risk(ci_high), per=per)
