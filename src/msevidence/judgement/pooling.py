"""Pooling of ratio estimates on the log scale, with guards: only like with like.

Methods (the formulas of metafor's ``rma.uni``; Viechtbauer, J Stat Softw 2010;36(3)):

- ``fixed``: inverse-variance weights ``w_i = 1/v_i``; ``Q = sum w_i (y_i - mu_FE)^2``;
  ``I^2 = max(0, (Q - (k-1)) / Q)``.
- ``dl``: DerSimonian-Laird ``tau^2 = max(0, (Q - (k-1)) / (sum w - sum w^2 / sum w))`` — truncated at 0 as
  metafor does (statsmodels' ``combine_effects(method_re="dl")`` returns the untruncated, possibly negative
  value; it never reaches a result here).
- ``reml``: restricted maximum likelihood by Fisher scoring from the DL value,
  ``tau^2 <- tau^2 + (y'PPy - tr P) / tr(PP)`` with ``P = W - W 1 (1'W 1)^-1 1'W``, ``W = diag(1/(v_i + tau^2))``,
  kept at or above 0, to a change below 1e-10.
- Random effects: ``mu = sum w*_i y_i / sum w*_i`` with ``w*_i = 1/(v_i + tau^2)``, SE ``1/sqrt(sum w*_i)``; a
  normal-quantile 95% CI; ``I^2 = tau^2 / (tau^2 + s^2)`` with the typical within-study variance
  ``s^2 = (k-1) sum w / ((sum w)^2 - sum w^2)`` (metafor's definition; equal to the Q-based one for DL).
- Prediction interval (Higgins, Thompson & Spiegelhalter, J R Stat Soc A 2009;172:137-159):
  ``mu +/- t_(k-2, 0.975) sqrt(SE^2 + tau^2)``, on ``k - 2`` degrees of freedom. Not given for the fixed-effect
  model, nor for ``k = 2`` (no degrees of freedom are left; the reason is stated instead: JSON null + reason).
- Hartung-Knapp(-Sidik-Jonkman) interval for the mean (option ``hartung_knapp=True``, ``--hk``):
  ``mu +/- t_(k-1, 0.975) sqrt(q_HK / sum w*_i)`` with ``q_HK = sum w*_i (y_i - mu)^2 / (k - 1)`` (not
  truncated at 1), as statsmodels' ``combine_effects(...).conf_int(use_t=True)`` gives it (``ci_eff_re_wls``).

Guards: estimates from the evidence store are pooled only when their endpoint definitions match (scale,
components, analysis, threshold, confirmation, milestone, week, period), their statistics are the same and their
comparators are of the same kind; otherwise :class:`PoolingRefused` says, in one sentence, what differs.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from msevidence import formatting as fmt
from msevidence.errors import InputError, LimitError, OptionError, TableError
from msevidence.judgement.bayes import (
    ReanalysisError,
    likelihood_from_ci,
    likelihood_from_effect,
    ratio_effect_of,
)
from msevidence.models.base import Fitter
from msevidence.safeio import MAX_SMALL_TABLE_BYTES, check_table_shape, read_bytes

METHODS = ("fixed", "dl", "reml")
MAX_STUDIES = 1_000  # studies in one pooling (REML works on k x k matrices)
MAX_RATIO = 1_000.0  # ratios and CI bounds within 1/1000 to 1000
MIN_SE = 1e-4  # SE of a log ratio: a narrower "95% CI" is a typing error
Z95 = stats.norm.ppf(0.975)
DEFINITION_FIELDS = {
    "scale": "scale", "components": "components", "analysis": "analysis", "threshold": "worsening threshold",
    "threshold_pct": "percent threshold", "confirmation_weeks": "confirmation window (weeks)",
    "milestone": "milestone", "week": "time point (week)", "period": "analysis period",
}


class PoolingRefused(InputError):
    """Estimates that must not be pooled (different endpoint definitions or comparators); one sentence why."""


@dataclass(frozen=True)
class StudyEstimate:
    """One study's ratio on the log scale (``log_ratio``, ``se``), with where it came from."""

    study: str
    log_ratio: float
    se: float
    ratio: float
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""
    source: str = ""
    data_provenance: str = "user"
    higher_is_better: bool = False  # of the endpoint: a ratio above 1 is benefit

    @property
    def variance(self) -> float:
        return self.se ** 2


