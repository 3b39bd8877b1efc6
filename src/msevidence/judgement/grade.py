"""GRADE certainty of one result, by domain, judged against the question asked.

Five domains (GRADE handbook, ch. 5; Guyatt et al., J Clin Epidemiol 2011;64:383-394 and the series after it),
each ``not serious``, ``serious`` or ``very serious``, with a one-sentence reason:

- **risk of bias**, from fields of the evidence (never from words of a label): the blinding of the analysis
  period (``open_label`` or ``mixed``: serious), ``post_hoc`` (serious), the handling of missing outcome data
  (``locf``: serious; ``imputed_as_event`` is stated but not downgraded alone: it counts unconfirmed events in both
  arms), and a result available only from a congress abstract (methods not assessable: serious). Two or more
  concerns: very serious.
- **inconsistency**: with one trial it cannot be judged and is *not* downgraded (a single trial is not downgraded
  for being single); with several study estimates, ``I^2 > 50%``: serious, ``> 75%``: very serious.
- **indirectness** of population (MS phenotype), comparator and outcome against a :class:`Question`: one aspect
  indirect: serious; two or more: very serious.
- **imprecision** against a stated threshold of an important effect (a ratio, default :data:`IMPORTANT_RATIO` =
  0.8, i.e. 20% fewer events; for an outcome where higher is better its inverse): a 95% CI that includes no effect
  and an important benefit is serious, one that also includes an important harm very serious; no CI (a p value
  only) serious, neither very serious; a CI that excludes no effect is still serious when the trial is smaller
  than the optimal information size (:func:`optimal_information_size`).
- **publication bias**: a trial without a registry number is serious (selective publication cannot be
  excluded); otherwise not serious (registered; too few studies for a funnel plot).

The rating starts ``high`` for a randomised comparison (``low`` otherwise) and goes down one level per serious and
two per very serious domain, to a floor of ``very low``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from msevidence import formatting as fmt

LEVELS = ("high", "moderate", "low", "very low")
SEVERITY = {"not serious": 0, "serious": 1, "very serious": 2}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
#: Default threshold of an important effect: a ratio of 0.8 (20% fewer events, or a 20% shorter walk time).
IMPORTANT_RATIO = 0.8


@dataclass(frozen=True)
class Question:
    """The question a result is read against: population (MS phenotype), comparator kind and outcome domains."""

    name: str
    phenotype: str
    comparators: tuple[str, ...]
    outcomes: tuple[str, ...] = ("disability_progression", "walking_speed", "upper_limb", "composite_progression")

    def describe(self) -> str:
        return f"{self.phenotype.replace('_', ' ')} MS, ocrelizumab vs {' or '.join(self.comparators)}"


QUESTIONS = {
    "ppms_vs_placebo": Question("ppms_vs_placebo", "primary_progressive", ("placebo",)),
    "rms_vs_interferon": Question("rms_vs_interferon", "relapsing", ("active",),
                                  ("disability_progression", "relapse", "walking_speed", "composite_progression")),
}
DEFAULT_QUESTION = QUESTIONS["ppms_vs_placebo"]


@dataclass(frozen=True)
class DomainRating:
    """One GRADE domain: its level and the reason."""

    domain: str
    level: str
    reason: str


@dataclass(frozen=True)
class Certainty:
    """The five domains and the overall rating that follows from them."""

    start: str
    domains: tuple[DomainRating, ...]

    @property
    def rating(self) -> str:
        down = sum(SEVERITY[d.level] for d in self.domains)
        return LEVELS[min(LEVELS.index(self.start) + down, len(LEVELS) - 1)]

    @property
    def reasons(self) -> tuple[str, ...]:
        """Sentences of the domains that lowered the rating (``"imprecision (serious): ..."``)."""
        return tuple(f"{d.domain.replace('_', ' ')} ({d.level}): {d.reason}" for d in self.domains
                     if d.level != "not serious")

    def to_json(self) -> dict[str, dict[str, str]]:
        return {d.domain: {"level": d.level, "reason": d.reason} for d in self.domains}


def _level(n: int) -> str:
    return ("not serious", "serious", "very serious")[min(n, 2)]


def optimal_information_size(control_risk: float, rrr: float = 1 - IMPORTANT_RATIO, alpha: float = 0.05,
                             power: float = 0.8, allocation: float = 1.0) -> int:
    """Total participants for a two-arm trial (`allocation` treated per control, e.g. 2 for 2:1) to detect a
    relative risk reduction `rrr` from `control_risk`.

    ``n_control = (z_(1-alpha/2) + z_power)^2 (p_c (1 - p_c) + p_t (1 - p_t) / k) / (p_c - p_t)^2`` and
    ``n_treated = k n_control``, with ``p_t = p_c (1 - rrr)`` (the two-proportion sample size, Fleiss, without
    continuity correction; GRADE guideline 6, Guyatt et al., J Clin Epidemiol 2011;64:1283-1293); each rounded up.
    With k = 1 this is twice the usual per-arm size.
    """
    if not (0 < control_risk < 1 and 0 < rrr < 1 and 0 < allocation <= 100):
        raise ValueError(f"control risk and RRR must lie in (0, 1) and the allocation in (0, 100], got "
                         f"{control_risk!r}, {rrr!r}, {allocation!r}")
    pt = control_risk * (1 - rrr)
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    n_control = z ** 2 * (control_risk * (1 - control_risk) + pt * (1 - pt) / allocation) / (control_risk - pt) ** 2
    return math.ceil(n_control) + math.ceil(allocation * n_control)


def risk_of_bias(*, blinding: str, post_hoc: bool, missing_data: str, congress_only: bool) -> DomainRating:
    concerns, notes = [], []
    if blinding == "open_label":
        concerns.append("the analysis period was open-label")
    elif blinding == "mixed":
        concerns.append("the analysis includes an open-label period after the double-blind one")
    if post_hoc:
        concerns.append("a post hoc analysis (not prespecified)")
    if missing_data == "locf":
        concerns.append("missing values were replaced by each person's last observation (carried forward), "
                        "which can bias a worsening outcome")
    elif missing_data == "imputed_as_event":
        notes.append("unconfirmed events were imputed as confirmed in both arms (stated, not downgraded alone)")
    if congress_only:
        concerns.append("the result comes only from a congress abstract, whose methods cannot be assessed")
    if not concerns:
        reason = "; ".join(["double-blind, prespecified analysis" if blinding == "double_blind" and not post_hoc
                            else "no concern recorded", *notes])
        return DomainRating("risk_of_bias", "not serious", reason)
    return DomainRating("risk_of_bias", _level(len(concerns)), "; ".join(concerns + notes))


def inconsistency(log_estimates: Sequence[float] = (), ses: Sequence[float] = ()) -> DomainRating:
    k = len(log_estimates)
    if k < 2:
        return DomainRating("inconsistency", "not serious",
                            "a single trial (or a pooled analysis without separate estimates): consistency cannot "
                            "be judged, and a single trial is not downgraded for being single")
    w = [1 / s ** 2 for s in ses]
    mu = sum(wi * y for wi, y in zip(w, log_estimates, strict=True)) / sum(w)
    q = sum(wi * (y - mu) ** 2 for wi, y in zip(w, log_estimates, strict=True))
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    level = "very serious" if i2 > 0.75 else "serious" if i2 > 0.5 else "not serious"
    return DomainRating("inconsistency", level, f"I² = {fmt.percent(i2, 0)} across {k} trials")


def indirectness(question: Question, *, phenotype: str | None, comparator: str, domain: str) -> DomainRating:
    indirect = []
    if phenotype != question.phenotype:
        indirect.append(f"population: {str(phenotype or 'not stated').replace('_', ' ')} MS, the question is about "
                        f"{question.phenotype.replace('_', ' ')} MS")
    if comparator not in question.comparators:
        words = {"active": "another drug (active comparator)", "delayed_treatment": "delayed ocrelizumab",
                 "placebo": "placebo"}
        indirect.append(f"comparator: {words.get(comparator, comparator)}, the question asks about "
                        f"{' or '.join(words.get(c, c) for c in question.comparators)}")
    if domain not in question.outcomes:
        indirect.append(f"outcome: {domain.replace('_', ' ')} is not an outcome of the question")
    if not indirect:
        return DomainRating("indirectness", "not serious", f"answers the question ({question.describe()}) directly")
    return DomainRating("indirectness", _level(len(indirect)), "; ".join(indirect))


def imprecision(estimate: float | None, ci_low: float | None, ci_high: float | None, p: float | None, *,
                ratio: bool, higher_is_better: bool, participants: int | None, control_risk: float | None,
                threshold: float = IMPORTANT_RATIO, allocation: float = 1.0) -> DomainRating:
    """Imprecision against `threshold` (an important effect as a ratio below 1; default 0.8) and the OIS."""
    if ci_low is None or ci_high is None:
        if p is None:
            return DomainRating("imprecision", "very serious", "neither a confidence interval nor a p value was "
                                                               "published")
        return DomainRating("imprecision", "serious", "no confidence interval was published (only a p value), so "
                                                      "whether it includes an important effect cannot be judged")
    if not ratio:
        return DomainRating("imprecision", "serious" if ci_low <= 0 <= ci_high else "not serious",
                            "the 95% CI " + ("includes" if ci_low <= 0 <= ci_high else "excludes") + " no effect "
                            "(a difference; no threshold of an important difference is stored)")
    benefit = 1 / threshold if higher_is_better else threshold
    harm = threshold if higher_is_better else 1 / threshold
    lo, hi = min(benefit, harm), max(benefit, harm)
    if ci_low <= 1 <= ci_high:
        both = ci_low <= lo and ci_high >= hi
        return DomainRating("imprecision", "very serious" if both else "serious",
                            f"the 95% CI ({ci_low:g} to {ci_high:g}) includes no effect"
                            + (f" and both an important benefit and an important harm (ratio {benefit:g} / {harm:g})"
                               if both else f" (threshold of an important effect: ratio {benefit:g})"))
    if control_risk is None or participants is None or not 0 < control_risk < 1:
        return DomainRating("imprecision", "not serious", f"the 95% CI ({ci_low:g} to {ci_high:g}) excludes no "
                            "effect; the optimal information size cannot be computed (no control-group risk)")
    ois = optimal_information_size(control_risk, 1 - threshold, allocation=allocation)
    if participants < ois:
        return DomainRating("imprecision", "serious", f"the 95% CI excludes no effect, but {participants} "
                            f"participants are fewer than the optimal information size of {ois} (control risk "
                            f"{fmt.fixed(control_risk, 2)}, relative reduction {fmt.percent(1 - threshold, 0)}, allocation {allocation:g}:1, alpha 0.05, "
                            "power 0.8)")
    return DomainRating("imprecision", "not serious", f"the 95% CI excludes no effect and {participants} "
                        f"participants reach the optimal information size of {ois}")


def publication_bias(registry: Sequence[str]) -> DomainRating:
    if not any(r.startswith("NCT") for r in registry):
        return DomainRating("publication_bias", "serious", "no registry number: selective publication cannot be "
                                                           "excluded")
    return DomainRating("publication_bias", "not serious", "registered trial with published results; too few "
                                                           "studies for a funnel plot")


def certainty(*domains: DomainRating, randomised: bool = True) -> Certainty:
    """Combine the five domain ratings (in :data:`DOMAINS` order) into a :class:`Certainty`."""
    found = [d.domain for d in domains]
    if sorted(found) != sorted(DOMAINS):
        raise ValueError(f"expected the five GRADE domains, got {found}")
    return Certainty("high" if randomised else "low", tuple(sorted(domains, key=lambda d: DOMAINS.index(d.domain))))
