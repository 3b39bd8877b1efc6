"""Longitudinal mixed model of T25FW: log(T/T0) ~ arm × week with a random intercept and slope per patient.

Week enters as a continuous (linear) slope, not as a categorical visit; it is rescaled to years for the fit
and the coefficients are reported per week. The treatment/control ratio of walk time at week W is
exp(β_treatment + W·β_treatment×week), with a delta-method CI from the fixed-effect covariance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.regression.mixed_linear_model import MixedLM

from msevidence.data.tables import infer_arms
from msevidence.data.visits import VisitsTableError, walking_changes
from msevidence.models.base import Fitter, recording_warnings

_YEAR = 52.0
TERMS = ("intercept", "treatment", "week", "treatment:week")
METHOD = ("statsmodels MixedLM ({fit}) on log(T25FW / baseline) at post-baseline visits; fixed effects "
          "arm × week (week as a continuous linear slope); random intercept and slope by patient")


@dataclass(frozen=True)
class MixedModelRatio:
    """Ratio of geometric-mean walk time (relative to baseline), treatment vs control, at one week."""

    week: float
    ratio: float
    ci_low: float
    ci_high: float
    log_ratio: float
    se: float
    p: float
    treatment: str
    control: str
    n_patients: int
    n_observations: int
    converged: bool
    method: str
    conf_level: float = 0.95
    data_provenance: str | None = None
    warnings: tuple[str, ...] = ()  # estimation warnings raised by statsmodels, recorded (never silenced)
    reason: str | None = None  # why the ratio cannot be estimated (then the estimates are NaN)

    @property
    def estimable(self) -> bool:
        return self.reason is None

    @classmethod
    def not_fitted(cls, week: float, treatment: str, control: str, reason: str,
                   data_provenance: str | None = None) -> MixedModelRatio:
        """A result that says why the model cannot be fitted (`reason`; estimates NaN, `estimable` False)."""
        nan = float("nan")
        return cls(week=float(week), ratio=nan, ci_low=nan, ci_high=nan, log_ratio=nan, se=nan, p=nan,
                   treatment=treatment, control=control, n_patients=0, n_observations=0, converged=False,
                   method=f"not fitted: {reason}", data_provenance=data_provenance, reason=reason)

    def to_frame(self) -> pd.DataFrame:
        keys = ("week", "ratio", "ci_low", "ci_high", "log_ratio", "se", "p", "n_patients", "n_observations",
                "converged", "estimable", "reason", "method", "data_provenance")
        return pd.DataFrame([{k: getattr(self, k) for k in keys}],
                            index=pd.Index([f"{self.treatment} vs {self.control}"], name="comparison"))

    def __repr__(self) -> str:
        if not self.estimable:
            return f"<MixedModelRatio {self.treatment} vs {self.control} at week {self.week:g}: not estimable ({self.reason})>"
        return (f"<MixedModelRatio walk-time ratio {self.treatment} vs {self.control} at week {self.week:g} = "
                f"{self.ratio:.4f} ({self.conf_level:.0%} CI {self.ci_low:.4f}–{self.ci_high:.4f}), p={self.p:.4g}>")


class WalkingMixedModel(Fitter):
    """Fitter (lifelines shape): ``WalkingMixedModel(treatment, control).fit(visits).ratio(120)``.

    ``summary`` holds the fixed effects per week: ``intercept`` (control, log T/T0 extrapolated to week 0),
    ``treatment``, ``week`` (control slope) and ``treatment:week`` (difference in slopes).
    """

    def __init__(self, treatment: str | None = None, control: str | None = None, reml: bool = True,
                 conf_level: float = 0.95, data_provenance: str | None = None):
        self.treatment, self.control = treatment, control
        self.reml, self.conf_level, self.data_provenance = reml, conf_level, data_provenance

    def fit(self, visits: pd.DataFrame) -> WalkingMixedModel:
        """Fit on a validated visits table (see `read_visits`); returns self."""
        self.treatment, self.control = infer_arms(visits["arm"], self.treatment, self.control)
        d = walking_changes(visits)
        d = d[(d["week"] > 0) & d["arm"].isin([self.treatment, self.control])]
        if d["patient_id"].nunique() < 3 or d["week"].nunique() < 2:
            raise VisitsTableError("too few post-baseline T25FW values to fit the mixed model", column="t25fw_s")
        treat = (d["arm"] == self.treatment).to_numpy(float)
        years = d["week"].to_numpy(float) / _YEAR
        exog = np.column_stack([np.ones_like(years), treat, years, treat * years])
        exog_re = np.column_stack([np.ones_like(years), years])
        model = MixedLM(d["log_ratio"].to_numpy(float), exog, groups=d["patient_id"].to_numpy(), exog_re=exog_re)
        result, fit_method, caught = None, "", ()
        for fit_method in ("lbfgs", "powell"):
            result, caught = recording_warnings(model.fit, reml=self.reml, method=fit_method)
            if result.converged and np.all(np.isfinite(result.bse_fe)):
                break
        self.warnings_ = caught
        scale = np.array([1.0, 1.0, 1 / _YEAR, 1 / _YEAR])  # per year → per week
        self.result_ = result
        self.params_ = np.asarray(result.fe_params, float) * scale
        self.cov_ = np.asarray(result.cov_params(), float)[:4, :4] * np.outer(scale, scale)
        self.converged_ = bool(result.converged)
        self.n_patients_ = int(d["patient_id"].nunique())
        self.n_observations_ = len(d)
        self.method_ = METHOD.format(fit=("REML" if self.reml else "ML") + f", {fit_method}")
        self.random_effects_cov_ = np.asarray(result.cov_re, float)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        self._require_fit()
        se = np.sqrt(np.diag(self.cov_))
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        return pd.DataFrame({"coef": self.params_, "se": se, "ci_low": self.params_ - z * se,
                             "ci_high": self.params_ + z * se,
                             "p": 2 * stats.norm.sf(np.abs(self.params_ / se))}, index=pd.Index(TERMS, name="term"))

    def fitted_log_ratio(self, week: float | np.ndarray, arm: str) -> np.ndarray:
        """Fitted mean log(T/T0) of an arm at `week` (population level)."""
        t = 1.0 if arm == self.treatment else 0.0
        b = self.params_
        return b[0] + t * b[1] + (b[2] + t * b[3]) * np.asarray(week, float)

    def ratio(self, week: float) -> MixedModelRatio:
        """Treatment/control ratio of geometric-mean T/T0 at `week` (< 1: walk time grew less on treatment)."""
        self._require_fit()
        c = np.array([0.0, 1.0, 0.0, float(week)])
        est = float(c @ self.params_)
        se = float(np.sqrt(c @ self.cov_ @ c))
        reason = (None if self.converged_ and np.isfinite(est) and np.isfinite(se) and se > 0 else
                  "the mixed model did not converge" if not self.converged_ else
                  "the mixed model gave no finite standard error for the treatment effect")
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        return MixedModelRatio(
            week=float(week), ratio=float(np.exp(est)), ci_low=float(np.exp(est - z * se)),
            ci_high=float(np.exp(est + z * se)), log_ratio=est, se=se, p=float(2 * stats.norm.sf(abs(est / se))),
            treatment=self.treatment, control=self.control, n_patients=self.n_patients_,
            n_observations=self.n_observations_, converged=self.converged_, method=self.method_,
            conf_level=self.conf_level, data_provenance=self.data_provenance, warnings=self.warnings_, reason=reason)

    def plot(self, ax=None, weeks: np.ndarray | None = None):
        """Fitted geometric-mean % change of walk time per arm over weeks; returns the Axes."""
        import matplotlib.pyplot as plt

        from msevidence.presentation.figures.style import arm_color, labelled_title

        ax = ax or plt.subplots(figsize=(7, 4.5))[1]
        weeks = np.linspace(0, 120, 61) if weeks is None else np.asarray(weeks, float)
        for role, arm in (("treatment", self.treatment), ("control", self.control)):
            ax.plot(weeks, 100 * (np.exp(self.fitted_log_ratio(weeks, arm)) - 1), color=arm_color(role), label=arm)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set(xlabel="Weeks since randomization",
               ylabel="Change in 25-foot walk time (%) — higher = slower",
               title=labelled_title("Mixed-model fit of walk time", self.data_provenance))
        ax.legend(frameon=False)
        return ax
