"""Cox proportional hazards for treatment vs control (the batched engine, checked against statsmodels PHReg,
which matches R ``coxph``), and the scaled Schoenfeld residual test of proportional hazards (R ``cox.zph``,
survival ≥ 3.0)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from msevidence import formatting as fmt
from msevidence.errors import InputError, NotEstimableError
from msevidence.models.base import Fitter
from msevidence.models.survival.batched import fit_many
from msevidence.models.survival.km import km_table, one_endpoint, require_arms

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
    reason: str | None = None  # why the hazard ratio cannot be estimated (then every estimate is NaN)

    @property
    def estimable(self) -> bool:
        return self.reason is None

    def to_frame(self) -> pd.DataFrame:
        row = {k: getattr(self, k) for k in ("hr", "ci_low", "ci_high", "log_hr", "se", "z", "p", "p_lr",
                                             "lr_chi2", "n", "events", "ties")}
        row["strata"] = ", ".join(self.strata)
        row["estimable"], row["reason"] = self.estimable, self.reason
        return pd.DataFrame([row], index=pd.Index([f"{self.treatment} vs {self.control}"], name="comparison"))

    def __repr__(self) -> str:
        if not self.estimable:
            return f"<CoxResult {self.treatment} vs {self.control}: not estimable ({self.reason})>"
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
    reason: str | None = None  # why the test cannot be computed

    @classmethod
    def not_estimable(cls, transform: str, reason: str, data_provenance: str | None = None) -> PHTestResult:
        nan = float("nan")
        return cls(chi2=nan, df=1, p=nan, transform=transform, beta=nan,
                   residuals=pd.DataFrame(columns=["time", "g", "residual"]), data_provenance=data_provenance,
                   reason=reason)

    @property
    def estimable(self) -> bool:
        return self.reason is None

    @property
    def ph_doubtful(self) -> bool:
        return self.estimable and self.p < PH_ALPHA

    @property
    def message(self) -> str:
        if not self.estimable:
            return f"Proportional-hazards test not estimable: {self.reason}."
        if self.ph_doubtful:
            return (f"Proportional hazards doubtful ({fmt.p_value(self.p)}; the threshold is {PH_ALPHA}): the hazard ratio may change "
                    "over time; a single HR summarises it poorly (consider RMST or a time-varying effect).")
        return f"No evidence against proportional hazards ({fmt.p_value(self.p)}; the threshold is {PH_ALPHA})."

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"chi2": self.chi2, "df": self.df, "p": self.p, "transform": self.transform,
                              "ph_doubtful": self.ph_doubtful}], index=pd.Index(["treatment"], name="term"))

    def plot(self, **kwargs):
        """Scaled Schoenfeld residuals over time; see `msevidence.figures.survival.schoenfeld_plot`."""
        if not self.estimable:
            raise NotEstimableError(f"no proportional-hazards plot: the test is not estimable ({self.reason})")
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


def separation(time: np.ndarray, event: np.ndarray, x: np.ndarray) -> str | None:
    """Why the partial likelihood of a binary covariate has no finite maximum, or None when it has one.

    The log HR runs to +inf when every event happens in an arm-1 patient or while no arm-0 patient is at risk
    (and to -inf symmetrically); the commonest case is an arm with no events.
    """
    order = np.argsort(-time, kind="stable")
    t, e, g = time[order], event[order].astype(bool), x[order] > 0.5
    # patients at risk at each event time (time >= t): counts per arm over the descending sort, ties included
    at1 = np.cumsum(g)[np.searchsorted(-t, -t, side="right") - 1]
    at0 = np.cumsum(~g)[np.searchsorted(-t, -t, side="right") - 1]
    up = np.all(~e | g | (at1 == 0))      # no control event while a treated patient is at risk
    down = np.all(~e | ~g | (at0 == 0))   # no treated event while a control patient is at risk
    if not e.any():
        return "no events"
    if up or down:
        arm = "control" if up else "treatment"
        if not (e & (g if arm == "treatment" else ~g)).any():
            return f"no events in the {arm} arm: the hazard ratio is {'infinite' if up else '0'}"
        return ("the arms are separated (every event falls in one arm while the other arm is at risk), so the "
                "likelihood has no finite maximum")
    return None


class CoxPH(Fitter):
    """Cox PH model of treatment vs control, R ``coxph``-equivalent (Efron ties by default).

    >>> import pandas as pd
    >>> events = pd.DataFrame({"arm": ["OCR"] * 6 + ["PBO"] * 6, "time_weeks": [12, 24, 36, 48, 60, 72] * 2,
    ...                        "event": [1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0]})
    >>> cox = CoxPH(ties="efron").fit(events, "OCR", "PBO")
    >>> round(cox.result_.hr, 2), cox.ph_test().message
    (0.5, 'No evidence against proportional hazards (p = 0.48; the threshold is 0.05).')

    ``strata=["region"]`` stratifies by a column; ``endpoint=`` picks one endpoint of a longer table.

    Fitted: ``result_`` (:class:`CoxResult`; ``result_.estimable`` False with a ``reason`` when the HR has no
    finite estimate), ``params_`` (log HR), ``standard_errors_``.
    """

    def __init__(self, ties: str = "efron", conf_level: float = 0.95, data_provenance: str | None = None):
        if ties not in TIES:
            raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
        self.ties = ties
        self.conf_level = conf_level
        self.data_provenance = data_provenance

    def fit(self, events: pd.DataFrame, treatment: str, control: str,
            strata: Sequence[str] | None = None, endpoint: str | None = None) -> CoxPH:
        """Fit on the rows of the two arms; covariate = 1 for `treatment`, 0 for `control`; `endpoint` picks the
        rows of one endpoint (required when the table's ``endpoint`` column holds several)."""
        events = one_endpoint(events, endpoint, "CoxPH.fit")
        require_arms(events, [treatment, control], "CoxPH.fit")
        if treatment == control:
            raise InputError(f"CoxPH.fit: treatment and control are the same arm ({treatment!r})")
        sub = events[events["arm"].isin([treatment, control])]
        self._time = sub["time_weeks"].to_numpy(float)
        self._event = sub["event"].to_numpy(int)
        self._x = (sub["arm"] == treatment).to_numpy(float)
        self._strata = strata_keys(sub, strata)
        reason = self._why_not_estimable()
        if reason is not None:
            return self._not_estimable(reason, len(sub), treatment, control, strata)
        fit = fit_many(self._time, self._event, self._x.astype(bool), strata=self._strata, ties=self.ties,
                       conf_level=self.conf_level)
        self.warnings_ = ()
        if not fit.estimable[0]:
            return self._not_estimable(str(fit.reason[0]), len(sub), treatment, control, strata)
        beta, se = float(fit.log_hr[0]), float(fit.se[0])
        ll, ll0 = float(fit.loglik[0]), float(fit.loglik_null[0])
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        lr = max(0.0, 2 * (ll - ll0))
        self.params_, self.standard_errors_ = beta, se
        self.result_ = CoxResult(
            hr=float(np.exp(beta)), ci_low=float(np.exp(beta - z * se)), ci_high=float(np.exp(beta + z * se)),
            log_hr=beta, se=se, z=beta / se, p=float(2 * stats.norm.sf(abs(beta / se))),
            p_lr=float(stats.chi2.sf(lr, 1)), lr_chi2=lr, loglik=ll, loglik_null=ll0,
            n=len(sub), events=int(self._event.sum()), ties=self.ties, treatment=treatment, control=control,
            strata=tuple(strata or ()), conf_level=self.conf_level, data_provenance=self.data_provenance)
        return self

    def _why_not_estimable(self) -> str | None:
        """A reason the HR has no finite estimate (per stratum: separation within every stratum), or None."""
        if self._strata is None:
            return separation(self._time, self._event, self._x)
        reasons = [separation(self._time[self._strata == k], self._event[self._strata == k],
                              self._x[self._strata == k]) for k in np.unique(self._strata)]
        informative = [r for r in reasons if r is None]
        return None if informative else f"in every stratum: {reasons[0]}"

    def _not_estimable(self, reason: str, n: int, treatment: str, control: str, strata) -> CoxPH:
        nan = float("nan")
        self.params_ = self.standard_errors_ = nan
        self.warnings_ = getattr(self, "warnings_", ())
        self.result_ = CoxResult(hr=nan, ci_low=nan, ci_high=nan, log_hr=nan, se=nan, z=nan, p=nan, p_lr=nan,
                                 lr_chi2=nan, loglik=nan, loglik_null=nan, n=n, events=int(self._event.sum()),
                                 ties=self.ties, treatment=treatment, control=control, strata=tuple(strata or ()),
                                 conf_level=self.conf_level, data_provenance=self.data_provenance, reason=reason)
        return self

    @property
    def summary(self) -> pd.DataFrame:
        self._require_fit()
        return self.result_.to_frame()

    def to_frame(self) -> pd.DataFrame:
        return self.summary

    def ph_test(self, transform: str = "km") -> PHTestResult:
        """Score test of g(t)·treatment added to the model at (β̂, 0), as R ``cox.zph`` (survival ≥ 3.0).

        `transform` of time: "km" (R's default: 1 − left-continuous pooled KM) or "identity" (weeks).
        """
        self._require_fit()
        if not self.result_.estimable:
            return PHTestResult.not_estimable(transform, f"no hazard ratio to test ({self.result_.reason})",
                                              self.data_provenance)
        return schoenfeld_test(self._time, self._event, self._x, self.params_, ties=self.ties, strata=self._strata,
                               transform=transform, data_provenance=self.data_provenance)

    def plot(self, **kwargs):
        """Forest plot of the HR; see `msevidence.figures.survival.forest_plot`."""
        from msevidence.presentation.figures.survival import forest_plot

        self._require_fit()
        r = self.result_
        if not r.estimable:
            raise NotEstimableError(f"no forest plot: the hazard ratio is not estimable ({r.reason})")
        df = pd.DataFrame([{"label": f"{r.treatment} vs {r.control}", "estimate": r.hr, "ci_low": r.ci_low,
                            "ci_high": r.ci_high}])
        kwargs.setdefault("provenance", self.data_provenance)
        return forest_plot(df, **kwargs)

    def __repr__(self) -> str:
        return repr(self.result_) if self.fitted else f"<CoxPH ties={self.ties}: not fitted>"


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
    denom = i22 - i12**2 / i11 if i11 > 0 else 0.0
    if not denom > 1e-10 * max(i22, 1e-300):  # one informative event time: no time variation to test
        return PHTestResult.not_estimable(
            transform, "the events carry no information on a change of the hazard ratio over time "
                       "(too few informative event times)", data_provenance)
    chi2 = float(u2**2 / denom)
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
