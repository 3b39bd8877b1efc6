"""The one verdict engine: does the evidence show improvement, less worsening, no difference or more worsening?

Every sentence in msevidence that says what the evidence shows in a domain comes from :func:`judge` (and
:func:`judge_effect` for a published effect) and :func:`conclusion`. The rule, in order:

1. **Is a difference between the groups shown?** On the effect's own scale — a ratio (hazard, risk, rate, odds or
   walk-time ratio; no effect = 1), a relative reduction (no effect = 0, positive = less of the outcome) or a
   difference (no effect = 0):
   - with a 95% CI, a difference is shown when the CI excludes no effect; the CI decides even when a p value is
     also given (the rule then notes if the two disagree);
   - with a p value and no CI, when p < ``alpha`` (``p < 0.05`` reported as an inequality counts as shown);
     the direction is that of the estimate;
   - with neither, no difference is shown (and the rule says that nothing was published to judge it).
2. **Which way?** The endpoint says (``higher_is_better``, ``measures`` in the evidence store). For a *harm*
   outcome (progression, slower walking, a longer walk time) an effect below no effect favours treatment; for a
   *benefit* outcome (confirmed improvement) or a *freedom* outcome (no evidence of progression) above. A freedom
   outcome favoured by treatment is ``less worsening`` (staying free of worsening is not improvement).
   Harm favoured by control is ``more worsening``.
3. **Less worsening or improvement?** Slowing of worsening is not improvement (DESIGN.md). Treatment that is
   better for a harm outcome is ``less worsening``, unless the treated arm's own change from baseline is known
   and moved in the good direction (``treatment_change`` < 0 on a scale where positive is worse): then it is
   ``improvement``. A benefit outcome favoured by treatment is ``improvement``. A treated arm that improved on
   average without a difference shown between groups is ``no difference shown`` (the rule says so).
4. No estimate, CI or p at all: ``not reported``.

A **claim** (what people say the treatment does) is judged against such verdicts by :func:`judge_claim`:

5. Per linked result, a claim of *less worsening* (it slows worsening, it reduces relapses) is ``supported`` by
   ``less worsening`` or ``improvement``, ``contradicted`` by ``more worsening`` and ``not shown`` otherwise. A
   claim of *improvement* is ``supported`` only by ``improvement`` and ``contradicted`` only by ``more
   worsening``; ``less worsening`` does not contradict it (fewer worsening events neither show nor rule out
   improvement): ``not shown``. A claim of *no improvement* ("it does not restore function") is contradicted by
   ``improvement`` and otherwise has at most ``some evidence`` (not showing improvement does not prove its
   absence). A result with nothing published is ``no evidence either way``.
6. Over several linked results: ``not shown`` if some support and some contradict (they disagree); else the
   first present of ``supported``, ``contradicted``, ``some evidence``, ``not shown``, ``no evidence either way``.
   A claim with no linked result is ``outside the trial evidence``. The claims module then lowers ``supported`` to
   ``some evidence`` when the deciding results are of low or very low GRADE certainty.

>>> judge(0.7, 0.55, 0.9).direction
<Direction.LESS: 'less worsening'>
>>> judge(0.9, p=0.2).direction, judge(0.9).rule
(<Direction.SAME: 'no difference shown'>, 'no confidence interval or p value was published for this effect')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from msevidence.evidence.schema import Effect, Endpoint

Scale = Literal["ratio", "reduction", "difference"]
Outcome = Literal["harm", "benefit", "freedom"]
RATIO_SUFFIX = "_ratio"
ALPHA = 0.05


class Direction(StrEnum):
    """What the evidence shows in one domain."""

    IMPROVEMENT = "improvement"
    LESS = "less worsening"
    SAME = "no difference shown"
    MORE = "more worsening"
    MISSING = "not reported"


@dataclass(frozen=True)
class Verdict:
    """A direction, whether a between-group difference is shown, and the rule that decided it (one sentence)."""

    direction: Direction
    difference_shown: bool
    favours: Literal["treatment", "control"] | None
    rule: str

    def __str__(self) -> str:
        return self.direction.value


def scale_of(statistic: str) -> Scale:
    """The scale of a published effect statistic (``hazard_ratio`` -> ratio, ``relative_reduction`` -> reduction)."""
    if statistic.endswith(RATIO_SUFFIX) or statistic.startswith("ratio_of_"):
        return "ratio"
    if statistic == "relative_reduction":
        return "reduction"
    return "difference"


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def judge(estimate: float | None, ci_low: float | None = None, ci_high: float | None = None,
          p: float | None = None, *, p_relation: str = "=", scale: Scale = "ratio", outcome: Outcome = "harm",
          treatment_change: float | None = None, alpha: float = ALPHA) -> Verdict:
    """Apply the module's rule to one between-group effect (see the module docstring for the rule)."""
    null = 1.0 if scale == "ratio" else 0.0
    has_ci, has_p = _finite(ci_low) and _finite(ci_high), _finite(p)
    if not _finite(estimate) and not has_ci and not has_p:
        return Verdict(Direction.MISSING, False, None, "no estimate was reported")
    # sign: +1 if the effect points to "more of the outcome with treatment"
    if has_ci:
        shown = ci_high < null or ci_low > null
        more = ci_low > null
        rule = f"the 95% CI ({ci_low:g} to {ci_high:g}) {'excludes' if shown else 'includes'} {null:g} (no effect)"
        if has_p and (p < alpha or (p_relation == "<" and p <= alpha)) != shown:
            rule += f"; the published p ({p_relation} {p:g}) points the other way, and the CI decides"
    elif has_p:
        shown = p < alpha or (p_relation == "<" and p <= alpha)
        more = _finite(estimate) and estimate > null
        rule = f"no CI was published; p {p_relation} {p:g} is {'below' if shown else 'not below'} {alpha:g}"
        if shown and not _finite(estimate):
            return Verdict(Direction.SAME, False, None, rule + ", but no estimate gives the direction")
    else:
        return Verdict(Direction.SAME, False, None, "no confidence interval or p value was published for this effect")
    if scale == "reduction":
        more = not more  # a positive reduction means less of the outcome
    if not shown:
        if treatment_change is not None and treatment_change < 0:
            rule += ("; the treated group improved on average, but no difference from the control group was shown")
        return Verdict(Direction.SAME, False, None, rule)
    better = more if outcome in ("benefit", "freedom") else not more
    if not better:
        return Verdict(Direction.MORE, True, "control", rule)
    if outcome == "benefit":
        return Verdict(Direction.IMPROVEMENT, True, "treatment", rule)
    if outcome == "freedom":
        return Verdict(Direction.LESS, True, "treatment",
                       rule + "; more people stayed free of worsening, which is less worsening, not improvement")
    if treatment_change is not None and treatment_change < 0:
        return Verdict(Direction.IMPROVEMENT, True, "treatment",
                       rule + "; the treated group also improved from baseline on average")
    tail = ("; the treated group still worsened from baseline on average" if treatment_change is not None
            else "; fewer or later worsening events are not improvement")
    return Verdict(Direction.LESS, True, "treatment", rule + tail)


