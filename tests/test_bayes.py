"""Bayesian re-reading: priors as defined, posterior equal to the closed-form normal-normal update (scipy)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import msevidence as mse
from msevidence.errors import NotFittedError, OptionError
from msevidence.judgement.bayes import (
    BayesianReanalysis,
    ReanalysisError,
    across_priors,
    likelihood_from_ci,
    likelihood_from_p,
    make_prior,
    published_likelihood,
    reanalyze,
)

FIXTURE = Path(__file__).parent / "fixtures" / "weigh"


def test_named_priors_put_5_percent_where_defined():
    theta = 0.7
    sc, en, pe = (make_prior(n, theta) for n in ("sceptical", "enthusiastic", "pessimistic"))
    assert stats.norm.cdf(math.log(theta), sc.mean, sc.sd) == pytest.approx(0.05)
    assert sc.mean == 0
    assert stats.norm.sf(0.0, en.mean, en.sd) == pytest.approx(0.05)  # harm
    assert en.mean == pytest.approx(math.log(theta))
    assert stats.norm.cdf(0.0, pe.mean, pe.sd) == pytest.approx(0.05)  # benefit
    assert pe.mean == pytest.approx(-math.log(theta))
    assert make_prior("0.1,0.3").mean == 0.1 and make_prior((0.1, 0.3)).sd == 0.3


@pytest.mark.parametrize("bad", ["flat", "0", "0,-1", "a,b", "0,nan"])
def test_bad_prior_names_the_option(bad):
    with pytest.raises(OptionError, match="--prior"):
        make_prior(bad)


@pytest.mark.parametrize("bad", [0, 1, 1.2, float("nan")])
def test_bad_threshold(bad):
    with pytest.raises(OptionError, match="--threshold"):
        BayesianReanalysis("sceptical", threshold=bad)


@pytest.mark.parametrize("prior", ["sceptical", "neutral", "enthusiastic", "pessimistic", (0.2, 0.15)])
def test_posterior_matches_closed_form(prior):
    ratio, lo, hi, thr = 0.66, 0.47, 0.93, 0.85
    lik = likelihood_from_ci(ratio, lo, hi)
    # independent: SE from the CI, then the conjugate update written out, quantiles from scipy
    y, s = np.log(ratio), (np.log(hi) - np.log(lo)) / (2 * stats.norm.ppf(0.975))
    p = make_prior(prior, thr)
    prec = 1 / p.sd ** 2 + 1 / s ** 2
    m = (p.mean / p.sd ** 2 + y / s ** 2) / prec
    post = stats.norm(m, prec ** -0.5)
    r = BayesianReanalysis(prior, threshold=thr, prior_ratio=thr).fit(lik)
    assert r.hr_ == pytest.approx(np.exp(post.median()), rel=1e-12)
    assert r.cri_low_ == pytest.approx(np.exp(post.ppf(0.025)), rel=1e-12)
    assert r.cri_high_ == pytest.approx(np.exp(post.ppf(0.975)), rel=1e-12)
    assert r.p_hr_below_1_ == pytest.approx(post.cdf(0.0), rel=1e-12)
    assert r.p_hr_below_threshold_ == pytest.approx(post.cdf(np.log(thr)), rel=1e-12)


def test_sceptical_prior_pulls_towards_no_effect_and_neutral_reproduces_the_data():
    lo, hi = 0.7 * math.exp(-0.2), 0.7 * math.exp(0.2)  # symmetric on the log scale
    lik = likelihood_from_ci(0.7, lo, hi)
    sc = BayesianReanalysis("sceptical").fit(lik)
    ne = BayesianReanalysis("neutral").fit(lik)
    assert 0.7 < sc.hr_ < 1
    assert ne.hr_ == pytest.approx(0.7, abs=1e-3)
    assert ne.cri_low_ == pytest.approx(lo, abs=1e-3) and ne.cri_high_ == pytest.approx(hi, abs=1e-3)
    assert sc.p_hr_below_1_ < ne.p_hr_below_1_


def test_se_from_p_when_no_ci():
    lik = likelihood_from_p(0.74, 0.0014)
    assert lik.se_from == "p" and "no CI was published" in lik.note
    z = lik.log_hr / lik.se
    assert 2 * stats.norm.sf(abs(z)) == pytest.approx(0.0014)
    assert "upper bound" in likelihood_from_p(0.74, 0.001, p_relation="<").note


def test_store_effects_and_errors():
    ev = mse.load_evidence()
    trial = ev["ORATORIO"]
    eff = trial.endpoint("cdp12_edss").effect("hazard_ratio")
    lik = published_likelihood(trial, "cdp12_edss")
    assert lik.se_from == "ci" and lik.hr == pytest.approx(eff.estimate)
    r = reanalyze(trial, "cdp12_edss", "sceptical")
    assert set(r.to_json()) >= {"posterior", "p_hr_below_1", "p_hr_below_threshold", "prior", "likelihood"}
    assert set(r.to_json()["posterior"]) == {"hr", "cri_low", "cri_high"}
    assert len(across_priors(lik)) == 4
    comp = published_likelihood(trial, "ccdp12")
    assert comp.se_from == "p" and comp.data_provenance == "derived"
    with pytest.raises(OptionError, match="--endpoint"):
        published_likelihood(trial, "nope")
    with pytest.raises(ReanalysisError, match="no ratio"):
        published_likelihood(trial, "neoplasms")
    with pytest.raises(NotFittedError):
        BayesianReanalysis().to_frame()
    assert "not fitted" in repr(BayesianReanalysis())


def test_threshold_never_changes_the_prior():
    lik = likelihood_from_ci(0.7, 0.5, 0.98)
    for name in ("sceptical", "enthusiastic", "pessimistic"):
        a, b = BayesianReanalysis(name, threshold=0.6).fit(lik), BayesianReanalysis(name, threshold=0.9).fit(lik)
        assert a.prior == b.prior and a.hr_ == b.hr_
        assert a.p_hr_below_threshold_ < b.p_hr_below_threshold_


def test_favourable_outcome_reads_a_ratio_above_one_as_benefit():
    from msevidence.judgement.bayes import Likelihood

    base = likelihood_from_ci(1.5, 1.2, 1.875)
    lik = Likelihood(base.log_hr, base.se, "risk_ratio", "ci", base.note, higher_is_better=True)
    r = BayesianReanalysis("neutral", threshold=0.8).fit(lik)
    post = stats.norm(r.posterior_mean_, r.posterior_sd_)
    assert r.p_benefit_ == pytest.approx(post.sf(0.0), rel=1e-12) and r.p_benefit_ > 0.99
    assert r.p_important_benefit_ == pytest.approx(post.sf(math.log(1 / 0.8)), rel=1e-12)
    en = BayesianReanalysis("enthusiastic").fit(lik).prior
    assert en.mean == pytest.approx(-math.log(0.8))  # centred on a benefit, i.e. a ratio above 1
    assert "above 1" in r.sentence() and r.to_json()["higher_is_better"] is True


def test_reanalyze_refuses_continuous_changes_and_reads_favourable_endpoints():
    ev = mse.load_evidence(FIXTURE)
    t = ev["PPMS_CLEAN"]
    with pytest.raises(ReanalysisError, match="change from baseline of a continuous measure"):
        published_likelihood(t, "t25fw_change")
    r = reanalyze(t, "nep", "sceptical")
    assert r.higher_is_better_ and r.p_benefit_ > 0.99 and r.p_hr_below_1_ < 0.01
