"""msevidence.survival: each estimate checked against an independent computation (hand, lifelines, statsmodels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, ExponentialFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test as ll_logrank
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg

from msevidence.data.events import EventsTableError, read_events, select_endpoint
from msevidence.data.tables import infer_arms
from msevidence.models.survival import (
    CoxPH,
    KaplanMeier,
    ParametricSurvival,
    TauError,
    absolute_effect,
    absolute_from_hr,
    analyze,
    logrank_test,
    rmst,
)

# Tiny dataset, worked by hand below. OCR: 12e 24c 24e 36e 48c; PBO: 12e 12e 24e 36c 48e.
TINY = pd.DataFrame({
    "patient_id": range(10),
    "arm": ["OCR"] * 5 + ["PBO"] * 5,
    "endpoint": "CDP12",
    "time_weeks": [12, 24, 24, 36, 48, 12, 12, 24, 36, 48],
    "event": [1, 0, 1, 1, 0, 1, 1, 1, 0, 1],
})


def grid_events(n: int = 400, seed: int = 3, hr: float = 0.7, strata: bool = False) -> pd.DataFrame:
    """Synthetic trial with times on the 12-week visit grid (heavy ties)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, n)
    region = rng.choice(["EU", "US", "ROW"], n)
    base = np.where(region == "US", 1.4, 1.0) if strata else 1.0
    t_true = rng.weibull(1.2, n) * 200 / (base * np.where(x == 1, hr, 1.0)) ** (1 / 1.2)
    t = np.ceil(t_true / 12) * 12
    cens = rng.choice([96, 120, 144, 168], n) + rng.integers(0, 6, n)
    event = (t <= cens).astype(int)
    return pd.DataFrame({"patient_id": [f"P{i:04d}" for i in range(n)], "arm": np.where(x == 1, "OCR", "PBO"),
                         "endpoint": "CDP12", "time_weeks": np.where(event == 1, t, cens).astype(float),
                         "event": event, "region": region, "age_group": rng.choice(["<45", ">=45"], n)})


# ---------------------------------------------------------------- events table
class TestEvents:
    @pytest.mark.parametrize(("change", "column", "rule"), [
        (lambda d: d.assign(time_weeks=d["time_weeks"].where(d.index != 3, -12)), "time_weeks", "negative"),
        (lambda d: d.assign(event=d["event"].where(d.index != 2, 2)), "event", r"0 \(censored\) or 1 \(event\); row 2 has 2$"),
        (lambda d: d.assign(time_weeks=d["time_weeks"].astype(object).where(d.index != 1, "soon")),
         "time_weeks", "finite number"),
        (lambda d: d.drop(columns="event"), None, "missing required column"),
        (lambda d: d.assign(patient_id=0), "patient_id", "appears twice"),
    ])
    def test_rules(self, change, column, rule):
        with pytest.raises(EventsTableError, match=rule) as info:
            read_events(change(TINY))
        assert info.value.column == column
        if column:
            assert f"column '{column}'" in str(info.value)

    def test_endpoint_rules(self):
        ev = read_events(TINY)
        with pytest.raises(EventsTableError, match="unknown endpoint 'CDP24'"):
            select_endpoint(ev, "CDP24")
        with pytest.raises(EventsTableError, match="one arm only"):
            select_endpoint(ev[ev["arm"] == "OCR"], "CDP12")
        with pytest.raises(EventsTableError, match="no events"):
            select_endpoint(ev.assign(event=0), "CDP12")
        with pytest.raises(EventsTableError, match="stratum column 'region'"):
            select_endpoint(ev, "CDP12", strata=["region"])

    def test_files(self, tmp_path):
        TINY.to_csv(tmp_path / "e.csv", index=False)
        TINY.to_parquet(tmp_path / "e.parquet")
        pd.testing.assert_frame_equal(read_events(tmp_path / "e.csv"), read_events(tmp_path / "e.parquet"))
        with pytest.raises(EventsTableError, match="e.txt.*unsupported file type"):
            (tmp_path / "e.txt").write_text("x")
            read_events(tmp_path / "e.txt")
        with pytest.raises(EventsTableError, match="not found"):
            read_events(tmp_path / "nope.csv")

    def test_infer_arms(self):
        assert infer_arms(["Placebo", "Ocrelizumab"]) == ("Ocrelizumab", "Placebo")
        assert infer_arms(["A", "B"], treatment="B") == ("B", "A")
        with pytest.raises(EventsTableError, match="--treatment and --control"):
            infer_arms(["A", "B"])
        with pytest.raises(EventsTableError, match="3 arms"):
            infer_arms(["OCR", "PBO", "IFN"])
        with pytest.raises(EventsTableError, match="'X' not found"):
            infer_arms(["OCR", "PBO"], treatment="X")


