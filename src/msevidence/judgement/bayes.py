"""Bayesian re-reading of a published ratio (hazard, risk or rate ratio) under stated priors.

The published result is summarised by a normal likelihood on the log scale: log ratio ``y`` with standard error
``s`` from the 95% CI, ``s = (log(upper) - log(lower)) / (2 z_0.975)``; when no CI was published, from the p
value, ``s = |y| / z_(1 - p/2)`` (the likelihood then says so; a p given as an inequality, ``p < x``, gives an
upper bound on ``s``, so the re-reading is conservative). A normal prior ``N(m, t^2)`` on the log ratio gives
the closed-form normal-normal posterior ``N((m/t^2 + y/s^2) / (1/t^2 + 1/s^2), 1 / (1/t^2 + 1/s^2))``.

Priors, for a reference effect ``theta`` (a ratio below 1, ``prior_ratio``, default 0.8; ``d = -log(theta)``) and
``t = d / z_0.95`` (Spiegelhalter, Freedman and Parmar, J R Stat Soc A 1994; Spiegelhalter, Abrams and Myles,
*Bayesian Approaches to Clinical Trials and Health-Care Evaluation*, Wiley 2004, ch. 5; Wijeysundera, Austin,
Hux, Beattie and Laupacis, J Clin Epidemiol 2009;62:13-21):

- ``sceptical``: mean 0 (no effect), SD ``t``: a 5% prior probability of a benefit beyond ``theta``;
- ``enthusiastic``: centred on a benefit of ``theta`` (mean ``log(theta)``, or ``-log(theta)`` for an outcome where
  higher is better), SD ``t``: a 5% prior probability of harm;
- ``pessimistic``: centred on harm of the same size on the log scale, SD ``t``: a 5% prior probability of
  benefit;
- ``neutral``: mean 0, SD 10 on the log scale (vague: the posterior is the likelihood to three decimals);
- any normal prior as ``(mean, sd)`` of the log ratio (``"MEAN,SD"`` on the command line).

The posterior median ratio is ``exp(posterior mean)``; the 95% credible interval and the probabilities
``P(ratio < 1)`` and ``P(ratio < threshold)`` are read from the normal posterior. The clinically important
``threshold`` is used only for that last probability: it never changes the prior (the prior's scale is
``prior_ratio``). The endpoint says which way is benefit (``higher_is_better``): for a harm outcome (progression)
benefit is a ratio below 1 and an important benefit one below ``threshold``; for a favourable outcome (no evidence
of progression) above 1 and above ``1 / threshold`` (``p_benefit``, ``p_important_benefit``). Only ratios of events
or proportions are re-read: a change of a continuous measure (a T25FW percent change) is refused with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from msevidence import formatting as fmt
from msevidence.errors import InputError, OptionError
from msevidence.evidence.schema import RATIO_STATISTICS, Effect
from msevidence.judgement.main_effect import main_effect
from msevidence.models.base import Fitter

PRIOR_NAMES = ("sceptical", "neutral", "enthusiastic", "pessimistic")
DEFAULT_THRESHOLD = 0.8
#: The reference ratio that scales the named priors (independent of the threshold of an important effect).
DEFAULT_PRIOR_RATIO = 0.8
VAGUE_SD = 10.0
PRIOR_MEAN_MAX = 10.0  # |mean| of a custom prior on the log ratio
PRIOR_SD_RANGE = (1e-3, 100.0)  # SD of a custom prior on the log ratio
Z95 = stats.norm.ppf(0.975)
#: Analyses whose published ratio (or relative reduction) is a ratio of events or proportions.
REREADABLE_ANALYSES = ("time_to_event", "annualized_rate", "proportion_at_week", "proportion_over_period",
                       "repeated_events")


prob_text = fmt.probability  # a probability for readers (kept as a name of this module)


class ReanalysisError(InputError):
    """A published effect that cannot be re-read (no ratio, or neither CI nor p value); says why."""


@dataclass(frozen=True)
class NormalPrior:
    """A normal prior on the log ratio, with the name and definition that produced it."""

    name: str
    mean: float
    sd: float
    definition: str

    @property
    def hr(self) -> float:
        return math.exp(self.mean)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"prior": self.name, "mean_log_hr": self.mean, "sd_log_hr": self.sd,
                              "prior_median_hr": self.hr, "definition": self.definition}])


def _check_threshold(threshold: float) -> float:
    if not (isinstance(threshold, int | float) and math.isfinite(threshold) and 0 < threshold < 1):
        raise OptionError("--threshold", f"a clinically important ratio must be between 0 and 1, got {threshold!r}")
    return float(threshold)


def make_prior(spec: str | tuple[float, float] | NormalPrior = "sceptical",
               prior_ratio: float = DEFAULT_PRIOR_RATIO, *, higher_is_better: bool = False) -> NormalPrior:
    """A named prior (see the module docstring), ``"MEAN,SD"`` or ``(mean, sd)`` of the log ratio.

    `prior_ratio` (a ratio below 1) scales the named priors; the threshold of an important effect does not.
    """
    if isinstance(spec, NormalPrior):
        return spec
    theta = _check_threshold(prior_ratio)
    d = -math.log(theta)
    t = d / stats.norm.ppf(0.95)
    good = d if higher_is_better else -d  # log ratio of a benefit of the reference size
    side = "above" if higher_is_better else "below"
    if isinstance(spec, str) and spec.strip().lower() in PRIOR_NAMES:
        name = spec.strip().lower()
        if name == "sceptical":
            return NormalPrior(name, 0.0, t, f"centred on no effect; 5% probability that the ratio is {side} "
                                             f"{fmt.number(math.exp(good))}")
        if name == "enthusiastic":
            return NormalPrior(name, good, t, f"centred on a ratio of {fmt.number(math.exp(good))}; 5% probability of harm")
        if name == "pessimistic":
            return NormalPrior(name, -good, t, f"centred on harm of the same size (ratio {fmt.number(math.exp(-good))}); 5% "
                                               "probability of benefit")
        return NormalPrior(name, 0.0, VAGUE_SD, f"vague: centred on no effect with SD {VAGUE_SD:g} on the log scale")
    if isinstance(spec, str):
        parts = spec.split(",")
        try:
            mean, sd = (float(p) for p in parts)
        except ValueError:
            raise OptionError("--prior", f"expected one of {', '.join(PRIOR_NAMES)} or MEAN,SD of the log ratio "
                                         f"(e.g. 0,0.2), got {spec!r}") from None
    else:
        mean, sd = (float(x) for x in spec)
    if not (math.isfinite(mean) and math.isfinite(sd) and sd > 0):
        raise OptionError("--prior", f"MEAN,SD must be finite numbers with SD > 0, got {mean!r},{sd!r}")
    lo, hi = PRIOR_SD_RANGE
    if abs(mean) > PRIOR_MEAN_MAX or not lo <= sd <= hi:
        raise OptionError("--prior", f"MEAN,SD of the log ratio must have |MEAN| <= {PRIOR_MEAN_MAX:g} (a ratio "
                                     f"between {fmt.number(math.exp(-PRIOR_MEAN_MAX), 2)} and {fmt.number(math.exp(PRIOR_MEAN_MAX))}) and "
                                     f"SD from {lo:g} to {hi:g}, got {mean:g},{sd:g} (rule: prior range)")
    return NormalPrior("custom", mean, sd, f"normal prior on the log ratio, mean {mean:g}, SD {sd:g}")


@dataclass(frozen=True)
class Likelihood:
    """The published ratio as a normal likelihood on the log scale; `se_from` is ``ci`` or ``p``."""

    log_hr: float
    se: float
    statistic: str
    se_from: str
    note: str
    label: str = ""
    citation: str = ""
    data_provenance: str = "published"
    higher_is_better: bool = False

    @property
    def hr(self) -> float:
        return math.exp(self.log_hr)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"label": self.label, "statistic": self.statistic, "ratio": self.hr,
                              "log_hr": self.log_hr, "se": self.se, "se_from": self.se_from, "note": self.note,
                              "source": self.citation, "data_provenance": self.data_provenance}])


def likelihood_from_ci(ratio: float, ci_low: float, ci_high: float, *, statistic: str = "hazard_ratio",
                       label: str = "", citation: str = "") -> Likelihood:
    """Normal likelihood from a ratio and its 95% CI (SE from the CI width on the log scale)."""
    if not all(math.isfinite(x) and x > 0 for x in (ratio, ci_low, ci_high)) or not ci_low < ci_high:
        raise ReanalysisError(f"{label or 'effect'}: a ratio and a 95% CI with 0 < lower < upper are needed, "
                              f"got {ratio!r} ({ci_low!r} to {ci_high!r})")
    se = (math.log(ci_high) - math.log(ci_low)) / (2 * Z95)
    return Likelihood(math.log(ratio), se, statistic, "ci", "SE from the 95% CI on the log scale", label, citation)


def likelihood_from_p(ratio: float, p: float, *, p_relation: str = "=", statistic: str = "hazard_ratio",
                      label: str = "", citation: str = "") -> Likelihood:
    """Normal likelihood from a ratio and its two-sided p value (no CI published): SE = |log ratio| / z."""
    if not (math.isfinite(ratio) and ratio > 0 and ratio != 1 and math.isfinite(p) and 0 < p < 1):
        raise ReanalysisError(f"{label or 'effect'}: the SE can be derived from a p value only for a ratio other "
                              f"than 1 and 0 < p < 1, got ratio {ratio!r}, p {p!r}")
    se = abs(math.log(ratio)) / stats.norm.isf(p / 2)
    note = f"no CI was published: SE derived from the p value (p {p_relation} {p:g}) by SE = |log ratio| / z"
    if p_relation == "<":
        note += "; p was given as an upper bound, so this SE is an upper bound and the re-reading conservative"
    return Likelihood(math.log(ratio), se, statistic, "p", note, label, citation)


def likelihood_from_effect(effect: Effect, *, label: str = "", citation: str = "") -> Likelihood:
    """Normal likelihood from a published ratio effect of the evidence store (CI first, else p).

    A relative reduction is read as the ratio ``1 - reduction`` (derived, said so in the note).
    """
    statistic = effect.statistic
    ratio, lo, hi = effect.estimate, effect.ci_low, effect.ci_high
    extra = ""
    if statistic == "relative_reduction":
        ratio = 1 - effect.estimate
        lo, hi = (None, None) if effect.ci_low is None or effect.ci_high is None else (1 - hi, 1 - lo)
        statistic, extra = "ratio (1 - relative reduction)", "; ratio derived as 1 - published relative reduction"
    elif statistic not in RATIO_STATISTICS:
        raise ReanalysisError(f"{label or 'effect'}: a Bayesian re-reading needs a ratio (hazard, risk or rate "
                              f"ratio) or a relative reduction; this effect is a {statistic}")
    if lo is not None and hi is not None:
        out = likelihood_from_ci(ratio, lo, hi, statistic=statistic, label=label, citation=citation)
    elif effect.p is not None:
        out = likelihood_from_p(ratio, effect.p, p_relation=effect.p_relation, statistic=statistic, label=label,
                                citation=citation)
    else:
        raise ReanalysisError(f"{label or 'effect'}: neither a CI nor a p value was published, so the uncertainty "
                              "of this ratio is unknown and it cannot be re-read")
    prov = "derived" if extra or out.se_from == "p" else effect.provenance
    return Likelihood(out.log_hr, out.se, out.statistic, out.se_from, out.note + extra, label, citation, prov)


class BayesianReanalysis(Fitter):
    """Normal-normal re-reading of one published ratio (lifelines-shaped: settings here, ``fit()`` returns self).

    >>> r = BayesianReanalysis("neutral").fit(likelihood_from_ci(0.5, 0.25, 1.0))
    >>> round(r.hr_, 3), r.p_hr_below_1_ > 0.9
    (0.5, True)
    """

    def __init__(self, prior: str | tuple[float, float] | NormalPrior = "sceptical",
                 threshold: float = DEFAULT_THRESHOLD, conf_level: float = 0.95,
                 prior_ratio: float = DEFAULT_PRIOR_RATIO):
        self.threshold = _check_threshold(threshold)
        self.prior_spec = prior
        self.prior_ratio = _check_threshold(prior_ratio)
        self.prior = make_prior(prior, self.prior_ratio)
        self.conf_level = conf_level

    def fit(self, likelihood: Likelihood | Effect) -> BayesianReanalysis:
        lik = likelihood if isinstance(likelihood, Likelihood) else likelihood_from_effect(likelihood)
        self.prior = make_prior(self.prior_spec, self.prior_ratio, higher_is_better=lik.higher_is_better)
        w0, w1 = 1 / self.prior.sd ** 2, 1 / lik.se ** 2
        self.likelihood_ = lik
        self.posterior_mean_ = (w0 * self.prior.mean + w1 * lik.log_hr) / (w0 + w1)
        self.posterior_sd_ = math.sqrt(1 / (w0 + w1))
        post = stats.norm(self.posterior_mean_, self.posterior_sd_)
        z = stats.norm.ppf(0.5 + self.conf_level / 2)
        self.hr_ = math.exp(self.posterior_mean_)
        self.cri_low_ = math.exp(self.posterior_mean_ - z * self.posterior_sd_)
        self.cri_high_ = math.exp(self.posterior_mean_ + z * self.posterior_sd_)
        self.p_hr_below_1_ = float(post.cdf(0.0))
        self.p_hr_below_threshold_ = float(post.cdf(math.log(self.threshold)))
        self.higher_is_better_ = lik.higher_is_better
        self.important_ratio_ = 1 / self.threshold if lik.higher_is_better else self.threshold
        self.p_benefit_ = float(post.sf(0.0)) if lik.higher_is_better else self.p_hr_below_1_
        self.p_important_benefit_ = (float(post.sf(math.log(self.important_ratio_))) if lik.higher_is_better
                                     else self.p_hr_below_threshold_)
        return self

    _fitted_attribute = "hr_"

    def _check(self) -> None:
        self._require_fit()

    def __repr__(self) -> str:
        if not self.fitted:
            return f"<BayesianReanalysis prior={self.prior.name} threshold={self.threshold:g}: not fitted>"
        return (f"<BayesianReanalysis prior={self.prior.name}: posterior ratio {self.hr_:.3f} "
                f"({self.conf_level:.0%} CrI {self.cri_low_:.3f} to {self.cri_high_:.3f}); P(<1) = "
                f"{self.p_hr_below_1_:.3f}; P(<{self.threshold:g}) = {self.p_hr_below_threshold_:.3f}>")

    def to_frame(self) -> pd.DataFrame:
        self._check()
        return pd.DataFrame([{
            "prior": self.prior.name, "prior_mean_log_hr": self.prior.mean, "prior_sd_log_hr": self.prior.sd,
            "posterior_hr": self.hr_, "cri_low": self.cri_low_, "cri_high": self.cri_high_,
            "p_hr_below_1": self.p_hr_below_1_, "threshold": self.threshold,
            "p_hr_below_threshold": self.p_hr_below_threshold_, "p_benefit": self.p_benefit_,
            "p_important_benefit": self.p_important_benefit_, "se_from": self.likelihood_.se_from,
            "data_provenance": "derived (Bayesian re-reading of a published ratio)"}])

    summary = property(to_frame)

    def sentence(self) -> str:
        """One plain sentence: the probability of any benefit and of an important benefit under this prior."""
        self._check()
        side = "above" if self.higher_is_better_ else "below"
        return (f"Under a {self.prior.name} prior ({self.prior.definition}), the probability of a benefit (ratio "
                f"{side} 1) is {prob_text(self.p_benefit_)} and of an important benefit (ratio {side} "
                f"{fmt.ratio(self.important_ratio_)}) is {prob_text(self.p_important_benefit_)} (posterior ratio "
                f"{fmt.ratio(self.hr_)}, {fmt.percent(self.conf_level, 0)} credible interval "
                f"{fmt.interval(self.cri_low_, self.cri_high_)}).")

    def to_json(self) -> dict[str, Any]:
        self._check()
        return {"posterior": {"hr": self.hr_, "cri_low": self.cri_low_, "cri_high": self.cri_high_},
                "p_hr_below_1": self.p_hr_below_1_, "p_hr_below_threshold": self.p_hr_below_threshold_,
                "threshold": self.threshold, "higher_is_better": self.higher_is_better_,
                "p_benefit": self.p_benefit_, "p_important_benefit": self.p_important_benefit_,
                "important_ratio": self.important_ratio_, "prior_ratio": self.prior_ratio,
                "prior": {"name": self.prior.name, "mean_log_hr": self.prior.mean, "sd_log_hr": self.prior.sd},
                "likelihood": {"log_hr": self.likelihood_.log_hr, "se": self.likelihood_.se,
                               "se_from": self.likelihood_.se_from, "note": self.likelihood_.note},
                "data_provenance": "derived"}

    def densities(self, n: int = 400) -> pd.DataFrame:
        """Prior, likelihood and posterior densities on a grid of log ratios (for the figure)."""
        self._check()
        lik = self.likelihood_
        lo = min(self.posterior_mean_ - 4 * self.posterior_sd_, lik.log_hr - 4 * lik.se, math.log(self.threshold))
        hi = max(self.posterior_mean_ + 4 * self.posterior_sd_, lik.log_hr + 4 * lik.se, 0.1)
        x = np.linspace(lo, hi, n)
        return pd.DataFrame({"log_hr": x, "hr": np.exp(x), "prior": stats.norm.pdf(x, self.prior.mean, self.prior.sd),
                             "likelihood": stats.norm.pdf(x, lik.log_hr, lik.se),
                             "posterior": stats.norm.pdf(x, self.posterior_mean_, self.posterior_sd_)})

    def plot(self, ax=None):
        """Prior, likelihood and posterior on the ratio axis (log scale); returns the Axes."""
        from msevidence.presentation.figures.weighing import bayes_plot

        return bayes_plot(self, ax=ax)


def across_priors(likelihood: Likelihood | Effect, threshold: float = DEFAULT_THRESHOLD,
                  priors: tuple = PRIOR_NAMES, prior_ratio: float = DEFAULT_PRIOR_RATIO) -> pd.DataFrame:
    """One row per prior: posterior ratio, credible interval, P(ratio < 1) and P(ratio < threshold)."""
    lik = likelihood if isinstance(likelihood, Likelihood) else likelihood_from_effect(likelihood)
    return pd.concat([BayesianReanalysis(p, threshold, prior_ratio=prior_ratio).fit(lik).to_frame() for p in priors],
                     ignore_index=True)


def ratio_effect_of(endpoint) -> Effect | None:
    """The endpoint's effect to re-read: its main effect (:func:`msevidence.judgement.main_effect.main_effect`,
    the one rule) when that is a ratio of events or a relative reduction; otherwise a hazard ratio, another ratio
    or a relative reduction among its other effects (one with a CI first)."""
    order = ("hazard_ratio", "rate_ratio", "risk_ratio", "odds_ratio", "relative_reduction")
    main = main_effect(endpoint)
    if main is not None and main.statistic in order:
        return main
    found = [e for s in order for e in endpoint.effects if e.statistic == s]
    with_ci = [e for e in found if e.ci_low is not None and e.ci_high is not None]
    return (with_ci or found or [None])[0]


def published_likelihood(trial, endpoint_id: str) -> Likelihood:
    """The likelihood of a published endpoint of `trial` (a :class:`~msevidence.evidence.Trial`)."""
    try:
        ep = trial.endpoint(endpoint_id)
    except KeyError:
        raise OptionError("--endpoint", f"{trial.id} has no endpoint {endpoint_id!r}; known: "
                                        f"{', '.join(e.id for e in trial.endpoints)}") from None
    label = f"{trial.name}: {ep.label}"
    if ep.definition.analysis not in REREADABLE_ANALYSES:
        raise ReanalysisError(f"{label}: a {ep.definition.analysis.replace('_', ' ')} of a continuous measure is not "
                              "a ratio of events or proportions, so it cannot be re-read as one")
    eff = ratio_effect_of(ep)
    if eff is None:
        raise ReanalysisError(f"{label}: no ratio or relative reduction was published, so there is nothing to re-read")
    lik = likelihood_from_effect(eff, label=label, citation=trial.cite(eff.source))
    return Likelihood(lik.log_hr, lik.se, lik.statistic, lik.se_from, lik.note, lik.label, lik.citation,
                      lik.data_provenance, ep.favourable_higher)


def reanalyze(trial, endpoint_id: str, prior: str | tuple[float, float] = "sceptical",
              threshold: float = DEFAULT_THRESHOLD, prior_ratio: float = DEFAULT_PRIOR_RATIO) -> BayesianReanalysis:
    """Re-read a published endpoint of `trial` under `prior` (fitted :class:`BayesianReanalysis`)."""
    return BayesianReanalysis(prior, threshold, prior_ratio=prior_ratio).fit(published_likelihood(trial, endpoint_id))