def read_estimates_csv(path: str | Path) -> list[StudyEstimate]:
    """Read ``study, estimate, ci_low, ci_high`` (ratio scale, 95% CIs) from a CSV file; one-line errors."""
    path = Path(path)
    name = str(path)
    data = read_bytes(path, MAX_SMALL_TABLE_BYTES)  # bounded: regular file, size, line length, columns
    check_table_shape(data, name)
    try:
        text = data.decode("utf-8")
        rows = list(csv.DictReader(text.splitlines()))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TableError(f"cannot be read ({type(exc).__name__}) (rule: readable UTF-8 CSV)", source=name) from None
    if len(rows) > MAX_STUDIES:
        raise LimitError(f"{name}: {len(rows):,} rows; pooling takes at most {MAX_STUDIES:,} studies "
                         "(rule: number of studies)")
    need = ("study", "estimate", "ci_low", "ci_high")
    header = [h.strip() for h in (text.splitlines()[0].split(",") if text.strip() else [])]
    for col in need:
        if col not in header:
            raise TableError(f"required column is missing (rule: columns {', '.join(need)})", source=name, column=col)
    out: list[StudyEstimate] = []
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        study = row["study"]
        if not study:
            raise TableError(f"line {i}: empty study name (rule: every row names its study)", source=name,
                             column="study")
        if study in seen:
            raise TableError(f"line {i}: study {study!r} appears twice (rule: one row per study)", source=name,
                             column="study")
        seen.add(study)
        vals = {}
        for col in need[1:]:
            try:
                vals[col] = float(row[col])
            except ValueError:
                raise TableError(f"line {i}: {row[col]!r} is not a number (rule: ratios are positive numbers)",
                                 source=name, column=col) from None
            if not (math.isfinite(vals[col]) and vals[col] > 0):
                raise TableError(f"line {i}: {row[col]!r} is not a positive ratio (rule: ratio scale, > 0)",
                                 source=name, column=col)
            if not 1 / MAX_RATIO <= vals[col] <= MAX_RATIO:
                raise TableError(f"line {i}: {row[col]!r} is outside {1 / MAX_RATIO:g} to {MAX_RATIO:g} (rule: "
                                 "plausible ratios)", source=name, column=col)
        if not vals["ci_low"] < vals["estimate"] < vals["ci_high"]:
            raise TableError(f"line {i}: the CI ({vals['ci_low']:g} to {vals['ci_high']:g}) must contain the "
                             f"estimate {vals['estimate']:g} (rule: ci_low < estimate < ci_high)", source=name,
                             column="estimate")
        lik = likelihood_from_ci(vals["estimate"], vals["ci_low"], vals["ci_high"], label=study)
        if lik.se < MIN_SE:
            raise TableError(f"line {i}: the CI {vals['ci_low']:g} to {vals['ci_high']:g} gives a standard error of "
                             f"{fmt.number(lik.se, 2)} on the log scale, below {MIN_SE:g}: too narrow to be a 95% CI (rule: "
                             "plausible CIs)", source=name, column="ci_low")
        out.append(StudyEstimate(study, lik.log_hr, lik.se, vals["estimate"], vals["ci_low"], vals["ci_high"],
                                 source=name))
    if len(out) < 2:
        raise TableError(f"{len(out)} row(s) found (rule: pooling needs at least 2 studies)", source=name)
    return out


# -- guards: what may be pooled -------------------------------------------------------------------------------
def _fmt(field: str, value: Any) -> str:
    if value is None or value == []:
        return "not stated"
    return "/".join(value) if isinstance(value, list) else f"{value:g}" if isinstance(value, float) else str(value)


_KIND = {"placebo": "placebo-controlled", "active": "active-controlled", "delayed_treatment": "early vs delayed treatment"}


def _comparator(trial) -> tuple[str, str]:
    return trial.comparator, trial.control.drug