# ---------------------------------------------------------------- Kaplan-Meier and log-rank
def test_km_by_hand():
    km = KaplanMeier().fit(TINY)
    ocr = km.curves_["OCR"].set_index("time")
    # S: 4/5, then ×3/4, then ×1/2; Greenwood Σ d/(n(n−d)) = 1/20, +1/12, +1/2
    np.testing.assert_allclose(ocr["survival"], [0.8, 0.6, 0.3, 0.3], atol=1e-12)
    np.testing.assert_array_equal(ocr["n_risk"], [5, 4, 2, 1])
    g36 = 1 / 20 + 1 / 12 + 1 / 2
    assert ocr.loc[36, "se"] == pytest.approx(0.3 * np.sqrt(g36), abs=1e-12)
    # R survfit default conf.type = "log": S·exp(±1.959964·sqrt(g))
    assert ocr.loc[36, "ci_low"] == pytest.approx(0.3 * np.exp(-1.959963985 * np.sqrt(g36)), abs=1e-8)
    assert ocr.loc[24, "ci_high"] == pytest.approx(min(1, 0.6 * np.exp(1.959963985 * np.sqrt(1 / 20 + 1 / 12))), abs=1e-8)
    pbo = km.curves_["PBO"]
    np.testing.assert_allclose(pbo["survival"], [0.6, 0.4, 0.4, 0.0], atol=1e-12)
    # medians: OCR first S ≤ 0.5 at 36; PBO at 24
    med = km.median().set_index("arm")["time"]
    assert (med["OCR"], med["PBO"]) == (36, 24)
    s = km.survival_at([0, 11.9, 24, 30, 48, 60]).set_index(["arm", "week"])["survival"]
    assert s["OCR"].tolist()[:5] == pytest.approx([1, 1, 0.6, 0.6, 0.3])
    assert np.isnan(s[("OCR", 60.0)])  # beyond follow-up: no extrapolation
    rt = km.risk_table([0, 24, 48]).set_index(["arm", "week"])
    assert rt.loc[("OCR", 24.0)].tolist() == [4, 2, 1]  # at risk (t ≥ 24), events ≤ 24, censored ≤ 24
    assert rt.loc[("PBO", 48.0)].tolist() == [1, 4, 1]


def test_km_median_exactly_half_is_midpoint():
    # R quantile.survfit: a curve sitting exactly on 0.5 gives the midpoint to the next drop
    ev = pd.DataFrame({"arm": "A", "time_weeks": [12, 24, 36, 48], "event": [1, 1, 1, 1]})
    assert KaplanMeier().fit(ev).median()["time"].iloc[0] == pytest.approx(30.0)


def test_km_matches_lifelines_on_grid_data():
    ev = grid_events()
    km = KaplanMeier(conf_type="log-log").fit(ev)
    for arm, sub in ev.groupby("arm"):
        ref = KaplanMeierFitter().fit(sub["time_weeks"], sub["event"])
        ours = km.curves_[arm].set_index("time")
        ref_s = ref.survival_function_.iloc[1:, 0]  # lifelines adds t=0
        np.testing.assert_allclose(ours["survival"], ref_s.loc[ours.index], atol=1e-12)
        ci = ref.confidence_interval_.iloc[1:]  # lifelines uses the log-log ("exponential Greenwood") CI
        np.testing.assert_allclose(ours["ci_low"], ci.iloc[:, 0].loc[ours.index], atol=1e-8)
        assert km.median().set_index("arm").loc[arm, "time"] == ref.median_survival_time_


