"""Kaplan-Meier curves per arm (Greenwood SEs, R survfit conventions) and the (stratified) log-rank test."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from msevidence.errors import InputError
from msevidence.models.base import Fitter

CONF_TYPES = ("log", "log-log", "plain")
_TOL = float(np.sqrt(np.finfo(float).eps))  # R's tolerance when a curve sits exactly on a quantile level


def km_table(time: np.ndarray, event: np.ndarray, conf_level: float = 0.95, conf_type: str = "log") -> pd.DataFrame:
    """Kaplan-Meier table at every distinct time: n at risk, events, censored, S, Greenwood SE, CI.

    ``se`` is the SE of S (Greenwood: S·sqrt(Σ d/(n(n−d)))); the CI follows R's ``survfit`` ``conf.type``
    ("log" is R's default: S·exp(±z·sqrt(Σ d/(n(n−d))))).
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    time = np.asarray(time, float)
    event = np.asarray(event, int)
    t, inverse = np.unique(time, return_inverse=True)
    d = np.bincount(inverse, weights=event, minlength=len(t))
    total = np.bincount(inverse, minlength=len(t)).astype(float)
    n = total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        g = np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0))  # inf once S reaches 0
        se_log = np.sqrt(g)
        z = stats.norm.ppf(0.5 + conf_level / 2)
        if conf_type == "log":
            lo, hi = surv * np.exp(-z * se_log), surv * np.exp(z * se_log)
        elif conf_type == "log-log":
            w = z * se_log / np.log(surv)
            lo, hi = surv ** np.exp(-w), surv ** np.exp(w)
        else:
            lo, hi = surv - z * surv * se_log, surv + z * surv * se_log
        bad = ~np.isfinite(se_log) | (surv <= 0)
        lo, hi = np.where(bad, np.nan, np.clip(lo, 0, 1)), np.where(bad, np.nan, np.clip(hi, 0, 1))
        se = np.where(np.isfinite(se_log), surv * se_log, np.nan)
    return pd.DataFrame({"time": t, "n_risk": n.astype(int), "n_event": d.astype(int),
                         "n_censor": (total - d).astype(int), "survival": surv, "se": se,
                         "ci_low": lo, "ci_high": hi})


def one_endpoint(events: pd.DataFrame, endpoint: str | None, who: str) -> pd.DataFrame:
    """The rows of `endpoint`; refuses a table holding several endpoints when none is chosen (never pools them)."""
    if "endpoint" not in events.columns:
        if endpoint is not None:
            raise InputError(f"{who}: endpoint={endpoint!r} given but the events table has no 'endpoint' column")
        return events
    known = sorted(map(str, events["endpoint"].unique()))
    if endpoint is None:
        if len(known) > 1:
            raise InputError(f"{who}: the events table holds {len(known)} endpoints ({', '.join(known)}); choose "
                             f"one with endpoint=, e.g. endpoint={known[0]!r}")
        return events
    if endpoint not in known:
        raise InputError(f"{who}: unknown endpoint {endpoint!r}; the table has {', '.join(known)}")
    return events[events["endpoint"] == endpoint]


def require_arms(events: pd.DataFrame, arms: Iterable[str], who: str) -> None:
    """Refuse an arm the table does not hold, naming it and the arms available."""
    known = sorted(map(str, events["arm"].unique()))
    for arm in arms:
        if arm not in known:
            raise InputError(f"{who}: arm {arm!r} is not in the events table; arms are {', '.join(known)}")


def _step(times: np.ndarray, values: np.ndarray, at: np.ndarray, before: float = 1.0) -> np.ndarray:
    """Right-continuous step function through (times, values), `before` ahead of the first time."""
    idx = np.searchsorted(times, at, side="right") - 1
    return np.where(idx >= 0, values[np.maximum(idx, 0)], before)


def _quantile_time(t: np.ndarray, s: np.ndarray, level: float) -> float:
    """First time the curve s reaches `level` or below (R: midpoint if it sits exactly on it), else NaN."""
    ok = np.flatnonzero(np.nan_to_num(s, nan=np.inf) <= level + _TOL)
    if ok.size == 0:
        return float("nan")
    i = ok[0]
    if abs(s[i] - level) < _TOL:
        later = np.flatnonzero(s[i + 1:] < s[i] - _TOL)
        if later.size:
            return float((t[i] + t[i + 1 + later[0]]) / 2)
    return float(t[i])


