"""What-if simulation: designs, operating characteristics, seeds independent of the split, Dask, bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from statsmodels.duration.hazard_regression import PHReg

from msevidence.designs import (
    ControlDistribution,
    TrialDesign,
    bootstrap,
    grid,
    operating_characteristics,
)
from msevidence.designs.operating import chunk_rng
from msevidence.errors import OptionError
from msevidence.models.survival import absolute_effect, rmst
from msevidence.models.survival.km import KaplanMeier


def _design(**kw) -> TrialDesign:
    control = ControlDistribution(np.array([48.0, 96.0, 200.0]), np.array([0.004, 0.003, 0.002]))
    base = dict(n_control=150, n_treated=300, true_hr=0.7, control=control, visit_weeks=12,
                min_follow_up_weeks=120, accrual_weeks=48, dropout_per_year=0.05, confirmation_weeks=12)
    return TrialDesign(**{**base, **kw})


def test_control_distribution_closed_form():
    c = ControlDistribution.from_risk(0.3, 120)
    assert c.survival(np.array([120.0]))[0] == pytest.approx(0.7)
    pw = ControlDistribution(np.array([10.0, 20.0]), np.array([0.1, 0.2]))
    assert pw.cumulative_hazard(np.array([5.0, 15.0, 30.0])).tolist() == pytest.approx([0.5, 2.0, 5.0])
    assert pw.event_times(np.array([0.5, 2.0, 5.0])).tolist() == pytest.approx([5.0, 15.0, 30.0])


def test_simulated_arms_follow_the_design():
    """No censoring before the horizon: KM at each visit = S0(w) in control and S0(w)^HR in treatment."""
    d = _design(n_control=20000, n_treated=20000, accrual_weeks=0, dropout_per_year=0, confirmation_weeks=0)
    t, e, x = d.simulate(chunk_rng(3, 0, 0), 1)
    for arm, power in ((~x[0], 1.0), (x[0], d.true_hr)):
        km = KaplanMeierFitter().fit(t[0][arm], e[0][arm])
        for w in (24, 60, 108):
            expected = d.control.survival(np.array([float(w)]))[0] ** power
            assert km.predict(w) == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / 20000))
    assert set(np.unique(t)) <= set(np.arange(0, 121, 12))


def test_confirmation_needs_follow_up():
    """An onset later than end - confirmation window is not an event (unconfirmed: censor)."""
    d = _design(accrual_weeks=0, dropout_per_year=0, confirmation_weeks=24)
    t, e, _ = d.simulate(chunk_rng(1, 0, 0), 50)
    assert t[e].max() <= 120 - 24 and (t[~e] == 120).all()
    d2 = d.with_(unconfirmed="event")
    t2, e2, _ = d2.simulate(chunk_rng(1, 0, 0), 50)
    assert t2[e2].max() == 120 and e2.sum() > e.sum()


def test_estimates_equal_phreg_on_simulated_trials():
    d = _design()
    t, e, x = d.simulate(chunk_rng(5, 0, 0), 30)
    from msevidence.models.survival.batched import fit_many

    r = fit_many(t, e, x)
    for i in range(30):
        fit = PHReg(t[i].astype(float), x[i][:, None].astype(float), status=e[i].astype(int), ties="efron").fit()
        assert r.log_hr[i] == pytest.approx(fit.params[0], rel=1e-8)


def test_type_i_error_at_hr_one_is_alpha_within_mc_error():
    oc = operating_characteristics(_design(true_hr=1.0), n_trials=4000, seed=11)
    assert oc.is_null and oc.n_trials == 4000
    assert abs(oc.power - 0.05) <= 3 * np.sqrt(0.05 * 0.95 / 4000)
    assert abs(oc.coverage - 0.95) <= 3 * np.sqrt(0.05 * 0.95 / oc.n_estimable)
    assert abs(oc.bias_log_hr) <= 3 * oc.bias_mc_se
    assert oc.to_dict()["type_i_error"] == oc.power


def test_power_grows_with_size_and_effect():
    g = grid(_design(), n_total=[150, 600], true_hr=[0.6, 0.9], n_trials=400, seed=3, processes=1).to_frame()
    p = g.set_index(["n_total", "true_hr"])["power"]
    assert p[(600, 0.6)] > p[(150, 0.6)] and p[(600, 0.6)] > p[(600, 0.9)]
    assert {"power", "power_mc_se", "coverage", "coverage_mc_se", "bias_log_hr", "mean_hr"} <= set(g.columns)
    assert (g["data_provenance"] == "simulated (user-given control)").all()


def test_same_seed_same_numbers_however_split():
    d = _design(n_control=60, n_treated=120)
    one = operating_characteristics(d, n_trials=2500, seed=7, processes=1)
    two = operating_characteristics(d, n_trials=2500, seed=7, processes=2)
    np.testing.assert_array_equal(one.hr_estimates, two.hr_estimates)
    assert one.power == two.power and one.coverage == two.coverage
    other = operating_characteristics(d, n_trials=2500, seed=8, processes=1)
    assert not np.array_equal(one.hr_estimates, other.hr_estimates)


def test_dask_local_cluster_equals_local():
    import distributed
    d = _design(n_control=60, n_treated=120)
    local = grid(d, n_total=[120, 240], true_hr=[0.7, 1.0], n_trials=1500, seed=5, processes=1).to_frame()
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        remote = grid(d, n_total=[120, 240], true_hr=[0.7, 1.0], n_trials=1500, seed=5, client=client).to_frame()
        by_address = operating_characteristics(d, n_trials=1500, seed=5, client=cluster.scheduler_address)
    pd.testing.assert_frame_equal(local, remote)
    assert by_address.power == operating_characteristics(d, n_trials=1500, seed=5).power


def test_bad_designs_raise_option_errors():
    with pytest.raises(OptionError, match="--hr"):
        _design(true_hr=0)
    with pytest.raises(OptionError, match="--n-trials"):
        operating_characteristics(_design(), n_trials=0)
    with pytest.raises(OptionError, match="control risk"):
        ControlDistribution.from_risk(1.5, 120)


def _events(seed=2, n=300):
    t, e, x = _design(n_control=n, n_treated=n).simulate(chunk_rng(seed, 0, 0), 1)
    return pd.DataFrame({"arm": np.where(x[0], "T", "C"), "time_weeks": t[0].astype(float),
                         "event": e[0].astype(int)})


def test_bootstrap_point_estimates_match_the_models_layer_and_are_reproducible():
    ev = _events()
    res = bootstrap(ev, "T", "C", at_week=96, tau=108, n_resamples=400, seed=4)
    km = KaplanMeier().fit(ev, arms=["T", "C"])
    ref = absolute_effect(km, 96, "T", "C")
    assert res["risk_difference"].estimate == pytest.approx(ref.difference, abs=1e-12)
    assert res["rmst_difference"].estimate == pytest.approx(rmst(ev, 108, "T", "C").difference, abs=1e-9)
    rd = res["risk_difference"]
    assert rd.ci_low < rd.estimate < rd.ci_high
    # the percentile CI is close to the Greenwood CI of the models layer
    assert rd.ci_low == pytest.approx(ref.ci_low, abs=0.03) and rd.ci_high == pytest.approx(ref.ci_high, abs=0.03)
    again = bootstrap(ev, "T", "C", at_week=96, tau=108, n_resamples=400, seed=4)
    assert again.to_dict() == res.to_dict() and res.n_resamples == 400 and res.seed == 4
    nnt = res["nnt"]
    if rd.ci_high < 0:
        assert nnt.estimable and nnt.ci_low <= nnt.estimate <= nnt.ci_high
    else:
        assert not nnt.estimable and "infinity" in nnt.reason


def test_bootstrap_rejects_bad_options():
    ev = _events()
    with pytest.raises(OptionError, match="tau"):
        bootstrap(ev, "T", "C", at_week=96, tau=10_000)
    with pytest.raises(OptionError, match="n_resamples"):
        bootstrap(ev, "T", "C", at_week=96, n_resamples=5)


def test_plots_return_axes_labelled_as_simulated():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = grid(_design(), n_total=[150, 300], true_hr=[0.7, 1.0], n_trials=100, seed=1, processes=1)
    ax = g.plot()
    assert isinstance(ax, plt.Axes) and "Simulated trials" in ax.get_title() and len(ax.get_lines()) >= 2
    oc = g.cells[0]
    ax2 = oc.plot(published=0.75)
    assert isinstance(ax2, plt.Axes) and "published estimate" in " ".join(t.get_text() for t in ax2.get_legend().texts)
    plt.close("all")