def test_logrank_by_hand_and_vs_lifelines():
    res = logrank_test(TINY, arms=["OCR", "PBO"])
    # event times 12, 24, 36, 48: E_OCR = 5·3/10 + 4·2/7 + 2·1/4 + 1·1/2; O_OCR = 3
    e = 1.5 + 8 / 7 + 0.5 + 0.5
    v = (3 * 7 / (100 * 9)) * 25 + (2 * 5 / (49 * 6)) * 12 + (1 * 3 / (16 * 3)) * 4 + (1 * 1 / (4 * 1)) * 1
    assert res.observed["OCR"] == 3 and res.expected["OCR"] == pytest.approx(e, abs=1e-12)
    assert res.chi2 == pytest.approx((3 - e) ** 2 / v, abs=1e-12)
    assert res.p == pytest.approx(stats.chi2.sf((3 - e) ** 2 / v, 1), abs=1e-12)
    ev = grid_events()
    a, b = ev[ev["arm"] == "OCR"], ev[ev["arm"] == "PBO"]
    ref = ll_logrank(a["time_weeks"], b["time_weeks"], a["event"], b["event"])
    ours = logrank_test(ev)
    assert ours.chi2 == pytest.approx(ref.test_statistic, abs=1e-9)
    assert ours.p == pytest.approx(ref.p_value, abs=1e-12)


def test_stratified_logrank_is_sum_over_strata():
    ev = grid_events(strata=True)
    res = logrank_test(ev, strata=["region"])
    oe = var = 0.0
    for _, sub in ev.groupby("region"):  # independent: per-stratum survdiff pieces via statsmodels
        from statsmodels.duration.survfunc import survdiff
        chi2, _ = survdiff(sub["time_weeks"], sub["event"], (sub["arm"] == "OCR").astype(int))
        one = logrank_test(sub, arms=["OCR", "PBO"])
        assert one.chi2 == pytest.approx(chi2, abs=1e-9)
        oe += one.observed["OCR"] - one.expected["OCR"]
        var += (one.observed["OCR"] - one.expected["OCR"]) ** 2 / one.chi2
    assert res.chi2 == pytest.approx(oe**2 / var, abs=1e-9)
    from statsmodels.duration.survfunc import survdiff
    chi2, p = survdiff(ev["time_weeks"], ev["event"], (ev["arm"] == "OCR").astype(int), strata=ev["region"])
    assert res.chi2 == pytest.approx(chi2, abs=1e-9) and res.p == pytest.approx(p, abs=1e-12)


# ---------------------------------------------------------------- Cox
def lifelines_cox(ev, strata=None):
    df = pd.DataFrame({"T": ev["time_weeks"], "E": ev["event"], "x": (ev["arm"] == "OCR").astype(float)})
    for s in strata or []:
        df[s] = ev[s]
    return CoxPHFitter().fit(df, "T", "E", strata=strata, fit_options={"precision": 1e-14, "r_precision": 1e-16, "max_steps": 500})


