"""msevidence.walking: % change arithmetic, thresholds, confirmation, discordance, mixed model, verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import msevidence as mse
from msevidence.data.visits import VisitsTableError, read_visits, walking_events
from msevidence.judgement.compare import published_vs_reproduced
from msevidence.judgement.verdict import judge
from msevidence.models.survival import analyze
from msevidence.models.walking import WalkingMixedModel, summarize_walking

WEEKS = np.arange(0, 145, 12)


def make_visits(n: int = 150, seed: int = 0, slope_t: float = 0.0025, slope_c: float = 0.0035,
                re_sd: float = 0.001, noise: float = 0.1, edss_step: float = 0.05) -> pd.DataFrame:
    """Synthetic test visits: log(T/T0) = (arm slope + patient slope)·week + noise; EDSS random +0.5 steps."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        arm = "PBO" if i % 3 == 0 else "OCR"
        s = (slope_t if arm == "OCR" else slope_c) + rng.normal(0, re_sd)
        t0 = 7.5 * np.exp(rng.normal(0, 0.45))
        edss = rng.choice([3.0, 4.0, 5.0, 6.0])
        for w in WEEKS:
            y = 0.0 if w == 0 else s * w + rng.normal(0, noise)
            edss += 0.5 * (w > 0 and rng.random() < edss_step)
            rows.append((f"P{i:04d}", arm, float(w), edss, t0 * np.exp(y), np.nan))
    return pd.DataFrame(rows, columns=["patient_id", "arm", "week", "edss", "t25fw_s", "nhpt_s"])


