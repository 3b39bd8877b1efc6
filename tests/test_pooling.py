"""Pooling: metafor's published outputs (as shipped with statsmodels' tests), hand formulas, statsmodels'
combine_effects, an independent REML maximisation (scipy), DL truncation, and the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.tests.results import results_meta  # metafor's outputs, recorded in statsmodels' tests

import msevidence as mse
from msevidence.errors import OptionError, TableError
from msevidence.evidence import EvidenceSet
from msevidence.judgement.pooling import (
    MetaAnalysis,
    PoolingRefused,
    StudyEstimate,
    estimates_from_store,
    pool,
    read_estimates_csv,
)

Z = stats.norm.ppf(0.975)
SHIFT = 62.0  # the example's effects are means near 62; shifted so that exp() gives readable ratios


def _kacker():
    """Kacker's example (y, v) as given to metafor in statsmodels' recorded results."""
    data = results_meta.exk1_metafor
    return np.asarray(data.yi, float).ravel(), np.asarray(data.vi, float).ravel()


def _csv_from(tmp_path, y, v, name="user.csv"):
    """A user CSV on the ratio scale whose log estimates and SEs are exactly y and sqrt(v)."""
    lines = ["study,estimate,ci_low,ci_high"]
    for i, (yi, vi) in enumerate(zip(y, v, strict=True)):
        s = math.sqrt(vi)
        lines.append(f"S{i + 1},{math.exp(yi)!r},{math.exp(yi - Z * s)!r},{math.exp(yi + Z * s)!r}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _se(path_estimates):
    return np.array([e.log_ratio for e in path_estimates]), np.array([e.variance for e in path_estimates])


@pytest.mark.parametrize("method,holder", [("dl", "exk1_dl"), ("fixed", "exk1_fe")])
def test_user_csv_gives_metafors_numbers(tmp_path, method, holder):
    """metafor's rma(y, v, method="DL"/"FE") outputs on Kacker's example, recorded in statsmodels' test suite,
    are reproduced to 1e-4 from a user CSV (ratio scale) built from the same y and v."""
    res = getattr(results_meta, holder)
    y, v = _kacker()
    est = read_estimates_csv(_csv_from(tmp_path, y - SHIFT, v))
    m = pool(est, method)
    assert m.mu_ + SHIFT == pytest.approx(res.b, abs=1e-4)
    assert m.se_ == pytest.approx(res.se, abs=1e-4)
    assert m.tau2_ == pytest.approx(res.tau2, abs=1e-4)
    assert m.q_ == pytest.approx(res.QE, abs=1e-4)
    assert 100 * m.i2_ == pytest.approx(res.I2, abs=1e-4)
    assert math.log(m.ci_[0]) + SHIFT == pytest.approx(res.ci_lb, abs=1e-4)
    assert math.log(m.ci_[1]) + SHIFT == pytest.approx(res.ci_ub, abs=1e-4)
    if method == "dl":  # t-based prediction interval (Higgins et al. 2009): b +/- t_(k-2) sqrt(se^2 + tau2)
        half = stats.t.ppf(0.975, len(y) - 2) * math.sqrt(res.se ** 2 + res.tau2)
        assert math.log(m.pi_[0]) + SHIFT == pytest.approx(res.b - half, abs=1e-4)
        assert math.log(m.pi_[1]) + SHIFT == pytest.approx(res.b + half, abs=1e-4)
    else:
        assert m.pi_ is None and "random-effects" in m.pi_reason_


def test_dl_matches_statsmodels_example_and_hand_formula():
    y, v = _kacker()
    est = [StudyEstimate(f"S{i}", yi, math.sqrt(vi), math.exp(yi)) for i, (yi, vi) in enumerate(zip(y, v, strict=True))]
    m = pool(est, "dl")
    sm = combine_effects(y, v, method_re="dl")
    assert m.tau2_ == pytest.approx(sm.tau2, rel=1e-10)
    assert m.mu_ == pytest.approx(sm.mean_effect_re, rel=1e-12)
    assert m.se_ == pytest.approx(sm.sd_eff_w_re, rel=1e-10)
    assert m.q_ == pytest.approx(sm.q, rel=1e-10)
    # hand formula of DL
    w = 1 / v
    q = np.sum(w * (y - np.sum(w * y) / np.sum(w)) ** 2)
    assert m.tau2_ == pytest.approx((q - 8) / (w.sum() - (w ** 2).sum() / w.sum()), rel=1e-10)


def test_reml_equals_an_independent_maximisation_of_the_restricted_likelihood():
    y, v = _kacker()

    def neg_reml(t):
        w = 1 / (v + t)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + t)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    t_hat = optimize.minimize_scalar(neg_reml, bounds=(0, 20), method="bounded", options={"xatol": 1e-12}).x
    est = [StudyEstimate(f"S{i}", yi, math.sqrt(vi), math.exp(yi)) for i, (yi, vi) in enumerate(zip(y, v, strict=True))]
    m = pool(est, "reml")
    assert m.tau2_ == pytest.approx(t_hat, abs=1e-6)
    w = 1 / (v + t_hat)
    assert m.mu_ == pytest.approx(np.sum(w * y) / np.sum(w), abs=1e-6)


def test_two_studies_by_hand():
    est = [StudyEstimate("A", math.log(0.7), 0.1, 0.7), StudyEstimate("B", math.log(0.9), 0.2, 0.9)]
    w = np.array([100.0, 25.0])
    y = np.log([0.7, 0.9])
    mu = (w * y).sum() / w.sum()
    m = pool(est, "fixed")
    assert m.ratio_ == pytest.approx(math.exp(mu))
    assert m.se_ == pytest.approx(1 / math.sqrt(125))
    assert m.q_ == pytest.approx((w * (y - mu) ** 2).sum())
    dl = pool(est, "dl")
    assert dl.pi_ is None and "at least 3" in dl.pi_reason_ and "k - 2 = 0" in dl.pi_reason_
    assert dl.to_json()["pi_low"] is None and "pi_reason" in dl.to_json()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # statsmodels takes sqrt of its negative tau2
def test_dl_truncated_at_zero_when_q_below_df():
    y = np.log([0.80, 0.81, 0.79, 0.80])
    v = np.array([0.04, 0.05, 0.03, 0.06])
    sm = combine_effects(y, v, method_re="dl")
    assert sm.q < len(y) - 1 and sm.tau2 < 0  # statsmodels' untruncated value
    est = [StudyEstimate(f"S{i}", yi, math.sqrt(vi), math.exp(yi)) for i, (yi, vi) in enumerate(zip(y, v, strict=True))]
    dl = pool(est, "dl")
    fe = pool(est, "fixed")
    assert dl.tau2_ == 0.0 and dl.i2_ == 0.0
    assert dl.mu_ == pytest.approx(fe.mu_, rel=1e-14)
    assert dl.mu_ != pytest.approx(sm.mean_effect_re, rel=1e-9)  # the negative tau2 did not leak through
    assert pool(est, "reml").tau2_ == 0.0


def test_refuses_placebo_with_interferon():
    ev = mse.load_evidence()
    with pytest.raises(PoolingRefused) as exc:
        estimates_from_store(ev, ["ORATORIO", "OPERA_POOLED"], ["cdp12_edss"])
    msg = str(exc.value)
    assert "placebo" in msg and "interferon beta-1a" in msg and msg.count(". ") == 0 and "\n" not in msg


def test_refuses_different_composites():
    ev = mse.load_evidence()
    with pytest.raises(PoolingRefused) as exc:
        estimates_from_store(ev, ["ORATORIO", "ORATORIO_HAND"], ["ccdp12", "ccdp12_9hpt_edss"])
    msg = str(exc.value)
    assert "EDSS/T25FW/9HPT" in msg and "EDSS/9HPT" in msg and "components" in msg


def test_store_option_errors():
    ev = mse.load_evidence()
    with pytest.raises(OptionError, match="--trials"):
        estimates_from_store(ev, ["ORATORIO"], ["cdp12_edss"])
    with pytest.raises(OptionError, match="--endpoint"):
        estimates_from_store(ev, ["ORATORIO", "ORATORIO_HAND"], ["ccdp12"])
    with pytest.raises(OptionError, match="--method"):
        MetaAnalysis("bayes")


@pytest.mark.parametrize("text,column", [
    ("study,estimate,ci_low\nA,0.8,0.6\n", "ci_high"),
    ("study,estimate,ci_low,ci_high\nA,0.8,0.6,1.1\nB,x,0.5,1.0\n", "estimate"),
    ("study,estimate,ci_low,ci_high\nA,0.8,0.6,1.1\nB,-1,0.5,1.0\n", "estimate"),
    ("study,estimate,ci_low,ci_high\nA,0.8,0.9,1.1\nB,0.7,0.5,1.0\n", "estimate"),
    ("study,estimate,ci_low,ci_high\nA,0.8,0.6,1.1\nA,0.7,0.5,1.0\n", "study"),
    ("study,estimate,ci_low,ci_high\nA,0.8,0.6,1.1\n", None),
])
def test_bad_csv_one_line_error(tmp_path, text, column):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(TableError) as exc:
        read_estimates_csv(p)
    assert "\n" not in str(exc.value) and "bad.csv" in str(exc.value)
    if column:
        assert f"column '{column}'" in str(exc.value)


def test_refuses_placebo_with_delayed_treatment():
    """A placebo-controlled trial and a delayed-treatment comparison of the same endpoint are not pooled."""
    oratorio = mse.load_evidence()["ORATORIO"]
    delayed = oratorio.model_copy(update={"id": "DELAYED", "name": "A delayed-start extension",
                                          "comparator": "delayed_treatment"})
    twin = oratorio.model_copy(update={"id": "TWIN", "name": "A placebo-controlled twin"})
    ev = EvidenceSet({"ORATORIO": oratorio, "DELAYED": delayed, "TWIN": twin}, {})
    assert len(estimates_from_store(ev, ["ORATORIO", "TWIN"], ["cdp24_edss", "cdp24_edss"])) == 2
    with pytest.raises(PoolingRefused, match="comparators of the same kind"):
        estimates_from_store(ev, ["ORATORIO", "DELAYED"], ["cdp24_edss", "cdp24_edss"])


def _hetero():
    """Five studies with clear heterogeneity (DL tau^2 > 0, so statsmodels' untruncated value is the same)."""
    y = np.log(np.array([0.5, 0.9, 0.7, 1.3, 0.6]))
    v = np.array([0.02, 0.03, 0.015, 0.05, 0.04])
    return y, v, [StudyEstimate(f"S{i}", yi, math.sqrt(vi), math.exp(yi)) for i, (yi, vi) in enumerate(zip(y, v, strict=True))]


def test_prediction_interval_is_t_based_on_k_minus_2_df_by_hand():
    y, v, est = _hetero()
    m = pool(est, "dl", hartung_knapp=True)
    w = 1 / v
    mu_fe = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - mu_fe) ** 2)
    tau2 = max(0.0, (q - 4) / (np.sum(w) - np.sum(w ** 2) / np.sum(w)))
    ws = 1 / (v + tau2)
    mu, se = np.sum(ws * y) / np.sum(ws), 1 / math.sqrt(np.sum(ws))
    half = stats.t.ppf(0.975, 5 - 2) * math.sqrt(se ** 2 + tau2)
    assert tau2 > 0
    assert abs(math.log(m.pi_[0]) - (mu - half)) < 1e-10 and abs(math.log(m.pi_[1]) - (mu + half)) < 1e-10
    # Hartung-Knapp by hand: q_HK = sum w* (y - mu)^2 / (k - 1); t on k - 1 df
    hk = stats.t.ppf(0.975, 4) * math.sqrt(np.sum(ws * (y - mu) ** 2) / 4 / np.sum(ws))
    assert abs(math.log(m.hk_ci_[0]) - (mu - hk)) < 1e-10 and abs(math.log(m.hk_ci_[1]) - (mu + hk)) < 1e-10
    out = m.to_json()
    assert out["pi_low"] == m.pi_[0] and out["hk_ci_low"] == m.hk_ci_[0] and out["hartung_knapp"] is True


def test_hartung_knapp_and_mean_match_statsmodels_combine_effects():
    y, v, est = _hetero()
    m = pool(est, "dl", hartung_knapp=True)
    sm = combine_effects(y, v, method_re="dl", use_t=True)
    assert abs(m.mu_ - sm.mean_effect_re) < 1e-10 and abs(m.tau2_ - sm.tau2) < 1e-10
    ci_hk = sm.conf_int(use_t=True)[3]  # random effects with the estimated (HKSJ) scale, t on k - 1 df
    assert abs(math.log(m.hk_ci_[0]) - ci_hk[0]) < 1e-10 and abs(math.log(m.hk_ci_[1]) - ci_hk[1]) < 1e-10
    ci_norm = sm.conf_int(use_t=False)[1]
    assert abs(math.log(m.ci_[0]) - ci_norm[0]) < 1e-10


def test_no_prediction_interval_for_two_studies_and_hk_off_by_default():
    _, _, est = _hetero()
    m = pool(est[:2], "dl")
    assert m.pi_ is None and "k - 2 = 0" in m.pi_reason_
    j = m.to_json()
    assert j["pi_low"] is None and j["pi_high"] is None and j["pi_reason"] and j["hk_ci_low"] is None