@pytest.mark.parametrize("strata", [None, ["region", "age_group"]])
@pytest.mark.parametrize("seed", [3, 11])
def test_cox_efron_matches_lifelines_with_heavy_ties(seed, strata):
    ev = grid_events(seed=seed, strata=bool(strata))
    assert ev.duplicated("time_weeks").mean() > 0.9  # the 12-week grid: heavy ties
    ours = CoxPH().fit(ev, "OCR", "PBO", strata=strata).result_
    ref = lifelines_cox(ev, strata)
    row = ref.summary.loc["x"]
    assert ours.log_hr == pytest.approx(row["coef"], abs=1e-8)
    assert ours.se == pytest.approx(row["se(coef)"], abs=1e-8)
    assert ours.hr == pytest.approx(row["exp(coef)"], abs=1e-8)
    assert ours.ci_low == pytest.approx(row["exp(coef) lower 95%"], abs=1e-8)
    assert ours.ci_high == pytest.approx(row["exp(coef) upper 95%"], abs=1e-8)
    assert ours.p == pytest.approx(row["p"], abs=1e-8)
    lr = ref.log_likelihood_ratio_test()
    assert ours.lr_chi2 == pytest.approx(lr.test_statistic, abs=1e-7)
    assert ours.p_lr == pytest.approx(lr.p_value, abs=1e-8)


def breslow_newton(time, event, x):
    """Hand Newton-Raphson on the Breslow partial likelihood (one covariate)."""
    beta = 0.0
    for _ in range(50):
        u = info = ll = 0.0
        for t in np.unique(time[event == 1]):
            risk, dead = time >= t, (time == t) & (event == 1)
            w = np.exp(beta * x[risk])
            s0, s1, s2 = w.sum(), (w * x[risk]).sum(), (w * x[risk] ** 2).sum()
            d = dead.sum()
            u += x[dead].sum() - d * s1 / s0
            info += d * (s2 / s0 - (s1 / s0) ** 2)
            ll += beta * x[dead].sum() - d * np.log(s0)
        beta += u / info
    return beta, 1 / np.sqrt(info), ll


def test_cox_breslow_by_hand_newton():
    ev = pd.concat([TINY, TINY.assign(patient_id=TINY["patient_id"] + 10,
                                      time_weeks=TINY["time_weeks"] + [12, 0, 12, 0, 0, 0, 12, 12, 0, 0])])
    x = (ev["arm"] == "OCR").to_numpy(float)
    beta, se, _ = breslow_newton(ev["time_weeks"].to_numpy(float), ev["event"].to_numpy(), x)
    ours = CoxPH(ties="breslow").fit(ev, "OCR", "PBO").result_
    assert ours.log_hr == pytest.approx(beta, abs=1e-9)
    assert ours.se == pytest.approx(se, abs=1e-9)
    # Efron and Breslow differ when there are ties
    assert abs(CoxPH().fit(ev, "OCR", "PBO").result_.log_hr - beta) > 1e-3


def test_cox_breslow_heavy_ties_by_hand_newton():
    ev = grid_events(n=150)
    x = (ev["arm"] == "OCR").to_numpy(float)
    beta, se, ll = breslow_newton(ev["time_weeks"].to_numpy(float), ev["event"].to_numpy(), x)
    ours = CoxPH(ties="breslow").fit(ev, "OCR", "PBO").result_
    assert (ours.log_hr, ours.se, ours.loglik) == pytest.approx((beta, se, ll), abs=1e-9)


# ---------------------------------------------------------------- PH test
def zph_by_counting_process(ev, beta, ties="efron", transform="km", strata=None):
    """Independent cox.zph score test: split follow-up at event times, add x·g(t), use PHReg's score/Hessian."""
    time, event = ev["time_weeks"].to_numpy(float), ev["event"].to_numpy()
    x = (ev["arm"] == "OCR").to_numpy(float)
    t_ev = np.unique(time[event == 1])
    if transform == "km":
        kmf = KaplanMeierFitter().fit(time, event)
        left = np.array([kmf.survival_function_.iloc[:, 0][kmf.survival_function_.index < t].iloc[-1] for t in t_ev])
        g_ev = 1 - left
    else:
        g_ev = t_ev.copy()
    n_dead = np.array([((time == t) & (event == 1)).sum() for t in t_ev])
    g_ev = g_ev - (g_ev * n_dead).sum() / n_dead.sum()
    g_of = dict(zip(t_ev, g_ev, strict=True))
    rows = []
    for i in range(len(time)):
        cuts = [0.0, *t_ev[t_ev < time[i]], time[i]]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            rows.append((a, b, int(event[i] and b == time[i]), x[i], x[i] * g_of.get(b, 0.0),
                         ev[strata].iloc[i] if strata else 0))
    cp = pd.DataFrame(rows, columns=["start", "stop", "e", "x", "xg", "s"])
    # statsmodels counts a row as at risk at its entry time; R's (start, stop] excludes it: nudge entry
    entry = cp["start"] + 1e-6 * (cp["start"] > 0)
    m = PHReg(cp["stop"], cp[["x", "xg"]].to_numpy(), status=cp["e"], entry=entry, ties=ties,
              strata=cp["s"] if strata else None)
    u = m.score(np.array([beta, 0.0]))
    info = -m.hessian(np.array([beta, 0.0]))
    return float(u @ np.linalg.solve(info, u))