def visits_from(times: dict[str, tuple[str, list[float]]], edss: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """Hand-built visits: patient -> (arm, T25FW at weeks 0, 12, 24, ...); EDSS 4.0 unless given."""
    rows = []
    for pid, (arm, ts) in times.items():
        es = (edss or {}).get(pid, [4.0] * len(ts))
        rows += [(pid, arm, 12.0 * j, es[j], t, np.nan) for j, t in enumerate(ts)]
    return pd.DataFrame(rows, columns=["patient_id", "arm", "week", "edss", "t25fw_s", "nhpt_s"])


def test_geometric_mean_is_not_arithmetic_mean():
    v = visits_from({"a": ("OCR", [10, 5]), "b": ("OCR", [10, 20]), "c": ("PBO", [4, 6]), "d": ("PBO", [5, 5])})
    s = summarize_walking(v, week=12)
    ocr, pbo = s.arm("OCR"), s.arm("PBO")
    assert ocr.mean_pct_change == pytest.approx(25.0)  # (-50 + 100) / 2
    assert ocr.geometric_mean_pct_change == pytest.approx(0.0, abs=1e-12)  # sqrt(0.5 * 2) = 1
    assert pbo.mean_pct_change == pytest.approx(25.0)  # (50 + 0) / 2
    assert pbo.geometric_mean_pct_change == pytest.approx(100 * (np.sqrt(1.5) - 1))
    # walking speed = 25 ft / time: a 10 s -> 5 s and 10 s -> 20 s gives (+2.5 - 1.25) / 2 ft/s
    assert ocr.walking_speed_change_ft_s == pytest.approx((2.5 - 1.25) / 2)
    assert ocr.walking_speed_change_m_s == pytest.approx((2.5 - 1.25) / 2 * 0.3048)
    by = s.by_visit.set_index(["arm", "week"])
    assert by.loc[("OCR", 12.0), "geometric_mean_pct_change"] == pytest.approx(0.0, abs=1e-12)
    assert by.loc[("OCR", 0.0), "mean_pct_change"] == 0


@pytest.mark.parametrize(("factor", "worse", "better"), [
    (1.2, 1, 0), (1.199, 0, 0), (1 / 1.2, 0, 1), (0.834, 0, 0), (0.8, 0, 1), (1.5, 1, 0)])
def test_thresholds_at_exactly_20_percent(factor, worse, better):
    t0 = 7.3
    v = visits_from({"x": ("OCR", [t0] + [t0 * factor] * 4), "y": ("PBO", [t0] * 5)})
    a = summarize_walking(v, week=48).arm("OCR")
    assert a.worsened_20_confirmed_12w == worse
    assert a.improved_20_confirmed_12w == better
    ev = walking_events(v).set_index(["patient_id", "endpoint"])
    assert ev.loc[("x", "t25fw20_cp12"), "event"] == worse
    assert ev.loc[("x", "t25fw20_cp12"), "time_weeks"] == (12 if worse else 48)


def test_unconfirmed_worsening_and_proportions_of_all_patients():
    v = visits_from({"x": ("OCR", [10, 13, 10, 13, 13]),  # transient at 12, confirmed onset at 36
                     "y": ("OCR", [10, 10, 10, 10, 13]),  # onset at the last visit: unconfirmed
                     "z": ("PBO", [10] * 5)})
    ev = walking_events(v).set_index(["patient_id", "endpoint"])
    assert ev.loc[("x", "t25fw20_cp12"), ["time_weeks", "event"]].tolist() == [36, 1]
    assert ev.loc[("y", "t25fw20_cp12"), "event"] == 0
    assert walking_events(v, "event").set_index(["patient_id", "endpoint"]).loc[("y", "t25fw20_cp12"), "event"] == 1
    s = summarize_walking(v, week=48)
    assert s.arm("OCR").worsened_20_confirmed_12w == 0.5  # 1 of 2 patients in the arm
    assert summarize_walking(v, week=24).arm("OCR").worsened_20_confirmed_12w == 0  # onset 36 > 24


def test_edss_rule_depends_on_baseline():
    times = {p: ("OCR" if p != "d" else "PBO", [8.0] * 4) for p in "abcd"}
    edss = {"a": [6.0, 6.5, 6.5, 6.5], "b": [5.5, 6.0, 6.0, 6.0], "c": [5.5, 6.5, 6.5, 6.5], "d": [4.0] * 4}
    ev = walking_events(visits_from(times, edss)).set_index(["patient_id", "endpoint"])["event"]
    assert (ev[("a", "cdp12_edss")], ev[("b", "cdp12_edss")], ev[("c", "cdp12_edss")]) == (1, 0, 1)


def test_discordance_counts_kappa_and_timing():
    base = [10.0] * 6
    slow = [10.0, 10, 10, 10, 13, 13]  # T25FW worsening onset week 48
    edss_up = [4.0, 4.0, 5.0, 5.0, 5.0, 5.0]  # CDP onset week 24
    times = {"both": ("OCR", slow), "edss": ("OCR", base), "walk": ("OCR", slow), "none": ("OCR", base),
             "ctl": ("PBO", base)}
    s = summarize_walking(visits_from(times, {"both": edss_up, "edss": edss_up}), week=60)
    d = s.discordance[0]
    assert (d.arm, d.both, d.edss_only, d.t25fw_only, d.neither, d.n) == ("OCR", 1, 1, 1, 1, 4)
    assert d.kappa == pytest.approx(0.0)  # observed 0.5 = expected 0.5
    assert d.agreement == 0.5
    assert (d.edss_first, d.t25fw_first, d.median_weeks_t25fw_minus_edss) == (1, 0, 24.0)
    assert d.table().to_numpy().sum() == 4


def test_discordance_sums_to_n_on_random_data():
    s = summarize_walking(make_visits(90, seed=3))
    for d in s.discordance:
        assert d.n == s.arm(d.arm).n_patients == (s.patients["arm"] == d.arm).sum()
        assert d.both + d.edss_only + d.t25fw_only + d.neither == d.n


def test_mixed_model_recovers_known_slopes():
    v = make_visits(120, seed=1, slope_t=0.002, slope_c=0.004, re_sd=0.0005, noise=0.01)
    mm = WalkingMixedModel("OCR", "PBO").fit(v)
    coef = mm.summary["coef"]
    assert coef["week"] == pytest.approx(0.004, abs=2e-4)
    assert coef["treatment:week"] == pytest.approx(-0.002, abs=2e-4)
    assert coef["intercept"] == pytest.approx(0, abs=0.01)
    r = mm.ratio(120)
    assert r.ratio == pytest.approx(np.exp(-0.002 * 120), rel=0.02)
    assert r.ci_low < r.ratio < r.ci_high
    assert mm.converged_


def test_mixed_model_matches_ols_without_random_effects():
    v = make_visits(90, seed=2, re_sd=0.0, noise=0.1)
    mm = WalkingMixedModel("OCR", "PBO").fit(v)
    d = v.merge(v[v.week == 0][["patient_id", "t25fw_s"]], on="patient_id", suffixes=("", "0"))
    d = d[d.week > 0]
    treat = (d.arm == "OCR").to_numpy(float)
    x = np.column_stack([np.ones(len(d)), treat, d.week, treat * d.week])
    ols = sm.OLS(np.log(d.t25fw_s / d.t25fw_s0).to_numpy(), x).fit()
    np.testing.assert_allclose(mm.params_, ols.params, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(mm.cov_)), ols.bse, rtol=0.15)  # RE variance ~0, not exactly
    assert mm.ratio(120).ratio == pytest.approx(np.exp(ols.params[1] + 120 * ols.params[3]), rel=1e-4)