def check_poolable(items: list[tuple[Any, Any]]) -> None:
    """Refuse (raise :class:`PoolingRefused`) unless every (trial, endpoint) pair is like the first one."""
    t0, e0 = items[0]
    for t, e in items[1:]:
        if _comparator(t) != _comparator(t0):
            raise PoolingRefused(
                f"{t0.name} is {_KIND.get(t0.comparator, t0.comparator)} ({t0.treatment.drug} vs {t0.control.drug}) "
                f"but {t.name} is {_KIND.get(t.comparator, t.comparator)} ({t.treatment.drug} vs {t.control.drug}): "
                "pooling needs comparators of the same kind.")
        if e.favourable_higher != e0.favourable_higher:
            raise PoolingRefused(f"{t0.name}'s {e0.id} and {t.name}'s {e.id} point different ways (higher is better "
                                 "in one, lower in the other): pooling needs endpoints read in the same direction.")
        for field, words in DEFINITION_FIELDS.items():
            a, b = getattr(e0.definition, field), getattr(e.definition, field)
            if a != b:
                raise PoolingRefused(
                    f"{t0.name}'s {e0.id} and {t.name}'s {e.id} differ in {words} ({_fmt(field, a)} vs "
                    f"{_fmt(field, b)}): pooling needs endpoints with the same definition.")


def estimates_from_store(ev, trials: list[str], endpoints: list[str]) -> list[StudyEstimate]:
    """Published ratios of `endpoints` (one id for every trial, or one per trial), after the guards."""
    if len(trials) < 2:
        raise OptionError("--trials", f"pooling needs at least 2 trials, got {len(trials)}")
    if len(set(trials)) != len(trials):
        raise OptionError("--trials", "each trial may be named once")
    if len(endpoints) not in (1, len(trials)):
        raise OptionError("--endpoint", f"give one endpoint id for all trials or one per trial ({len(trials)}), "
                                        f"got {len(endpoints)}")
    eps = endpoints * len(trials) if len(endpoints) == 1 else endpoints
    items = []
    for tid, eid in zip(trials, eps, strict=True):
        if tid not in ev:
            raise OptionError("--trials", f"no trial {tid!r}; known: {', '.join(ev.ids)}")
        t = ev[tid]
        try:
            items.append((t, t.endpoint(eid)))
        except KeyError:
            raise OptionError("--endpoint", f"{tid} has no endpoint {eid!r}; known: "
                                            f"{', '.join(e.id for e in t.endpoints)}") from None
    check_poolable(items)
    out, stats_seen = [], set()
    for t, e in items:
        if e.definition.analysis == "change_from_baseline":
            raise PoolingRefused(f"{t.name}'s {e.id} is a change of a continuous measure, not a ratio of events: "
                                 "pool refuses it.")
        eff = ratio_effect_of(e)
        if eff is None:
            raise PoolingRefused(f"{t.name}'s {e.id} has no published ratio, so it cannot be pooled.")
        stats_seen.add(eff.statistic)
        try:
            lik = likelihood_from_effect(eff, label=f"{t.name} {e.id}", citation=t.cite(eff.source))
        except ReanalysisError as exc:
            raise PoolingRefused(str(exc)) from None
        ratio = math.exp(lik.log_hr)
        lo = eff.ci_low if eff.statistic != "relative_reduction" else None
        hi = eff.ci_high if eff.statistic != "relative_reduction" else None
        out.append(StudyEstimate(t.name, lik.log_hr, lik.se, ratio, lo, hi, lik.note, lik.citation,
                                 lik.data_provenance, e.favourable_higher))
    if len(stats_seen) > 1:
        raise PoolingRefused(f"the effects are of different kinds ({', '.join(sorted(stats_seen))}): pooling "
                             "needs the same statistic in every study.")
    return out


# -- the model --------------------------------------------------------------------------------------------------
def _reml_tau2(y: np.ndarray, v: np.ndarray, start: float, tol: float = 1e-10, maxiter: int = 500) -> float:
    tau2 = max(0.0, start)
    for _ in range(maxiter):
        w = 1 / (v + tau2)
        W = np.diag(w)
        X = np.ones((len(y), 1))
        P = W - W @ X @ np.linalg.inv(X.T @ W @ X) @ X.T @ W
        adj = float((y @ P @ P @ y - np.trace(P)) / np.trace(P @ P))
        new = max(0.0, tau2 + adj)
        if abs(new - tau2) < tol:
            return new
        tau2 = new
    raise InputError(f"REML did not converge in {maxiter} iterations (rule: convergence); try --method dl")