def judge_effect(effect: Effect, *, outcome: Outcome = "harm", treatment_change: float | None = None,
                 alpha: float = ALPHA) -> Verdict:
    """:func:`judge` on a published effect of the evidence store (its statistic gives the scale)."""
    return judge(effect.estimate, effect.ci_low, effect.ci_high, effect.p, p_relation=effect.p_relation or "=",
                 scale=scale_of(effect.statistic), outcome=outcome, treatment_change=treatment_change, alpha=alpha)


def judge_endpoint_effect(endpoint: Endpoint, effect: Effect, *, treatment_change: float | None = None,
                          alpha: float = ALPHA) -> Verdict:
    """:func:`judge_effect` read in the endpoint's own direction (``higher_is_better``: a ratio above 1 is benefit)."""
    outcome = ("harm" if not endpoint.favourable_higher else "benefit" if endpoint.measures == "improvement"
               else "freedom")
    return judge_effect(effect, outcome=outcome,
                        treatment_change=treatment_change, alpha=alpha)


_CONCLUSIONS = {
    "disability_progression": {
        Direction.LESS: "{treatment} slowed confirmed disability progression compared with {control}; slower "
                        "progression is not improvement",
        Direction.SAME: "no difference in confirmed disability progression between {treatment} and {control} was shown",
        Direction.MORE: "disability progressed faster with {treatment} than with {control}",
        Direction.IMPROVEMENT: "disability improved with {treatment} compared with {control}",
        Direction.MISSING: "disability progression was not reported",
    },
    "relapse": {
        Direction.LESS: "{treatment} reduced relapses compared with {control}",
        Direction.SAME: "no difference in relapses between {treatment} and {control} was shown",
        Direction.MORE: "relapses were more frequent with {treatment} than with {control}",
        Direction.IMPROVEMENT: "relapses were fewer with {treatment} than with {control}",
        Direction.MISSING: "relapses were not reported",
    },
    "walking_speed": {
        Direction.LESS: "walking worsened less with {treatment} than with {control}, but it did not improve on "
                        "average: slower worsening is not improvement",
        Direction.SAME: "no clear difference in walking between {treatment} and {control} was shown, and walking "
                        "was not shown to improve with {treatment}",
        Direction.MORE: "walking worsened more with {treatment} than with {control}",
        Direction.IMPROVEMENT: "walking improved on average with {treatment}, and more than with {control}",
        Direction.MISSING: "walking speed was not reported",
    },
    "composite_progression": {
        Direction.LESS: "{treatment} reduced confirmed progression on the composite measure compared with {control}; "
                        "less progression is not improvement",
        Direction.SAME: "no difference in composite progression between {treatment} and {control} was shown",
        Direction.MORE: "progression on the composite measure was more frequent with {treatment} than with {control}",
        Direction.IMPROVEMENT: "more people stayed free of progression with {treatment} than with {control}",
        Direction.MISSING: "composite progression was not reported",
    },
    "upper_limb": {
        Direction.LESS: "hand and arm function worsened less with {treatment} than with {control}",
        Direction.SAME: "no difference in hand and arm function between {treatment} and {control} was shown",
        Direction.MORE: "hand and arm function worsened more with {treatment} than with {control}",
        Direction.IMPROVEMENT: "hand and arm function improved more with {treatment} than with {control}",
        Direction.MISSING: "no result for hand and arm function was published",
    },
}