def test_summary_reproducible_and_json():
    v = make_visits(60, seed=5)
    a, b = summarize_walking(v).to_json(), summarize_walking(v.sample(frac=1, random_state=1)).to_json()
    assert a == b
    assert set(a) >= {"week", "arms", "mixed_model", "discordance", "data_provenance"}


def test_summary_at_a_week_without_visits_is_an_error_not_nan():
    with pytest.raises(VisitsTableError, match="column 'week': no T25FW assessment at week 100"):
        summarize_walking(make_visits(20, seed=5), week=100)


@pytest.mark.parametrize(("df_change", "message"), [
    (lambda d: d.drop(columns="t25fw_s"), "missing column(s) t25fw_s"),
    (lambda d: d[~((d.patient_id == "P0001") & (d.week == 0))], "column 't25fw_s': patient 'P0001' has no week-0"),
    (lambda d: pd.concat([d, d.iloc[[3]]]), "column 'week': patient 'P0000' has two rows for week 36"),
    (lambda d: d.assign(t25fw_s=d.t25fw_s.where(d.index != 5, -1.0)), "column 't25fw_s': walk time -1 s is outside the plausible range"),
    (lambda d: d.assign(edss=d.edss.astype(object).where(d.index != 2, "x")), "column 'edss': non-numeric"),
])
def test_bad_visits_raise_one_line_error(df_change, message):
    with pytest.raises(VisitsTableError) as exc:
        read_visits(df_change(make_visits(3)))
    assert message in str(exc.value) and "\n" not in str(exc.value)


def _direction(s):
    """The verdict engine on the mixed model's walk-time ratio (a longer time is worse)."""
    m = s.mixed_model
    return judge(m.ratio, m.ci_low, m.ci_high, treatment_change=s.arm("treatment").geometric_mean_pct_change).direction


def test_slower_worsening_on_the_mixed_model_is_less_worsening_not_improvement():
    s = summarize_walking(make_visits(150, seed=4), data_provenance="SYNTHETIC test data")
    assert s.arm("OCR").geometric_mean_pct_change > 0  # walking got slower on ocrelizumab too
    assert _direction(s) == "less worsening"


@pytest.mark.parametrize(("slopes", "direction"), [((-0.002, 0.003), "improvement"), ((0.003, 0.003), "no difference shown"),
                                                   ((0.005, 0.002), "more worsening")])
def test_verdict_directions(slopes, direction):
    s = summarize_walking(make_visits(90, seed=6, slope_t=slopes[0], slope_c=slopes[1], noise=0.05))
    assert _direction(s) == direction


