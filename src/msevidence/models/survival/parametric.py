"""Parametric survival models (lifelines): per-arm fits and AFT models with treatment as covariate,
compared by AIC, with survival extrapolated beyond follow-up and flagged as extrapolation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from lifelines import (
    ExponentialFitter,
    GeneralizedGammaFitter,
    GeneralizedGammaRegressionFitter,
    LogLogisticAFTFitter,
    LogLogisticFitter,
    LogNormalAFTFitter,
    LogNormalFitter,
    WeibullAFTFitter,
    WeibullFitter,
)
from scipy import stats

from msevidence.models.base import Fitter, recording_warnings

UNIVARIATE = {"exponential": ExponentialFitter, "weibull": WeibullFitter, "log-normal": LogNormalFitter,
              "log-logistic": LogLogisticFitter, "generalized gamma": GeneralizedGammaFitter}
AFT = {"weibull": (WeibullAFTFitter, "lambda_"), "log-normal": (LogNormalAFTFitter, "mu_"),
       "log-logistic": (LogLogisticAFTFitter, "alpha_")}
DISTRIBUTIONS = tuple(UNIVARIATE)
_MIN_TIME = 1e-6  # parametric likelihoods need positive times; a time of 0 is moved to this


class ParametricSurvival(Fitter):
    """Exponential, Weibull, log-normal, log-logistic and generalized gamma models, compared by AIC.

    Per arm (separate fits) and as accelerated failure time models with a treatment indicator (one
    model, time ratio treatment/control). `predict_survival` flags times beyond each arm's follow-up.
    Fitted: ``summary_`` (also ``summary``), ``fitters_``, ``last_time_`` and ``warnings_`` (estimation warnings
    raised by lifelines, recorded rather than silenced).
    """

    _fitted_attribute = "summary_"

    def __init__(self, distributions: Sequence[str] = DISTRIBUTIONS, conf_level: float = 0.95,
                 data_provenance: str | None = None):
        unknown = [d for d in distributions if d not in UNIVARIATE]
        if unknown:
            raise ValueError(f"unknown distribution(s) {unknown}; choose from {DISTRIBUTIONS}")
        self.distributions = tuple(distributions)
        self.conf_level = conf_level
        self.data_provenance = data_provenance

    def fit(self, events: pd.DataFrame, treatment: str, control: str) -> ParametricSurvival:
        """Fit every distribution per arm and as an AFT model (treatment = 1, control = 0)."""
        sub = events[events["arm"].isin([treatment, control])]
        self.treatment, self.control = treatment, control
        self.arms = [treatment, control]
        self.last_time_ = {a: float(sub.loc[sub["arm"] == a, "time_weeks"].max()) for a in self.arms}
        self.fitters_: dict[tuple[str, str], object] = {}
        df = pd.DataFrame({"T": np.maximum(sub["time_weeks"].to_numpy(float), _MIN_TIME),
                           "E": sub["event"].to_numpy(int), "treated": (sub["arm"] == treatment).to_numpy(float)})
        rows: list[dict] = []
        _, self.warnings_ = recording_warnings(self._fit_all, df, rows, treatment, control)
        table = pd.DataFrame(rows)
        per_arm = table[table["model"] == "per arm"].groupby("distribution", sort=False)[["loglik", "n_params", "aic"]].sum()
        per_arm = per_arm.reset_index().assign(model="per arm (both arms)", arm="both")
        summary = pd.concat([table, per_arm], ignore_index=True)
        summary["delta_aic"] = summary.groupby(["model", "arm"])["aic"].transform(lambda a: a - a.min())
        self.summary_ = summary
        return self

    @property
    def summary(self) -> pd.DataFrame:
        self._require_fit()
        return self.summary_

    def to_frame(self) -> pd.DataFrame:
        return self.summary

    def _fit_all(self, df: pd.DataFrame, rows: list[dict], treatment: str, control: str) -> None:
        for dist in self.distributions:
            for arm, flag in ((treatment, 1.0), (control, 0.0)):
                part = df[df["treated"] == flag]
                f = UNIVARIATE[dist]().fit(part["T"], part["E"], label=f"{dist} {arm}")
                self.fitters_[(dist, arm)] = f
                rows.append({"model": "per arm", "distribution": dist, "arm": arm, "loglik": f.log_likelihood_,
                             "n_params": len(f._fitted_parameter_names), "aic": f.AIC_})
            rows.append(self._aft(dist, df))

    def _aft(self, dist: str, df: pd.DataFrame) -> dict:
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        if dist == "exponential":  # closed form: rate = events / person-time per arm
            d = df.groupby("treated")["E"].sum()
            tt = df.groupby("treated")["T"].sum()
            loglik = float((d * np.log(d / tt) - d).sum())
            coef, se, k = float(np.log((tt[1.0] / d[1.0]) / (tt[0.0] / d[0.0]))), float(np.sqrt(1 / d[1.0] + 1 / d[0.0])), 2
        else:
            if dist == "generalized gamma":
                f = GeneralizedGammaRegressionFitter(penalizer=0.0).fit(
                    df.assign(Intercept=1.0), "T", "E",
                    regressors={"mu_": "treated + 1", "sigma_": "1", "lambda_": "1"})
                key = "mu_"
            else:
                cls, key = AFT[dist]
                f = cls().fit(df, "T", "E")
            self.fitters_[(dist, "AFT")] = f
            coef, se = float(f.params_[(key, "treated")]), float(f.standard_errors_[(key, "treated")])
            loglik, k = float(f.log_likelihood_), len(f.params_)
        return {"model": "AFT", "distribution": dist, "arm": "treatment covariate", "loglik": loglik, "n_params": k,
                "aic": 2 * k - 2 * loglik, "time_ratio": float(np.exp(coef)),
                "tr_ci_low": float(np.exp(coef - z * se)), "tr_ci_high": float(np.exp(coef + z * se)),
                "tr_p": float(2 * stats.norm.sf(abs(coef / se)))}

    def best(self, model: str = "per arm (both arms)") -> str:
        """Distribution with the lowest AIC for `model` ("per arm (both arms)" or "AFT")."""
        t = self.summary[self.summary["model"] == model]
        return str(t.loc[t["aic"].idxmin(), "distribution"])

    def predict_survival(self, weeks: Iterable[float], distribution: str | None = None) -> pd.DataFrame:
        """Survival per arm from the per-arm fits; ``extrapolated`` is True beyond the arm's follow-up."""
        self._require_fit()
        weeks = np.asarray(list(weeks), float)
        dists = [distribution] if distribution else list(self.distributions)
        rows = []
        for dist in dists:
            for arm in self.arms:
                s = self.fitters_[(dist, arm)].survival_function_at_times(np.maximum(weeks, _MIN_TIME)).to_numpy()
                rows.append(pd.DataFrame({"distribution": dist, "arm": arm, "week": weeks, "survival": s,
                                          "extrapolated": weeks > self.last_time_[arm]}))
        return pd.concat(rows, ignore_index=True)

    def plot(self, **kwargs):
        """Fitted curves with the extrapolated part dashed; see `msevidence.figures.survival.parametric_plot`."""
        from msevidence.presentation.figures.survival import parametric_plot

        kwargs.setdefault("provenance", self.data_provenance)
        return parametric_plot(self, **kwargs)

    def __repr__(self) -> str:
        if not self.fitted:
            return f"<ParametricSurvival {', '.join(self.distributions)}: not fitted>"
        return f"<ParametricSurvival {', '.join(self.distributions)}; lowest AIC per arm: {self.best()}, AFT: {self.best('AFT')}>"
