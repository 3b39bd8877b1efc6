"""Cox proportional hazards for treatment vs control (the batched engine, checked against statsmodels PHReg,
which matches R ``coxph``), and the scaled Schoenfeld residual test of proportional hazards (R ``cox.zph``,
survival ≥ 3.0)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from msevidence.models.survival.batched import fit_many
from msevidence.models.survival.km import km_table

TIES = ("efron", "breslow")
PH_ALPHA = 0.05


@dataclass(frozen=True)
class CoxResult:
    """Hazard ratio of treatment vs control with Wald CI, Wald and likelihood-ratio p."""

    hr: float
    ci_low: float
    ci_high: float
    log_hr: float
    se: float
    z: float
    p: float  # Wald p, as in R's summary(coxph)
    p_lr: float
    lr_chi2: float
    loglik: float
    loglik_null: float
    n: int
    events: int
    ties: str
    treatment: str
    control: str
    strata: tuple[str, ...] = ()
    conf_level: float = 0.95
    data_provenance: str | None = None

    def to_frame(self) -> pd.DataFrame:
        row = {k: getattr(self, k) for k in ("hr", "ci_low", "ci_high", "log_hr", "se", "z", "p", "p_lr",
                                             "lr_chi2", "n", "events", "ties")}
        row["strata"] = ", ".join(self.strata)
        return pd.DataFrame([row], index=pd.Index([f"{self.treatment} vs {self.control}"], name="comparison"))

    def __repr__(self) -> str:
        by = f", strata: {', '.join(self.strata)}" if self.strata else ""
        return (f"<CoxResult HR {self.treatment} vs {self.control} = {self.hr:.4f} "
                f"({self.conf_level:.0%} CI {self.ci_low:.4f}–{self.ci_high:.4f}), Wald p={self.p:.4g}, "
                f"LR p={self.p_lr:.4g}; n={self.n}, events={self.events}, ties={self.ties}{by}>")


@dataclass(frozen=True)
class PHTestResult:
    """Scaled Schoenfeld residual test of proportional hazards for the treatment term (R ``cox.zph``)."""

    chi2: float
    df: int
    p: float
    transform: str
    beta: float
    residuals: pd.DataFrame  # time, g (transformed time), scaled residual (beta(t) estimate), one row per event
    data_provenance: str | None = None

    @property
    def ph_doubtful(self) -> bool:
        return self.p < PH_ALPHA

    @property
    def message(self) -> str:
        if self.ph_doubtful:
            return (f"Proportional hazards doubtful (p = {self.p:.3g} < {PH_ALPHA}): the hazard ratio may change "
                    "over time; a single HR summarises it poorly (consider RMST or a time-varying effect).")
        return f"No evidence against proportional hazards (p = {self.p:.3g} ≥ {PH_ALPHA})."

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"chi2": self.chi2, "df": self.df, "p": self.p, "transform": self.transform,
                              "ph_doubtful": self.ph_doubtful}], index=pd.Index(["treatment"], name="term"))

    def plot(self, **kwargs):
        """Scaled Schoenfeld residuals over time; see `msevidence.figures.survival.schoenfeld_plot`."""
        from msevidence.presentation.figures.survival import schoenfeld_plot

        kwargs.setdefault("provenance", self.data_provenance)
        return schoenfeld_plot(self, **kwargs)

    def __repr__(self) -> str:
        return f"<PHTestResult chi2={self.chi2:.4f} df={self.df} p={self.p:.4g} ({self.transform}): {self.message}>"


def strata_keys(events: pd.DataFrame, strata: Sequence[str] | None) -> np.ndarray | None:
    """One label per row combining the stratum columns (None without strata)."""
    if not strata:
        return None
    return events[list(strata)].astype(str).agg("|".join, axis=1).to_numpy()


class CoxPH:
    """Cox PH model of treatment vs control, R ``coxph``-equivalent (Efron ties by default).

    >>> cox = CoxPH(ties="efron").fit(events, "OCR", "PBO", strata=["region"])   # doctest: +SKIP
    >>> cox.result.hr, cox.summary, cox.ph_test().message
    """

    def __init__(self, ties: str = "efron", conf_level: float = 0.95, data_provenance: str | None = None):
        if ties not in TIES:
            raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
        self.ties = ties
        self.conf_level = conf_level
        self.data_provenance = data_provenance
        self.result: CoxResult | None = None

    def fit(self, events: pd.DataFrame, treatment: str, control: str,
            strata: Sequence[str] | None = None) -> CoxPH:
        """Fit on the rows of the two arms; covariate = 1 for `treatment`, 0 for `control`."""
        sub = events[events["arm"].isin([treatment, control])]
        self._time = sub["time_weeks"].to_numpy(float)
        self._event = sub["event"].to_numpy(int)
        self._x = (sub["arm"] == treatment).to_numpy(float)
        self._strata = strata_keys(sub, strata)
        fit = fit_many(self._time, self._event, self._x.astype(bool), strata=self._strata, ties=self.ties,
                       conf_level=self.conf_level)
        if not fit.estimable[0]:
            raise RuntimeError(f"Cox model cannot be fitted: {fit.reason[0]}; are there events in both arms?")
        beta, se = float(fit.log_hr[0]), float(fit.se[0])
        ll, ll0 = float(fit.loglik[0]), float(fit.loglik_null[0])
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        lr = max(0.0, 2 * (ll - ll0))
        self.beta = beta
        self.result = CoxResult(
            hr=float(np.exp(beta)), ci_low=float(np.exp(beta - z * se)), ci_high=float(np.exp(beta + z * se)),
            log_hr=beta, se=se, z=beta / se, p=float(2 * stats.norm.sf(abs(beta / se))),
            p_lr=float(stats.chi2.sf(lr, 1)), lr_chi2=lr, loglik=ll, loglik_null=ll0,
            n=len(sub), events=int(self._event.sum()), ties=self.ties, treatment=treatment, control=control,
            strata=tuple(strata or ()), conf_level=self.conf_level, data_provenance=self.data_provenance)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        return self._fitted().to_frame()

    def _fitted(self) -> CoxResult:
        if self.result is None:
            raise RuntimeError("call fit() first")
        return self.result

    def ph_test(self, transform: str = "km") -> PHTestResult:
        """Score test of g(t)·treatment added to the model at (β̂, 0), as R ``cox.zph`` (survival ≥ 3.0).

        `transform` of time: "km" (R's default: 1 − left-continuous pooled KM) or "identity" (weeks).
        """
        self._fitted()
        return schoenfeld_test(self._time, self._event, self._x, self.beta, ties=self.ties, strata=self._strata,
                               transform=transform, data_provenance=self.data_provenance)

    def plot(self, **kwargs):
        """Forest plot of the HR; see `msevidence.figures.survival.forest_plot`."""
        from msevidence.presentation.figures.survival import forest_plot

        r = self._fitted()
        df = pd.DataFrame([{"label": f"{r.treatment} vs {r.control}", "estimate": r.hr, "ci_low": r.ci_low,
                            "ci_high": r.ci_high}])
        kwargs.setdefault("provenance", self.data_provenance)
        return forest_plot(df, **kwargs)

    def __repr__(self) -> str:
        return repr(self.result) if self.result else f"<CoxPH ties={self.ties}: not fitted>"


def _risk_set_moments(time, event, x, w, t, ties):
    """Score u and information v contributions of distinct event time t (Efron or Breslow)."""
    at_risk = time >= t
    dead = at_risk & (time == t) & (event == 1)
    d = int(dead.sum())
    s0, s1, s2 = w[at_risk].sum(), (w * x)[at_risk].sum(), (w * x * x)[at_risk].sum()
    d0, d1, d2 = w[dead].sum(), (w * x)[dead].sum(), (w * x * x)[dead].sum()
    frac = np.arange(d) / d if ties == "efron" else np.zeros(d)
    a0, a1, a2 = s0 - frac * d0, s1 - frac * d1, s2 - frac * d2
    xbar = a1 / a0
    resid_each = x[dead] - xbar.mean()  # Schoenfeld residual of each tied death (R: mean of Efron xbar)
    return x[dead].sum() - xbar.sum(), float((a2 / a0 - xbar**2).sum()), resid_each, d


def schoenfeld_test(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: float, *, ties: str = "efron",
                    strata: np.ndarray | None = None, transform: str = "km",
                    data_provenance: str | None = None) -> PHTestResult:
    """Proportional-hazards test of a single covariate x at its Cox estimate beta (see `CoxPH.ph_test`)."""
    if transform not in ("km", "identity"):
        raise ValueError(f"transform must be 'km' or 'identity', not {transform!r}")
    time, event, x = np.asarray(time, float), np.asarray(event, int), np.asarray(x, float)
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata)
    w = np.exp(beta * x)
    rows = []  # (t, d, u, v, residuals)
    for s in np.unique(strata):
        m = strata == s
        for t in np.unique(time[m & (event == 1)]):
            u, v, res, d = _risk_set_moments(time[m], event[m], x[m], w[m], t, ties)
            rows.append((t, d, u, v, res))
    t_k = np.array([r[0] for r in rows])
    d_k = np.array([r[1] for r in rows], float)
    u_k = np.array([r[2] for r in rows])
    v_k = np.array([r[3] for r in rows])
    if transform == "km":
        km = km_table(time, event)
        g = 1.0 - _left_value(km["time"].to_numpy(), km["survival"].to_numpy(), t_k)
    else:
        g = t_k.copy()
    g = g - (g * d_k).sum() / d_k.sum()  # centred over deaths
    u2 = (g * u_k).sum()
    i11, i12, i22 = v_k.sum(), (g * v_k).sum(), (g * g * v_k).sum()
    with np.errstate(divide="ignore", invalid="ignore"):  # one event time: no time variation to test
        chi2 = float(u2**2 / (i22 - i12**2 / i11))
    ndead = d_k.sum()
    res = np.concatenate([r[4] for r in rows])
    residuals = pd.DataFrame({"time": np.repeat(t_k, d_k.astype(int)), "g": np.repeat(g, d_k.astype(int)),
                              "scaled_residual": beta + ndead * res / i11})
    residuals = residuals.sort_values("time", kind="stable").reset_index(drop=True)
    return PHTestResult(chi2=chi2, df=1, p=float(stats.chi2.sf(chi2, 1)), transform=transform, beta=beta,
                        residuals=residuals, data_provenance=data_provenance)


def _left_value(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Left-continuous step value f(t−) (1 before the first time)."""
    idx = np.searchsorted(times, at, side="left") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], 1.0)