def test_published_vs_reproduced_keeps_domains_apart():
    trial = mse.load_evidence()["ORATORIO"]
    visits = make_visits(60, seed=7)
    s = summarize_walking(visits, data_provenance="SYNTHETIC test data")
    surv = analyze(walking_events(visits), "cdp12_edss", at=[24, 48], data_provenance="SYNTHETIC test data")
    t = published_vs_reproduced(trial, {"cdp12_edss": surv, "walking": s})
    assert list(t["domain"]) == sorted(t["domain"], key=["disability_progression", "walking_speed"].index)
    assert set(t.loc[t.endpoint.str.contains("t25fw"), "domain"]) == {"walking_speed"}
    assert set(t.loc[t.endpoint.str.contains("edss"), "domain"]) == {"disability_progression"}
    r = t[t.statistic != "km_proportion_at_week"].set_index(["endpoint", "statistic", "arm"])  # one row each
    hr = trial.endpoint("cdp12_edss").effect("hazard_ratio")
    assert r.loc[("cdp12_edss", "hazard_ratio", "OCR vs PBO"), ["published", "reproduced"]].tolist() == [
        hr.estimate, surv.cox.hr]
    pub_km = trial.endpoint("cdp12_edss").result("PBO", "km_proportion_at_week")
    km = t[(t.statistic == "km_proportion_at_week") & (t.arm == "PBO") & (t.endpoint == "cdp12_edss")]
    assert km.loc[km.week == pub_km.week, "published"].tolist() == [pub_km.value]  # the week travels as a number
    s24 = surv.km.survival_at([24]).set_index("arm").loc["PBO", "survival"]
    assert km.loc[km.week == 24, "reproduced"].tolist() == [pytest.approx(1 - s24)]
    assert r.loc[("cdp12_edss", "proportion_with_event", "OCR"), "reproduced"] == surv.events["OCR"] / surv.n["OCR"]
    assert not t["definition"].isna().any()
    w = r.loc[("t25fw_pct_change_w120", "mean_pct_change", "OCR")]
    assert w["published"] == trial.endpoint("t25fw_pct_change_w120").result("OCR").value
    assert w["reproduced"] == s.arm("OCR").geometric_mean_pct_change
    assert "geometric mean" in w["reproduced_summary"] and w["reproduced_provenance"] == "SYNTHETIC test data"
    assert r.loc[("t25fw20_improved_cp12", "proportion_by_week", "OCR"), "source"] == "not published (gap)"


def test_events_feed_the_survival_module():
    ev = walking_events(make_visits(90, seed=8))
    res = analyze(ev, "t25fw20_cp12", treatment="OCR", control="PBO").to_json()
    assert res["n"] == 90 if isinstance(res["n"], int) else sum(res["n"].values()) == 90
    assert 0 < res["cox"]["hr"] < 1


def test_mixed_model_ratio_ci_is_the_delta_method_on_the_raw_fit():
    """Independent recomputation on statsmodels' own (per-year) parameterization: log ratio at week W is
    b1 + (W/52)·b3 with variance V11 + 2(W/52)V13 + (W/52)²V33."""
    from scipy import stats

    mm = WalkingMixedModel("OCR", "PBO").fit(make_visits(90, seed=6))
    b, v = np.asarray(mm.result_.fe_params), np.asarray(mm.result_.cov_params())[:4, :4]
    for week in (48, 120):
        x = week / 52.0
        est, se = b[1] + x * b[3], np.sqrt(v[1, 1] + 2 * x * v[1, 3] + x**2 * v[3, 3])
        r = mm.ratio(week)
        assert (r.log_ratio, r.se) == pytest.approx((est, se), rel=1e-9)
        assert (r.ci_low, r.ratio, r.ci_high) == pytest.approx(np.exp([est - 1.959963985 * se, est, est + 1.959963985 * se]),
                                                               rel=1e-8)
        assert r.p == pytest.approx(2 * stats.norm.sf(abs(est / se)), rel=1e-9)