class KaplanMeier(Fitter):
    """Kaplan-Meier estimate per arm of an events table (one endpoint).

    >>> import pandas as pd
    >>> events = pd.DataFrame({"arm": ["OCR"] * 4 + ["PBO"] * 4, "time_weeks": [12, 24, 36, 48] * 2,
    ...                        "event": [1, 0, 0, 0, 1, 1, 0, 1]})
    >>> KaplanMeier().fit(events, arms=["OCR", "PBO"])
    <KaplanMeier (log CI) OCR: n=4, events=1, median not reached; PBO: n=4, events=3, median=36>

    Then ``km.summary``, ``km.quantiles()``, ``km.risk_table([0, 24, 48])``, ``km.plot()``. A table holding
    several endpoints needs ``endpoint=``: curves of different endpoints are never pooled.

    Fitted: ``curves_`` (one table per arm: time, n_risk, n_event, n_censor, survival, se, CI) and ``data_``.
    """

    _fitted_attribute = "curves_"

    def __init__(self, conf_level: float = 0.95, conf_type: str = "log", data_provenance: str | None = None):
        if conf_type not in CONF_TYPES:
            raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
        self.conf_level = conf_level
        self.conf_type = conf_type
        self.data_provenance = data_provenance

    def fit(self, events: pd.DataFrame, arms: Sequence[str] | None = None,
            endpoint: str | None = None) -> KaplanMeier:
        """Fit one curve per arm (columns ``arm, time_weeks, event``); `arms` fixes the order; `endpoint` picks
        the rows of one endpoint (required when the table's ``endpoint`` column holds several)."""
        events = one_endpoint(events, endpoint, "KaplanMeier.fit")
        if arms is not None:
            require_arms(events, arms, "KaplanMeier.fit")
        arms = list(arms) if arms is not None else sorted(events["arm"].unique())
        self.data_ = {a: events.loc[events["arm"] == a, ["time_weeks", "event"]].to_numpy() for a in arms}
        self.curves_ = {a: km_table(x[:, 0], x[:, 1], self.conf_level, self.conf_type) for a, x in self.data_.items()}
        return self

    @property
    def arms(self) -> list[str]:
        self._require_fit()
        return list(self.curves_)

    @property
    def summary(self) -> pd.DataFrame:
        """The full tables, stacked with an ``arm`` column."""
        self._require_fit()
        return pd.concat([c.assign(arm=a) for a, c in self.curves_.items()], ignore_index=True)[
            ["arm", *next(iter(self.curves_.values())).columns]]

    def to_frame(self) -> pd.DataFrame:
        return self.summary

    def last_time(self, arm: str) -> float:
        """Last follow-up time (event or censoring) in an arm."""
        self._require_fit()
        return float(self.curves_[arm]["time"].iloc[-1])

    def survival_at(self, weeks: float | Iterable[float]) -> pd.DataFrame:
        """S(t), SE and CI per arm at each week; NaN beyond the arm's last follow-up (no extrapolation)."""
        self._require_fit()
        weeks = np.atleast_1d(np.asarray(weeks, float))
        rows = []
        for a, c in self.curves_.items():
            t = c["time"].to_numpy()
            vals = {k: _step(t, c[k].to_numpy(), weeks, before=b)
                    for k, b in (("survival", 1.0), ("se", 0.0), ("ci_low", 1.0), ("ci_high", 1.0))}
            beyond = weeks > t[-1]
            for k in vals:
                vals[k] = np.where(beyond, np.nan, vals[k])
            rows.append(pd.DataFrame({"arm": a, "week": weeks, **vals}))
        return pd.concat(rows, ignore_index=True)

    def quantiles(self, q: Iterable[float] = (0.25, 0.5, 0.75)) -> pd.DataFrame:
        """Time by which a fraction q has progressed (q=0.5: median), with CI; NaN where not reached."""
        self._require_fit()
        rows = []
        for a, c in self.curves_.items():
            t = c["time"].to_numpy()
            for qq in q:
                level = 1.0 - qq
                rows.append({"arm": a, "quantile": qq,
                             "time": _quantile_time(t, c["survival"].to_numpy(), level),
                             "ci_low": _quantile_time(t, c["ci_low"].to_numpy(), level),
                             "ci_high": _quantile_time(t, c["ci_high"].to_numpy(), level)})
        return pd.DataFrame(rows)

    def median(self) -> pd.DataFrame:
        """Median time to event per arm with CI (NaN where not reached)."""
        return self.quantiles([0.5]).drop(columns="quantile")

    def risk_table(self, weeks: Iterable[float]) -> pd.DataFrame:
        """Numbers at risk (time ≥ week), cumulative events and cumulative censored (time ≤ week) per arm."""
        self._require_fit()
        weeks = np.asarray(list(weeks), float)
        rows = []
        for a, x in self.data_.items():
            time, event = x[:, 0], x[:, 1].astype(bool)
            for w in weeks:
                rows.append({"arm": a, "week": w, "n_risk": int((time >= w).sum()),
                             "cum_events": int((event & (time <= w)).sum()),
                             "cum_censored": int((~event & (time <= w)).sum())})
        return pd.DataFrame(rows)

    def plot(self, **kwargs):
        """KM curves with a risk table underneath; returns the curve's Axes (see `figures.survival.km_plot`)."""
        from msevidence.presentation.figures.survival import km_plot

        self._require_fit()
        kwargs.setdefault("provenance", self.data_provenance)
        return km_plot(self, **kwargs)

    def __repr__(self) -> str:
        if not self.fitted:
            return f"<KaplanMeier ({self.conf_type} CI): not fitted>"
        med = self.median().set_index("arm")["time"]
        parts = [f"{a}: n={int(c['n_risk'].iloc[0])}, events={int(c['n_event'].sum())}, "
                 + ("median not reached" if np.isnan(med[a]) else f"median={med[a]:g}")
                 for a, c in self.curves_.items()]
        return f"<KaplanMeier ({self.conf_type} CI) {'; '.join(parts)}>"


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test (stratified when `strata` is non-empty): chi-square, df, p, observed and expected."""

    chi2: float
    df: int
    p: float
    observed: dict[str, float]
    expected: dict[str, float]
    strata: tuple[str, ...] = ()
    data_provenance: str | None = None
    method: str = field(default="log-rank (Mantel-Haenszel)")
    reason: str | None = None  # why the test cannot be computed (then chi2 and p are NaN)

    @property
    def estimable(self) -> bool:
        return self.reason is None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"arm": list(self.observed), "observed": list(self.observed.values()),
                             "expected": list(self.expected.values()),
                             "chi2": self.chi2, "df": self.df, "p": self.p})

    def __repr__(self) -> str:
        by = f", stratified by {', '.join(self.strata)}" if self.strata else ""
        if not self.estimable:
            return f"<LogRankResult not estimable: {self.reason}>"
        return f"<LogRankResult chi2={self.chi2:.4f} df={self.df} p={self.p:.4g}{by}>"


def logrank_test(events: pd.DataFrame, strata: Sequence[str] | None = None, arms: Sequence[str] | None = None,
                 data_provenance: str | None = None) -> LogRankResult:
    """Log-rank test across arms (R ``survdiff``), summing O−E and its variance over strata if given."""
    arms = list(arms) if arms is not None else sorted(events["arm"].unique())
    k = len(arms)
    strata = tuple(strata or ())
    keys = events[list(strata)].astype(str).agg("|".join, axis=1) if strata else pd.Series(0, index=events.index)
    o_minus_e, var = np.zeros(k), np.zeros((k, k))
    observed, expected = np.zeros(k), np.zeros(k)
    for _, sub in events.groupby(keys, sort=False):
        group = pd.Categorical(sub["arm"], categories=arms).codes
        time, event = sub["time_weeks"].to_numpy(float), sub["event"].to_numpy(int)
        t_ev = np.unique(time[event == 1])
        if t_ev.size == 0:
            continue
        n = np.stack([(time[group == j][None, :] >= t_ev[:, None]).sum(1) for j in range(k)], axis=1).astype(float)
        d = np.stack([np.bincount(np.searchsorted(t_ev, time[(group == j) & (event == 1)]), minlength=t_ev.size)
                      for j in range(k)], axis=1).astype(float)
        big_n, big_d = n.sum(1), d.sum(1)
        e = n * (big_d / big_n)[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(big_n > 1, big_d * (big_n - big_d) / (big_n**2 * (big_n - 1)), 0.0)
        var += np.diag((f[:, None] * n * big_n[:, None]).sum(0)) - np.einsum("t,tj,tk->jk", f, n, n)
        o_minus_e += (d - e).sum(0)
        observed += d.sum(0)
        expected += e.sum(0)
    u, v = o_minus_e[:-1], var[:-1, :-1]
    df = k - 1
    reason = None
    if observed.sum() == 0:
        reason = "no events in any arm"
    elif np.linalg.matrix_rank(v) < df:
        reason = "the variance of observed minus expected events is zero (no arm comparison is possible)"
    chi2 = float(u @ np.linalg.solve(v, u)) if reason is None else float("nan")
    return LogRankResult(chi2=chi2, df=df, p=float(stats.chi2.sf(chi2, df)) if reason is None else float("nan"),
                         reason=reason,
                         observed=dict(zip(arms, observed.tolist(), strict=True)),
                         expected=dict(zip(arms, expected.tolist(), strict=True)),
                         strata=strata, data_provenance=data_provenance)
