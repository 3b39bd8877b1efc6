"""The batched treatment-only Cox / log-rank engine against statsmodels PHReg, lifelines and msevidence's km."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test as ll_logrank
from statsmodels.duration.hazard_regression import PHReg

from msevidence.models.survival import batched
from msevidence.models.survival.batched import event_table, fit_many, trigamma
from msevidence.models.survival.km import logrank_test


def _trials(seed: int, n_trials: int, n: int, scale: float, grid: float | None = 12.0, strata: int = 0):
    """Trials x patients arrays: exponential onsets (HR 0.7), uniform follow-up, optional visit grid."""
    rng = np.random.default_rng(seed)
    x = np.tile(np.repeat([False, True], [n // 3, n - n // 3]), (n_trials, 1))
    lat = rng.exponential(scale, (n_trials, n)) / np.where(x, 0.7, 1.0)
    fu = rng.uniform(48, 150, (n_trials, n))
    t = np.minimum(lat, fu)
    if grid:
        t = np.ceil(t / grid) * grid
    s = rng.integers(0, strata, (n_trials, n)) if strata else None
    return t, lat <= fu, x, s


CASES = {
    "visit grid (heavy ties)": dict(seed=1, n_trials=25, n=240, scale=150),
    "few events": dict(seed=2, n_trials=30, n=60, scale=1200),
    "continuous times": dict(seed=3, n_trials=10, n=200, scale=200, grid=None),
    "strata on the grid": dict(seed=4, n_trials=20, n=300, scale=200, strata=3),
    "strata, few events": dict(seed=5, n_trials=20, n=90, scale=1500, strata=2),
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_phreg_on_every_trial(case, ties):
    t, e, x, s = _trials(**CASES[case])
    r = fit_many(t, e, x, strata=s, ties=ties)
    checked = 0
    for i in range(t.shape[0]):
        if not r.estimable[i]:
            assert e[i][x[i]].sum() == 0 or e[i][~x[i]].sum() == 0
            continue
        model = PHReg(t[i], x[i][:, None].astype(float), status=e[i].astype(int), ties=ties,
                      strata=None if s is None else s[i])
        fit = model.fit()
        assert r.log_hr[i] == pytest.approx(fit.params[0], rel=1e-8, abs=1e-12)
        assert r.se[i] == pytest.approx(fit.bse[0], rel=1e-8)
        assert r.loglik[i] == pytest.approx(fit.llf, rel=1e-10)
        assert r.loglik_null[i] == pytest.approx(model.loglike(np.zeros(1)), rel=1e-10)
        checked += 1
    assert checked >= t.shape[0] // 3
    assert np.all(np.isfinite(r.hr[r.estimable]))


def test_few_events_case_really_has_few_events():
    t, e, x, _ = _trials(**CASES["few events"])
    assert np.median(e.sum(1)) <= 8


def test_sparse_path_equals_dense(monkeypatch):
    t, e, x, s = _trials(**CASES["strata on the grid"])
    dense = fit_many(t, e, x, strata=s)
    monkeypatch.setattr(batched, "DENSE_MAX_CELLS", 0)
    sparse = fit_many(t, e, x, strata=s)
    np.testing.assert_allclose(sparse.log_hr, dense.log_hr, rtol=1e-12)
    np.testing.assert_allclose(sparse.logrank_chi2, dense.logrank_chi2, rtol=1e-12)


def test_one_d_input_with_trial_ids_equals_two_d():
    t, e, x, _ = _trials(**CASES["visit grid (heavy ties)"])
    two = fit_many(t, e, x)
    trial = np.repeat(np.arange(t.shape[0]), t.shape[1])
    perm = np.random.default_rng(0).permutation(t.size)
    one = fit_many(t.ravel()[perm], e.ravel()[perm], x.ravel()[perm], trial=trial[perm])
    np.testing.assert_allclose(one.log_hr, two.log_hr, rtol=1e-12)


@pytest.mark.parametrize("case", ["visit grid (heavy ties)", "few events", "continuous times"])
def test_logrank_agrees_with_lifelines_and_km(case):
    t, e, x, _ = _trials(**CASES[case])
    r = fit_many(t, e, x)
    for i in range(t.shape[0]):
        if e[i].sum() == 0:
            assert not np.isfinite(r.logrank_chi2[i])
            continue
        ref = ll_logrank(t[i][x[i]], t[i][~x[i]], e[i][x[i]], e[i][~x[i]])
        assert r.logrank_chi2[i] == pytest.approx(ref.test_statistic, rel=1e-9)
        assert r.logrank_p[i] == pytest.approx(ref.p_value, rel=1e-8, abs=1e-300)


def test_stratified_logrank_agrees_with_km_logrank_test():
    t, e, x, s = _trials(**CASES["strata on the grid"])
    r = fit_many(t, e, x, strata=s)
    for i in range(5):
        df = pd.DataFrame({"arm": np.where(x[i], "T", "C"), "time_weeks": t[i], "event": e[i].astype(int),
                           "site": s[i]})
        ref = logrank_test(df, strata=["site"], arms=["T", "C"])
        assert r.logrank_chi2[i] == pytest.approx(ref.chi2, rel=1e-10)


def test_zero_event_arms_and_no_events_are_not_estimable():
    t, e, x, _ = _trials(**CASES["visit grid (heavy ties)"])
    e = e.copy()
    e[0, x[0]] = False  # no treated events
    e[1, ~x[1]] = False  # no control events
    e[2] = False  # no events at all
    r = fit_many(t, e, x)
    assert not r.estimable[:3].any() and r.estimable[3:].all()
    assert "no events in one arm" in r.reason[0] and "no events in one arm" in r.reason[1]
    assert "no events in either arm" in r.reason[2]
    assert np.isnan(r.hr[:3]).all() and np.isnan(r.se[:3]).all()
    assert np.isfinite(r.logrank_chi2[:2]).all() and np.isnan(r.logrank_chi2[2])
    assert (r.reason[3:] == "").all()
    frame = r.to_frame()
    assert list(frame["estimable"][:4]) == [False, False, False, True]


def test_event_table_counts_at_risk_by_hand():
    # trial 0: times 1(T,event) 2(C,event) 2(T,event) 3(C,censored); trial 1: 5(C,event) 5(T,censored)
    t = np.array([1.0, 2, 2, 3, 5, 5])
    e = np.array([1, 1, 1, 0, 1, 0], bool)
    x = np.array([1, 0, 1, 0, 0, 1], bool)
    tab = event_table(t, e, x, trial=np.array([0, 0, 0, 0, 1, 1]))
    assert tab.trial.tolist() == [0, 0, 1]
    assert tab.time.tolist() == [1, 2, 5]
    assert tab.n1.tolist() == [2, 1, 1] and tab.n0.tolist() == [2, 2, 1]
    assert tab.d1.tolist() == [1, 1, 0] and tab.d0.tolist() == [0, 1, 1]


def test_trigamma_matches_scipy():
    from scipy import special

    x = np.r_[np.linspace(0.05, 40, 2000), np.logspace(1, 7, 200)]
    np.testing.assert_allclose(trigamma(x), special.polygamma(1, x), rtol=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_coxph_through_the_engine_equals_phreg(ties):
    from msevidence.models.survival import CoxPH

    t, e, x, s = _trials(**CASES["strata on the grid"])
    df = pd.DataFrame({"arm": np.where(x[0], "T", "C"), "time_weeks": t[0], "event": e[0].astype(int),
                       "site": s[0]})
    for strata in (None, ["site"]):
        res = CoxPH(ties=ties).fit(df, "T", "C", strata=strata).result_
        model = PHReg(t[0], x[0][:, None].astype(float), status=e[0].astype(int), ties=ties,
                      strata=None if strata is None else s[0].astype(str))
        fit = model.fit()
        assert res.log_hr == pytest.approx(fit.params[0], rel=1e-8)
        assert res.se == pytest.approx(fit.bse[0], rel=1e-8)
        lr = 2 * (fit.llf - model.loglike(np.zeros(1)))
        assert res.lr_chi2 == pytest.approx(lr, rel=1e-7)


def test_km_survival_many_matches_lifelines_and_km_table():
    from lifelines import KaplanMeierFitter

    from msevidence.models.survival import km_table
    from msevidence.models.survival.batched import km_survival_many

    t, e, x, _ = _trials(**CASES["visit grid (heavy ties)"])
    for week in (24, 96, 100):
        got = km_survival_many(t, e, at=week)
        for i in range(5):
            ref = KaplanMeierFitter().fit(t[i], e[i]).predict(week)
            assert got[i] == pytest.approx(ref, abs=1e-12)
            kt = km_table(t[i], e[i])
            assert got[i] == pytest.approx(kt.loc[kt["time"] <= week, "survival"].iloc[-1], abs=1e-12)
    assert np.isnan(km_survival_many(np.array([1.0]), np.array([1]), np.array([0]), at=5, n_trials=2)[1])


def test_rmst_many_matches_rmst_arm_and_lifelines():
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    from msevidence.models.survival import rmst_arm
    from msevidence.models.survival.batched import rmst_many

    for case in ("visit grid (heavy ties)", "continuous times", "few events"):
        t, e, x, _ = _trials(**CASES[case])
        tau = 90.0
        got = rmst_many(t, e, tau=tau)
        for i in range(4):
            assert got[i] == pytest.approx(rmst_arm(t[i], e[i], tau).estimate, rel=1e-12)
            ref = restricted_mean_survival_time(KaplanMeierFitter().fit(t[i], e[i]), t=tau)
            assert got[i] == pytest.approx(ref, rel=1e-9)
