"""Treatment-only Cox model and log-rank test for many trials at once (vectorized over trials with numpy).

For one binary covariate the partial likelihood needs only, per trial (and stratum) and distinct event time, the
numbers at risk and the events in each arm. :func:`fit_many` builds that table for every trial in one pass
(sorting once, or one ``bincount`` over a dense trial x time grid when times are on a few distinct values, as on
a visit schedule), then runs Newton-Raphson on all trials together (Efron or Breslow ties, strata summed within
a trial) and the (stratified) log-rank test. Checked against statsmodels ``PHReg`` and lifelines in the tests.

A trial without events in one arm (or without events) has no finite hazard ratio: it is reported with
``estimable`` False and a ``reason``; its estimates are NaN and never meant to be printed.

>>> import numpy as np
>>> t = np.array([[1., 2, 3, 4, 5, 6], [1, 1, 2, 2, 3, 3]]); e = np.ones_like(t, dtype=int)
>>> x = np.array([0, 1, 0, 1, 0, 1], bool)
>>> r = fit_many(t, e, np.tile(x, (2, 1)))
>>> r.n_trials, bool(r.estimable.all())
(2, True)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy import special, stats

TIES = ("efron", "breslow")
DENSE_MAX_CELLS = 20_000_000  # trial-stratum groups x distinct times up to which the dense table is used
MAX_ITER = 60
TOL = 1e-12
MAX_ABS_BETA = 30.0  # beyond this the likelihood is monotone (no finite maximum)


@dataclass(frozen=True)
class EventTable:
    """Per (trial, stratum, distinct event time) cell: numbers at risk and events per arm."""

    trial: np.ndarray  # trial index of each cell
    n1: np.ndarray  # treated at risk
    n0: np.ndarray  # control at risk
    d1: np.ndarray  # treated events
    d0: np.ndarray  # control events
    n_trials: int
    n_patients: np.ndarray  # (n_trials, 2): control, treated
    time: np.ndarray | None = None  # event time of each cell


@dataclass(frozen=True)
class BatchedCoxResult:
    """One entry per trial: the Cox hazard ratio of treated vs control and the log-rank test.

    Entries of not-estimable trials (``estimable`` False, ``reason`` says why) are NaN.
    """

    log_hr: np.ndarray
    se: np.ndarray
    hr: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_wald: np.ndarray
    loglik: np.ndarray
    loglik_null: np.ndarray
    logrank_chi2: np.ndarray
    logrank_p: np.ndarray
    n_control: np.ndarray
    n_treated: np.ndarray
    events_control: np.ndarray
    events_treated: np.ndarray
    estimable: np.ndarray
    reason: np.ndarray  # "" when estimable
    iterations: np.ndarray
    ties: str = "efron"
    conf_level: float = 0.95
    stratified: bool = False

    @property
    def n_trials(self) -> int:
        return len(self.log_hr)

    def to_frame(self) -> pd.DataFrame:
        """One row per trial."""
        cols = {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), np.ndarray)}
        return pd.DataFrame(cols).rename_axis("trial")

    def __repr__(self) -> str:
        ok = int(self.estimable.sum())
        med = f", median HR {np.median(self.hr[self.estimable]):.4g}" if ok else ""
        return (f"<BatchedCoxResult {self.n_trials} trials ({ok} estimable{med}); ties={self.ties}"
                f"{', stratified' if self.stratified else ''}>")


def _as_batches(time, event, treated, trial):
    time = np.asarray(time)
    if not np.issubdtype(time.dtype, np.integer):
        time = time.astype(float, copy=False)
    event = np.asarray(event).astype(bool)
    treated = np.asarray(treated).astype(bool)
    if time.ndim == 2:
        if trial is not None:
            raise ValueError("trial ids are implied by 2-D (trials x patients) arrays; do not pass `trial`")
        n_trials = time.shape[0]
        trial = np.repeat(np.arange(n_trials), time.shape[1])
        event = np.broadcast_to(event, time.shape).ravel()
        treated = np.broadcast_to(treated, time.shape).ravel()
        time = time.ravel()
    else:
        trial = np.zeros(time.size, np.int64) if trial is None else np.asarray(trial).ravel()
        if trial.size and (not np.issubdtype(trial.dtype, np.integer) or trial.min() < 0):
            trial = np.unique(trial, return_inverse=True)[1]
        n_trials = int(trial.max()) + 1 if trial.size else 0
    if not (time.shape == event.shape == treated.shape == trial.shape):
        raise ValueError("time, event, treated (and trial) must have the same shape")
    if time.size and time.dtype.kind == "f" and not np.isfinite(time).all():
        raise ValueError("event times must be finite")
    return time, event, treated, trial.astype(np.int64), n_trials


def _distinct(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct times and the index of each time among them (O(n) for whole-number times)."""
    if time.size:
        lo, hi = time.min(), time.max()
        integral = np.issubdtype(time.dtype, np.integer) or np.array_equal(time, np.floor(time))
        if hi - lo <= 4_000_000 and integral:
            codes = (time - lo).astype(np.int64)
            present = np.bincount(codes) > 0
            lookup = np.cumsum(present) - 1
            return float(lo) + np.flatnonzero(present).astype(float), lookup[codes]
    u, inv = np.unique(time, return_inverse=True)
    return u.astype(float), inv