class MetaAnalysis(Fitter):
    """Fixed- or random-effects pooling of log ratios (lifelines-shaped: settings here, ``fit()`` returns self).

    Fitted attributes (log scale unless named ``*_ratio``): ``mu_``, ``se_``, ``tau2_``, ``q_``, ``i2_``
    (fraction), ``k_``, ``weights_`` (percent), ``pi_`` (ratio bounds or None) and ``pi_reason_``.
    """

    def __init__(self, method: str = "dl", conf_level: float = 0.95, hartung_knapp: bool = False):
        if method not in METHODS:
            raise OptionError("--method", f"expected one of {', '.join(METHODS)}, got {method!r}")
        self.method = method
        self.conf_level = conf_level
        self.hartung_knapp = hartung_knapp

    def fit(self, estimates: list[StudyEstimate]) -> MetaAnalysis:
        if len(estimates) < 2:
            raise OptionError("estimates", f"pooling needs at least 2 studies, got {len(estimates)}")
        if len(estimates) > MAX_STUDIES:
            raise LimitError(f"estimates: {len(estimates):,} studies; the limit is {MAX_STUDIES:,} (rule: number "
                             "of studies)")
        bad = [e.study for e in estimates if not (math.isfinite(e.se) and math.isfinite(e.log_ratio) and
                                                  1e-8 <= e.se <= 100 and abs(e.log_ratio) <= 300)]
        if bad:  # beyond these, weights and exp() overflow; files are held to narrower, plausible ranges
            raise OptionError("estimates", f"{bad[0]}: the log ratio must be within +/-300 and its SE from 1e-8 to "
                                           "100 (rule: computable estimates)")
        self.estimates_ = list(estimates)
        y = np.array([e.log_ratio for e in estimates], dtype=float)
        v = np.array([e.variance for e in estimates], dtype=float)
        k = len(y)
        w = 1 / v
        mu_fe = float(np.sum(w * y) / np.sum(w))
        q = float(np.sum(w * (y - mu_fe) ** 2))
        c = float(np.sum(w) - np.sum(w ** 2) / np.sum(w))
        tau2_dl = max(0.0, (q - (k - 1)) / c)
        if self.method == "fixed":
            tau2 = 0.0
            i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
        else:
            tau2 = tau2_dl if self.method == "dl" else _reml_tau2(y, v, tau2_dl)
            s2 = (k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w ** 2))
            i2 = float(tau2 / (tau2 + s2))
        ws = 1 / (v + tau2)
        self.mu_ = float(np.sum(ws * y) / np.sum(ws))
        self.se_ = float(1 / math.sqrt(np.sum(ws)))
        self.tau2_, self.q_, self.i2_, self.k_ = float(tau2), q, i2, k
        self.q_p_ = float(stats.chi2.sf(q, k - 1))
        self.weights_ = 100 * ws / np.sum(ws)
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        self.ci_ = (math.exp(self.mu_ - z * self.se_), math.exp(self.mu_ + z * self.se_))
        if self.method == "fixed":
            self.pi_, self.pi_reason_ = None, "a prediction interval needs a random-effects model (tau² is 0 here)"
        elif k < 3:
            self.pi_, self.pi_reason_ = None, (f"with {k} studies no prediction interval can be given: its t "
                                               "distribution has k - 2 = 0 degrees of freedom (needs at least 3 "
                                               "studies)")
        else:
            half = stats.t.ppf(0.5 + self.conf_level / 2, k - 2) * math.sqrt(self.se_ ** 2 + tau2)
            self.pi_, self.pi_reason_ = (math.exp(self.mu_ - half), math.exp(self.mu_ + half)), None
        self.hk_ci_, self.hk_se_ = None, None
        if self.hartung_knapp:
            q_hk = float(np.sum(ws * (y - self.mu_) ** 2) / (k - 1))
            self.hk_se_ = math.sqrt(q_hk / float(np.sum(ws)))
            half = stats.t.ppf(0.5 + self.conf_level / 2, k - 1) * self.hk_se_
            self.hk_ci_ = (math.exp(self.mu_ - half), math.exp(self.mu_ + half))
        return self

    _fitted_attribute = "mu_"

    def _check(self) -> None:
        self._require_fit()

    @property
    def ratio_(self) -> float:
        self._check()
        return math.exp(self.mu_)

    def __repr__(self) -> str:
        if not self.fitted:
            return f"<MetaAnalysis method={self.method}: not fitted>"
        return (f"<MetaAnalysis method={self.method} k={self.k_}: pooled ratio {self.ratio_:.3f} "
                f"({self.conf_level:.0%} CI {self.ci_[0]:.3f} to {self.ci_[1]:.3f}); tau² = {self.tau2_:.4g}, "
                f"I² = {100 * self.i2_:.1f}%, Q = {self.q_:.3g}>")

    def to_frame(self) -> pd.DataFrame:
        """One row per study and a last row for the pooled estimate (ratio scale)."""
        self._check()
        rows = [{"study": e.study, "ratio": e.ratio,
                 "ci_low": math.exp(e.log_ratio - Z95 * e.se), "ci_high": math.exp(e.log_ratio + Z95 * e.se),
                 "weight_pct": float(w), "note": e.note, "source": e.source, "data_provenance": e.data_provenance}
                for e, w in zip(self.estimates_, self.weights_, strict=True)]
        rows.append({"study": f"Pooled ({self.method})", "ratio": self.ratio_, "ci_low": self.ci_[0],
                     "ci_high": self.ci_[1], "weight_pct": 100.0, "note": self.heterogeneity_text(), "source": "",
                     "data_provenance": "derived (pooled)"})
        return pd.DataFrame(rows)

    summary = property(to_frame)

    def heterogeneity_text(self) -> str:
        self._check()
        text = (f"tau² = {fmt.number(self.tau2_)}; I² = {fmt.percent(self.i2_)}; Q = {fmt.number(self.q_)} on "
                f"{self.k_ - 1} df")
        pi = (f"; 95% prediction interval {fmt.interval(*self.pi_)} (t, k - 2 df)" if self.pi_
              else f"; no prediction interval: {self.pi_reason_}")
        hk = f"; Hartung-Knapp 95% CI {fmt.interval(*self.hk_ci_)}" if self.hk_ci_ else ""
        return text + pi + hk

    def to_json(self) -> dict[str, Any]:
        self._check()
        out = {"estimate": self.ratio_, "ci_low": self.ci_[0], "ci_high": self.ci_[1], "tau2": self.tau2_,
               "i2": 100 * self.i2_, "q": self.q_, "k": self.k_, "method": self.method,
               "pi_low": self.pi_[0] if self.pi_ else None, "pi_high": self.pi_[1] if self.pi_ else None}
        if self.pi_reason_:
            out["pi_reason"] = self.pi_reason_
        out["pi_method"] = "t quantile on k - 2 df (Higgins, Thompson & Spiegelhalter 2009)"
        out["hartung_knapp"] = self.hartung_knapp
        out["hk_ci_low"] = self.hk_ci_[0] if self.hk_ci_ else None
        out["hk_ci_high"] = self.hk_ci_[1] if self.hk_ci_ else None
        if self.hartung_knapp:
            out["hk_se"] = self.hk_se_
        else:
            out["hk_reason"] = "not requested (--hk / hartung_knapp=True)"
        out["higher_is_better"] = self.estimates_[0].higher_is_better
        out["studies"] = [{"study": e.study, "estimate": e.ratio, "log_ratio": e.log_ratio, "se": e.se,
                           "weight_pct": float(w), "data_provenance": e.data_provenance}
                          for e, w in zip(self.estimates_, self.weights_, strict=True)]
        return out

    def plot(self, ax=None):
        """Forest plot of the studies and the pooled estimate (log scale); returns the Axes."""
        from msevidence.presentation.figures.weighing import pooled_forest_plot

        return pooled_forest_plot(self, ax=ax)


def pool(estimates: list[StudyEstimate], method: str = "dl", hartung_knapp: bool = False) -> MetaAnalysis:
    """Fit a :class:`MetaAnalysis` of `estimates` with `method` (``fixed``, ``dl`` or ``reml``)."""
    return MetaAnalysis(method, hartung_knapp=hartung_knapp).fit(estimates)