def conclusion(direction: Direction | str, domain: str, treatment: str, control: str) -> str:
    """The plain-language sentence (no final full stop) for a direction in a domain, arms named by treatment."""
    table = _CONCLUSIONS.get(domain, _CONCLUSIONS["disability_progression"])
    return table[Direction(direction)].format(treatment=treatment, control=control)


class ClaimStatus(StrEnum):
    """What the evidence says of a claim (the fixed vocabulary of the claims ledger)."""

    SUPPORTED = "supported"
    SOME = "some evidence"
    NOT_SHOWN = "not shown"
    CONTRADICTED = "contradicted"
    NO_EVIDENCE = "no evidence either way"
    OUTSIDE = "outside the trial evidence"
    # Claims decided by the store of other walking interventions (never by ocrelizumab trials).
    OTHER_SUPPORTED = "supported by other randomised evidence (not ocrelizumab)"
    OTHER_WEAK = "weak evidence (not ocrelizumab)"
    OTHER_NO_BENEFIT = "randomised evidence found no clear benefit (not ocrelizumab)"
    OTHER_NONE = "no randomised evidence found"


Asserts = Literal["less_worsening", "improvement", "no_improvement"]


def claim_status(asserts: Asserts, verdict: Verdict, treatment_change: float | None = None) -> ClaimStatus:
    """Rule 5 of the module docstring: one linked result's verdict read against what the claim asserts.

    `treatment_change` (the treated group's own change, positive = worse) is kept for the sentence only: a treated
    group that still worsened does not contradict a claim of improvement (less worsening is not its opposite).
    """
    d = verdict.direction
    if d == Direction.MISSING:
        return ClaimStatus.NO_EVIDENCE
    if asserts == "no_improvement":  # "it does not restore function": only shown improvement contradicts it
        return ClaimStatus.CONTRADICTED if d == Direction.IMPROVEMENT else ClaimStatus.SOME
    if d == Direction.MORE:
        return ClaimStatus.CONTRADICTED
    if asserts == "less_worsening":
        return ClaimStatus.SUPPORTED if d in (Direction.LESS, Direction.IMPROVEMENT) else ClaimStatus.NOT_SHOWN
    return ClaimStatus.SUPPORTED if d == Direction.IMPROVEMENT else ClaimStatus.NOT_SHOWN


def judge_claim(statuses: list[ClaimStatus]) -> ClaimStatus:
    """Rule 6 of the module docstring: the claim's status over its linked results."""
    s = set(statuses)
    if not s:
        return ClaimStatus.OUTSIDE
    if ClaimStatus.SUPPORTED in s and ClaimStatus.CONTRADICTED in s:
        return ClaimStatus.NOT_SHOWN
    for status in (ClaimStatus.SUPPORTED, ClaimStatus.CONTRADICTED, ClaimStatus.SOME, ClaimStatus.NOT_SHOWN):
        if status in s:
            return status
    return ClaimStatus.NO_EVIDENCE