def event_table(time, event, treated, trial=None, strata=None) -> EventTable:
    """Numbers at risk and events per arm at every distinct event time of every trial (and stratum).

    `time`, `event`, `treated` are 1-D with `trial` (integer ids 0..n_trials-1) or 2-D (trials x patients).
    `strata` (same shape, any labels) splits risk sets within a trial.
    """
    time, event, treated, trial, n_trials = _as_batches(time, event, treated, trial)
    if strata is not None:
        _, s = np.unique(np.asarray(strata).ravel(), return_inverse=True)
        n_s = int(s.max()) + 1 if s.size else 1
    else:
        s, n_s = np.zeros(time.size, np.int64), 1
    group = trial * n_s + s
    n_groups = n_trials * n_s
    n_patients = np.stack([np.bincount(trial, weights=~treated, minlength=n_trials),
                           np.bincount(trial, weights=treated, minlength=n_trials)], axis=1).astype(np.int64)
    uniq, inv = _distinct(time)
    if n_groups * max(len(uniq), 1) <= DENSE_MAX_CELLS:
        # dense: groups x distinct times (visit schedules: a handful of times)
        u = len(uniq)
        key = ((group * u + inv) << 1) | treated
        size = 2 * n_groups * u
        tot = np.bincount(key, minlength=size).reshape(n_groups, u, 2)
        dd = np.bincount(key[event], minlength=size).reshape(n_groups, u, 2)
        tot0, tot1, d0, d1 = tot[..., 0], tot[..., 1], dd[..., 0], dd[..., 1]
        n1 = np.cumsum(tot1[:, ::-1], axis=1)[:, ::-1]
        n0 = np.cumsum(tot0[:, ::-1], axis=1)[:, ::-1]
        keep = (d1 + d0) > 0
        g_idx, t_idx = np.nonzero(keep)
        return EventTable(g_idx // n_s, n1[keep], n0[keep], d1[keep], d0[keep], n_trials, n_patients,
                          uniq[t_idx])
    # sparse: sort by (group, time); cells are runs of equal (group, time)
    order = np.lexsort((inv, group))
    g, k, x, e = group[order], inv[order], treated[order], event[order]
    new = np.ones(g.size, bool)
    new[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
    cell = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    cg = g[starts]
    tot1, tot0 = np.bincount(cell, weights=x), np.bincount(cell, weights=~x)
    d1, d0 = np.bincount(cell, weights=e & x), np.bincount(cell, weights=e & ~x)
    # at risk = suffix sum within the group
    last = np.r_[cg[1:] != cg[:-1], True]  # last cell of each group
    group_end = np.flatnonzero(last)
    end_of = group_end[np.searchsorted(group_end, np.arange(cg.size))]
    s1 = np.r_[np.cumsum(tot1[::-1])[::-1], 0.0]
    s0 = np.r_[np.cumsum(tot0[::-1])[::-1], 0.0]
    n1, n0 = s1[:-1] - s1[end_of + 1], s0[:-1] - s0[end_of + 1]
    keep = (d1 + d0) > 0
    return EventTable(cg[keep] // n_s, n1[keep], n0[keep], d1[keep], d0[keep], n_trials, n_patients,
                      uniq[k[starts][keep]])


def _efron_rows(tab: EventTable):
    """Expanded rows for Efron's ties: one per event, with a = n1 - f*d1, b = n0 - f*d0, f = j/d."""
    d = (tab.d1 + tab.d0).astype(np.int64)
    cell = np.repeat(np.arange(d.size), d)
    first = np.cumsum(d) - d
    f = (np.arange(cell.size) - first[cell]) / d[cell]
    return tab.trial[cell], tab.n1[cell] - f * tab.d1[cell], tab.n0[cell] - f * tab.d0[cell]


def loglik_many(beta: np.ndarray, tab: EventTable, ties: str = "efron") -> np.ndarray:
    """Cox partial log-likelihood of every trial at `beta` (one value per trial)."""
    nt = tab.n_trials
    lin = np.bincount(tab.trial, weights=tab.d1, minlength=nt) * beta
    if ties == "efron":
        tr, a, b = _efron_rows(tab)
        return lin - np.bincount(tr, weights=np.log(a * np.exp(beta[tr]) + b), minlength=nt)
    s0 = tab.n1 * np.exp(beta[tab.trial]) + tab.n0
    return lin - np.bincount(tab.trial, weights=(tab.d1 + tab.d0) * np.log(s0), minlength=nt)


def trigamma(x: np.ndarray) -> np.ndarray:
    """psi'(x) for x > 0: recurrence up to x >= 12, then the asymptotic series (absolute error < 1e-14)."""
    x = np.array(x, float)
    out = np.zeros_like(x)
    small = np.flatnonzero(x < 12)
    xs = x[small]
    acc = np.zeros_like(xs)
    while xs.size and (xs < 12).any():
        m = xs < 12
        acc += np.where(m, 1 / xs**2, 0.0)
        xs = np.where(m, xs + 1, xs)
    x[small] = xs
    out[small] = acc
    z = 1 / x
    z2 = z * z
    series = z + z2 / 2 + z * z2 * (1 / 6 - z2 * (1 / 30 - z2 * (1 / 42 - z2 * (1 / 30 - z2 * 5 / 66))))
    return out + series


def _score_info(beta: np.ndarray, tab: EventTable, ties: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-trial score and information at `beta`.

    Efron's sum over the d tied events of a cell, p_j = (A - f c1)/(B - f c) with f = j/d, is in closed form:
    p_j = c1/c + K/(B - f c), and the sums of 1/(B - f c) and its square are digamma/trigamma differences.
    """
    d = tab.d1 + tab.d0
    r = np.exp(beta[tab.trial])
    big_a = tab.n1 * r
    big_b = big_a + tab.n0
    p = big_a / big_b
    if ties == "breslow":
        sp, spq = d * p, d * p * (1 - p)
    else:
        sp, spq = p.copy(), p * (1 - p)  # d == 1: Efron is Breslow
        m = d > 1
        dm, c1 = d[m], tab.d1[m] * r[m]
        c = c1 + tab.d0[m]
        x = big_b[m] * dm / c
        k = big_a[m] - big_b[m] * c1 / c
        s1 = dm / c * (special.digamma(x + 1) - special.digamma(x - dm + 1))
        s2 = (dm / c) ** 2 * (trigamma(x - dm + 1) - trigamma(x + 1))
        g = c1 / c
        sum_p = dm * g + k * s1
        sp[m] = sum_p
        spq[m] = sum_p - (dm * g * g + 2 * g * k * s1 + k * k * s2)
    nt = tab.n_trials
    score = np.bincount(tab.trial, weights=tab.d1 - sp, minlength=nt)
    info = np.bincount(tab.trial, weights=spq, minlength=nt)
    return score, info


def cox_many(tab: EventTable, ties: str = "efron") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Newton-Raphson for every trial of `tab`: beta, information at beta, converged, iterations.

    For one binary covariate the log-likelihood is concave in beta; steps are capped at 1 (log scale).
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES}, not {ties!r}")
    nt = tab.n_trials
    beta = np.zeros(nt)
    score, info = _score_info(beta, tab, ties)
    active = np.ones(nt, bool)
    iters = np.zeros(nt, np.int64)
    converged = np.zeros(nt, bool)
    for _ in range(MAX_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(info[idx] > 0, score[idx] / info[idx], 0.0)
        step = np.clip(step, -1.0, 1.0)
        beta[idx] += step
        iters[idx] += 1
        done = np.abs(step) < TOL * np.maximum(1.0, np.abs(beta[idx]))
        converged[idx[done]] = True
        active[idx[done | (np.abs(beta[idx]) >= MAX_ABS_BETA) | (info[idx] <= 0)]] = False
        if idx.size < nt // 4:  # few trials left: recompute on their cells only
            sub = _subset(tab, active)
            sc, inf = _score_info(beta[active], sub, ties)
            score[active], info[active] = sc, inf
        else:
            score, info = _score_info(beta, tab, ties)
    return beta, info, converged, iters


def _subset(tab: EventTable, keep: np.ndarray) -> EventTable:
    """The cells of the trials in `keep` (bool per trial), renumbered 0..k-1."""
    new_id = np.cumsum(keep) - 1
    m = keep[tab.trial]
    return EventTable(new_id[tab.trial[m]], tab.n1[m], tab.n0[m], tab.d1[m], tab.d0[m], int(keep.sum()),
                      tab.n_patients[keep])


def logrank_many(tab: EventTable) -> tuple[np.ndarray, np.ndarray]:
    """(Stratified) log-rank chi-square (1 df) per trial and its variance (0 when not testable)."""
    nt = tab.n_trials
    n = tab.n1 + tab.n0
    d = tab.d1 + tab.d0
    u = np.bincount(tab.trial, weights=tab.d1 - d * tab.n1 / n, minlength=nt)
    with np.errstate(divide="ignore", invalid="ignore"):
        v_cell = np.where(n > 1, d * tab.n1 * tab.n0 * (n - d) / (n**2 * (n - 1)), 0.0)
    v = np.bincount(tab.trial, weights=v_cell, minlength=nt)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(v > 0, u**2 / v, np.nan)
    return chi2, v


def fit_many(time, event, treated, trial=None, strata=None, *, ties: str = "efron",
             conf_level: float = 0.95, loglik: bool = True) -> BatchedCoxResult:
    """Cox hazard ratio (treated vs control, Wald CI and p) and log-rank test for every trial at once.

    Arrays are 2-D (trials x patients) or 1-D with integer `trial` ids 0..n_trials-1; `strata` (same shape,
    any labels) stratifies both the Cox model and the log-rank test within each trial.
    """
    tab = event_table(time, event, treated, trial, strata)
    return fit_table(tab, ties=ties, conf_level=conf_level, stratified=strata is not None, loglik=loglik)


def fit_table(tab: EventTable, *, ties: str = "efron", conf_level: float = 0.95, stratified: bool = False,
              loglik: bool = True) -> BatchedCoxResult:
    """:func:`fit_many` on an :class:`EventTable` already built (`loglik` False skips the log-likelihoods)."""
    nt = tab.n_trials
    beta, info, converged, iters = cox_many(tab, ties)
    e1 = np.bincount(tab.trial, weights=tab.d1, minlength=nt).astype(np.int64)
    e0 = np.bincount(tab.trial, weights=tab.d0, minlength=nt).astype(np.int64)
    reason = np.full(nt, "", dtype=object)
    reason[~converged] = "the Cox model did not converge (monotone likelihood: no finite hazard ratio)"
    reason[info <= 0] = "no information on the treatment effect (no event time with both arms at risk)"
    reason[(tab.n_patients[:, 0] == 0) | (tab.n_patients[:, 1] == 0)] = "an arm has no patients"
    reason[(e1 == 0) ^ (e0 == 0)] = "no events in one arm: the hazard ratio is 0 or infinite (not estimable)"
    reason[(e1 == 0) & (e0 == 0)] = "no events in either arm"
    ok = reason == ""
    nan = np.full(nt, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(ok, 1 / np.sqrt(info), np.nan)
    b = np.where(ok, beta, np.nan)
    z = special.ndtri(0.5 + conf_level / 2)
    chi2, v = logrank_many(tab)
    chi2 = np.where(v > 0, chi2, nan)
    return BatchedCoxResult(
        log_hr=b, se=se, hr=np.exp(b), ci_low=np.exp(b - z * se), ci_high=np.exp(b + z * se),
        p_wald=np.where(ok, 2 * stats.norm.sf(np.abs(b / se)), np.nan),
        loglik=np.where(ok, loglik_many(np.where(ok, beta, 0.0), tab, ties), np.nan) if loglik else nan,
        loglik_null=loglik_many(np.zeros(nt), tab, ties) if loglik else nan,
        logrank_chi2=chi2, logrank_p=np.where(v > 0, stats.chi2.sf(chi2, 1), np.nan),
        n_control=tab.n_patients[:, 0], n_treated=tab.n_patients[:, 1], events_control=e0, events_treated=e1,
        estimable=ok, reason=reason.astype(str), iterations=iters, ties=ties, conf_level=conf_level,
        stratified=stratified)


def km_survival_many(time, event, trial=None, *, at: float, n_trials: int | None = None) -> np.ndarray:
    """Kaplan-Meier survival S(`at`) of every trial (events at `at` included), as ``km_table`` per trial.

    Pass one arm's rows; `trial` ids as in :func:`fit_many` (or 2-D arrays). Trials without rows give NaN.
    """
    time, event, _, trial, nt = _as_batches(time, event, np.zeros(np.shape(time), bool), trial)
    nt = nt if n_trials is None else n_trials
    tab = event_table(time, event, np.zeros(time.size, bool), trial)
    keep = tab.time <= at + 1e-9
    with np.errstate(divide="ignore"):
        log_s = np.bincount(tab.trial[keep], weights=np.log1p(-tab.d0[keep] / tab.n0[keep]), minlength=nt)
    has = np.bincount(trial, minlength=nt) > 0
    return np.where(has[:nt], np.exp(log_s[:nt]), np.nan)


def rmst_many(time, event, trial=None, *, tau: float, n_trials: int | None = None) -> np.ndarray:
    """Restricted mean survival time to `tau` (area under the Kaplan-Meier curve) of every trial, as
    ``rmst_arm`` per trial; the curve is held flat beyond a trial's last event. Trials without rows give NaN."""
    time, event, _, trial, nt = _as_batches(time, event, np.zeros(np.shape(time), bool), trial)
    nt = nt if n_trials is None else n_trials
    tab = event_table(time, event, np.zeros(time.size, bool), trial)
    keep = tab.time <= tau
    tr, t = tab.trial[keep], tab.time[keep]
    step = np.log(np.maximum(1 - tab.d0[keep] / tab.n0[keep], 1e-300))
    cum = np.cumsum(step)
    first = np.r_[True, tr[1:] != tr[:-1]]
    offset = np.maximum.accumulate(np.where(first, np.arange(tr.size), 0))  # index of the trial's first cell
    surv = np.exp(cum - (cum[offset] - step[offset]))  # S just after each event time, within the trial
    nxt = np.r_[t[1:], tau]
    last = np.r_[tr[1:] != tr[:-1], True]
    width = np.where(last, tau, nxt) - t
    area = np.full(nt, float(tau))
    start = np.flatnonzero(first)
    area[tr[start]] = t[start]  # S = 1 before the first event
    area += np.bincount(tr, weights=surv * width, minlength=nt)[:nt]
    has = np.bincount(trial, minlength=nt) > 0
    return np.where(has[:nt], area, np.nan)