@pytest.mark.parametrize(("ties", "transform", "strata"),
                         [("efron", "km", None), ("breslow", "identity", None), ("efron", "identity", "region")])
def test_ph_test_matches_counting_process_score_test(ties, transform, strata):
    ev = grid_events(n=120, seed=5, strata=bool(strata))
    cox = CoxPH(ties=ties).fit(ev, "OCR", "PBO", strata=[strata] if strata else None)
    res = cox.ph_test(transform=transform)
    ref = zph_by_counting_process(ev, cox.params_, ties=ties, transform=transform, strata=strata)
    assert res.chi2 == pytest.approx(ref, rel=1e-8)
    assert len(res.residuals) == ev["event"].sum()


def test_ph_test_flags_crossing_hazards():
    rng = np.random.default_rng(2)
    n = 600
    x = rng.integers(0, 2, n)
    t = np.where(x == 1, rng.weibull(3.0, n) * 120, rng.weibull(0.7, n) * 140)  # crossing hazards
    ev = pd.DataFrame({"arm": np.where(x == 1, "OCR", "PBO"), "time_weeks": np.minimum(t, 200),
                       "event": (t < 200).astype(int)})
    res = CoxPH().fit(ev, "OCR", "PBO").ph_test()
    assert res.p < 0.001 and res.ph_doubtful and "doubtful" in res.message
    ok = CoxPH().fit(grid_events(seed=8), "OCR", "PBO").ph_test()
    assert ok.p > 0.05 and not ok.ph_doubtful and "No evidence" in ok.message


# ---------------------------------------------------------------- RMST
def test_rmst_by_hand_survrm2_formula():
    res = rmst(TINY, 48, "OCR", "PBO")
    # OCR area: 12·1 + 12·0.8 + 12·0.6 + 12·0.3 = 32.4; A_i = 20.4, 10.8, 3.6 at t = 12, 24, 36
    assert res.treatment.estimate == pytest.approx(32.4, abs=1e-12)
    assert res.treatment.se == pytest.approx(np.sqrt(20.4**2 / 20 + 10.8**2 / 12 + 3.6**2 / 2), abs=1e-12)
    # PBO area: 12 + 7.2 + 4.8 + 4.8 = 28.8; A_i = 16.8, 9.6; the last death (Y = d = 1) adds 0
    assert res.control.estimate == pytest.approx(28.8, abs=1e-12)
    assert res.control.se == pytest.approx(np.sqrt(16.8**2 * 2 / 15 + 9.6**2 / 6), abs=1e-12)
    assert res.difference == pytest.approx(3.6, abs=1e-12)
    assert res.se == pytest.approx(np.sqrt(37.008 + 52.992), abs=1e-12)
    assert res.p == pytest.approx(2 * stats.norm.sf(3.6 / np.sqrt(90)), abs=1e-12)
    short = rmst(TINY, 30, "OCR", "PBO").treatment  # tau between event times
    assert short.estimate == pytest.approx(12 + 9.6 + 0.6 * 6, abs=1e-12)
    assert short.se == pytest.approx(np.sqrt(13.2**2 / 20 + 3.6**2 / 12), abs=1e-12)


def test_rmst_estimate_matches_lifelines_area():
    from lifelines.utils import restricted_mean_survival_time

    ev = grid_events()
    res = rmst(ev, 100, "OCR", "PBO")
    for arm in ("OCR", "PBO"):
        sub = ev[ev["arm"] == arm]
        ref = restricted_mean_survival_time(KaplanMeierFitter().fit(sub["time_weeks"], sub["event"]), t=100)
        assert res.arms[arm].estimate == pytest.approx(ref, abs=1e-8)


def test_rmst_tau_beyond_follow_up():
    with pytest.raises(TauError, match="beyond the last follow-up in arm 'OCR' \\(48 weeks\\)"):
        rmst(TINY.assign(time_weeks=TINY["time_weeks"] + ([0] * 9 + [12])), 60, "OCR", "PBO")


# ---------------------------------------------------------------- absolute effects
def test_absolute_effect_by_hand():
    km = KaplanMeier().fit(TINY)
    a = absolute_effect(km, 24, "OCR", "PBO")
    assert (a.risk_treatment, a.risk_control, a.difference) == pytest.approx((0.4, 0.6, -0.2), abs=1e-12)
    # Greenwood: 0.6²(1/20 + 1/12) = 0.048 and 0.4²(2/15 + 1/6) = 0.048
    se = np.sqrt(0.048 + 0.048)
    assert (a.ci_low, a.ci_high) == pytest.approx((-0.2 - 1.959963985 * se, -0.2 + 1.959963985 * se), abs=1e-8)
    assert a.nnt == pytest.approx(5.0) and a.nnt_ci_low is None and "not estimable" in a.note and "NNT 5 " in a.note
    assert a.per_1000["difference"] == pytest.approx(-200)
    with pytest.raises(ValueError, match="beyond the last follow-up"):
        absolute_effect(km, 60, "OCR", "PBO")


def test_absolute_effect_nnt_ci_and_harm():
    ev = grid_events(n=2000, hr=0.5)
    a = absolute_effect(KaplanMeier().fit(ev), 96, "OCR", "PBO")
    assert a.ci_high < 0 and a.nnt > 0
    assert (a.nnt_ci_low, a.nnt_ci_high) == pytest.approx((-1 / a.ci_low, -1 / a.ci_high))
    assert a.nnt_ci_low < a.nnt < a.nnt_ci_high
    harm = absolute_effect(KaplanMeier().fit(ev), 96, "PBO", "OCR")
    assert harm.nnt == pytest.approx(-a.nnt) and "NNH" in harm.note


def test_absolute_from_hr():
    r = absolute_from_hr(0.3, 0.8, 0.6, 1.05)  # illustrative inputs, not a trial's result
    assert r.risk_treatment == pytest.approx(1 - 0.7**0.8)
    assert (r.risk_treatment_low, r.risk_treatment_high) == pytest.approx((1 - 0.7**0.6, 1 - 0.7**1.05))
    assert r.difference_per[0] == pytest.approx(1000 * (1 - 0.7**0.8 - 0.3))
    with pytest.raises(ValueError):
        absolute_from_hr(1.3, 0.7)


# ---------------------------------------------------------------- parametric
def test_parametric_exponential_closed_form_and_extrapolation():
    ev = grid_events(n=300)
    par = ParametricSurvival(distributions=["exponential", "weibull"]).fit(ev, "OCR", "PBO")
    s = par.summary[par.summary["model"] == "AFT"].set_index("distribution")
    ll = 0.0
    for arm in ("OCR", "PBO"):
        sub = ev[ev["arm"] == arm]
        ll += ExponentialFitter().fit(sub["time_weeks"], sub["event"]).log_likelihood_
    assert s.loc["exponential", "loglik"] == pytest.approx(ll, abs=1e-5)
    lam = {a: ExponentialFitter().fit(ev.loc[ev["arm"] == a, "time_weeks"], ev.loc[ev["arm"] == a, "event"]).lambda_
           for a in ("OCR", "PBO")}  # lifelines' lambda_ is the mean survival time
    assert s.loc["exponential", "time_ratio"] == pytest.approx(lam["OCR"] / lam["PBO"], rel=1e-5)
    assert s.loc["weibull", "time_ratio"] > 1  # treatment slows progression
    assert par.best() in ("exponential", "weibull")
    pred = par.predict_survival([50, 500], "weibull")
    assert pred["extrapolated"].tolist() == [False, True, False, True]
    assert (np.diff(pred["survival"].to_numpy()[:2]) < 0).all()


# ---------------------------------------------------------------- analyze
def test_analyze_bundles_and_serialises():
    ev = grid_events()
    res = analyze(ev, "CDP12", at=[48, 96], data_provenance="synthetic (seed 3)")
    js = res.to_json()
    assert set(js) == {"endpoint", "data_provenance", "n", "events", "cox", "logrank", "km", "rmst", "rmst_difference", "absolute",
                       "ph_test"}
    assert js["km"]["OCR"].keys() == {"48", "96"}
    assert js["absolute"]["at_week"] == 96.0
    assert js["rmst_difference"]["tau"] == min(ev.groupby("arm")["time_weeks"].max())
    assert res.data_provenance == "synthetic (seed 3)" and "synthetic (seed 3)" in repr(res)
    assert js["data_provenance"] == "synthetic (seed 3)" and js["cox"]["estimable"] is True
    assert all(type(js["cox"][k]) is float for k in ("hr", "ci_low", "ci_high", "p"))
    assert len(res.to_frame()) == 5
    strat = analyze(ev, "CDP12", strata=["region"])
    assert strat.cox.strata == ("region",) and strat.logrank.strata == ("region",)
    with pytest.raises(ValueError, match="beyond the follow-up"):
        analyze(ev, "CDP12", at=[900])


def _tiny(times_t, events_t, times_c, events_c):
    rows = [("t", "OCR", t, e) for t, e in zip(times_t, events_t, strict=True)]
    rows += [("c", "PBO", t, e) for t, e in zip(times_c, events_c, strict=True)]
    return pd.DataFrame([{"patient_id": f"{p}{i}", "arm": a, "endpoint": "X", "time_weeks": t, "event": e}
                         for i, (p, a, t, e) in enumerate(rows)])


@pytest.mark.parametrize(("events", "reason"), [
    (_tiny([12, 24], [0, 0], [12, 36], [1, 1]), "no events in the treatment arm"),
    (_tiny([12, 24], [1, 1], [12, 36], [0, 0]), "no events in the control arm"),
    # every treated event while control patients are at risk, control events only after treated left: separated
    (_tiny([12, 24], [1, 1], [36, 48], [1, 1]), "separated"),
])
def test_cox_says_not_estimable_instead_of_printing_nonsense(events, reason):
    res = CoxPH().fit(events, "OCR", "PBO").result_
    assert not res.estimable and reason in res.reason
    assert "not estimable" in repr(res)
    assert not CoxPH().fit(events, "OCR", "PBO").ph_test().estimable


def test_separation_check_agrees_with_statsmodels_on_estimable_data():
    """Data the separation check lets through give statsmodels' PHReg estimate (Efron ties) and its SE."""
    ev = _tiny([12, 24, 36], [1, 0, 1], [12, 24, 36], [1, 1, 0])
    res = CoxPH().fit(ev, "OCR", "PBO").result_
    assert res.estimable and np.isfinite(res.hr) and res.ci_high < 1e3
    x = (ev["arm"] == "OCR").to_numpy(float)[:, None]
    sm = PHReg(ev["time_weeks"].to_numpy(float), x, status=ev["event"].to_numpy(), ties="efron").fit()
    assert res.log_hr == pytest.approx(sm.params[0], abs=1e-6)
    assert res.se == pytest.approx(sm.bse[0], abs=1e-6)
