"""Judging the store of other walking interventions: guards that keep scales apart, and claim verdicts.

Guards. A result is defined by its outcome scale, statistic, units and direction (:func:`axis`). Results on
different definitions are different estimands: they are never pooled and never drawn on one axis
(:func:`require_same_axis`); a standardised mean difference is never turned into seconds or metres
(:func:`in_natural_units`); a change within responders or within one condition is never shown as a difference
between arms (:func:`between_arm`); crossover, uncontrolled and mixed-design evidence is never called randomised
parallel evidence (:func:`require_randomised_parallel`). Each refusal is one line naming both definitions.

Verdicts. :func:`intervention_claims` decides the claims of ``evidence/interventions/claims.yaml`` from the
results they name, in four plain classes (:data:`VERDICT_TEXT`), with the sources' own certainty and the
population caveat. None of this is ocrelizumab evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from msevidence.errors import InputError
from msevidence.evidence.intervention_claims import read_intervention_claims
from msevidence.evidence.interventions import (
    RANDOMISED_PARALLEL,
    RATIO_STATISTICS,
    WITHIN_STATISTICS,
    InterventionStore,
    Result,
    Study,
)

Pair = tuple[Study, Result]
STATISTIC_LABELS = {
    "smd": "standardised mean difference (SD units)", "md": "mean difference", "or": "odds ratio of responders",
    "rr": "risk ratio", "rd": "risk difference", "rate_ratio": "rate ratio", "hr": "hazard ratio",
    "nnt": "number needed to treat", "responder_proportions": "responders per arm",
    "condition_means": "mean per condition (crossover), not a between-arm difference",
    "within_responder_change": "change within responders only, not a between-arm difference",
    "within_group_change": "change within one condition, not a between-arm difference",
    "narrative": "stated in words only",
}
DESIGN_LABELS = {
    "meta_analysis_rct": "meta-analysis of randomised trials", "parallel_rct": "randomised parallel trial",
    "crossover": "crossover study, not randomised parallel evidence",
    "uncontrolled": "uncontrolled study, not randomised evidence",
    "systematic_review_mixed": "systematic review of mixed designs (not pooled), not randomised parallel evidence",
}
Verdict = Literal["supported", "weak", "no_clear_benefit", "none_found", "outside"]
VERDICT_TEXT: dict[str, str] = {
    "supported": "supported by other randomised evidence (not ocrelizumab)",
    "weak": "weak evidence",
    "no_clear_benefit": "randomised evidence found no clear benefit",
    "none_found": "no randomised evidence found",
    "outside": "outside this store",
}
_ORDER = ["none_found", "no_clear_benefit", "weak", "supported"]
#: A single parallel trial smaller than this is too imprecise to support a claim on its own (GRADE imprecision:
#: far below any optimal information size for a binary or continuous walking outcome).
SMALL_TRIAL_N = 100
ALPHA = 0.05


class ScaleMismatchError(InputError):
    """Results on different outcome definitions or statistics put together (pooled or drawn on one axis)."""


class NotBetweenArmError(InputError):
    """A within-responder or within-condition result asked for as a difference between randomised arms."""


class NotRandomisedParallelError(InputError):
    """Crossover, uncontrolled or mixed-design evidence asked for as randomised parallel evidence."""


class NotConvertibleError(InputError):
    """A standardised effect asked for in natural units (seconds, metres)."""


def axis(result: Result) -> tuple[str, str, str, bool]:
    """What must match for two results to share an axis: (scale, statistic, units, higher is better)."""
    o = result.outcome
    return o.scale, result.statistic, o.units, o.higher_is_better


def definition(study: Study, result: Result) -> str:
    """One line naming a result's definition, e.g. 'pearson_2015.t25fw: T25FW, mean difference (s; lower is
    better), end of training'."""
    o = result.outcome
    better = "higher" if o.higher_is_better else "lower"
    return (f"{study.id}.{result.id}: {o.scale}, {STATISTIC_LABELS[result.statistic]} ({o.units}; {better} is "
            f"better), {o.time_point}")


def source_name(study: Study) -> str:
    """'Martino Cinnera 2021': the first author's surname (from the citation) and the year of the study id."""
    first = study.reference.citation.split(",")[0].split(";")[0].strip()
    surname = " ".join(w for w in first.split() if not (w.isupper() and len(w) <= 3)) or first
    return f"{surname} {study.id.rpartition('_')[2]}"


def require_same_axis(pairs: list[Pair], purpose: str = "drawn on one axis") -> list[Pair]:
    """`pairs` unchanged if they share one definition; else :class:`ScaleMismatchError` naming the first two."""
    for s, r in pairs[1:]:
        if axis(r) != axis(pairs[0][1]):
            raise ScaleMismatchError(f"cannot be {purpose}: '{definition(*pairs[0])}' and '{definition(s, r)}' are "
                                     "different outcome definitions or statistics (rule: never mix scales)")
    return pairs


def between_arm(study: Study, result: Result) -> Result:
    """`result` if it is a difference between arms; a within-responder or within-condition result is refused."""
    if result.statistic in WITHIN_STATISTICS:
        raise NotBetweenArmError(f"'{definition(study, result)}' is a {STATISTIC_LABELS[result.statistic]} and "
                                 "is never shown as a between-arm difference (rule: label within-group results)")
    return result


def require_randomised_parallel(study: Study, purpose: str = "randomised parallel evidence") -> Study:
    """`study` if its design is a randomised parallel trial or a meta-analysis of them."""
    if study.design not in RANDOMISED_PARALLEL or not study.randomised:
        raise NotRandomisedParallelError(f"{study.id} is a {DESIGN_LABELS[study.design]}; it cannot be used as "
                                         f"{purpose} (rule: designs are labelled)")
    return study


def in_natural_units(study: Study, result: Result, units: str) -> float:
    """The estimate in `units` (seconds, metres) when it was published in them; a standardised effect is refused,
    because its SD differs between studies and was not published with it."""
    if result.statistic == "smd":
        raise NotConvertibleError(f"'{definition(study, result)}' is standardised (SD units) and is never "
                                  f"converted to {units} (rule: a standardised effect stays standardised)")
    if result.outcome.units != units or result.estimate is None:
        raise ScaleMismatchError(f"'{definition(study, result)}' is not published in {units} (rule: never mix "
                                 "scales)")
    return result.estimate


def check_poolable(pairs: list[Pair]) -> list[Pair]:
    """Pooling is refused unless every result shares one definition, is a between-arm effect from a randomised
    parallel trial (not a meta-analysis: reviews overlap) and has a CI."""
    require_same_axis(pairs, "pooled")
    for s, r in pairs:
        between_arm(s, r)
        require_randomised_parallel(s, "a trial to pool")
        if s.design != "parallel_rct":
            raise ScaleMismatchError(f"{s.id} is a {DESIGN_LABELS[s.design]}; meta-analyses overlap and are not "
                                     "pooled again (rule: pool trials, not reviews)")
        if r.ci_low is None:
            raise ScaleMismatchError(f"'{definition(s, r)}' has no CI to weight it (rule: pool only with a CI)")
    return pairs


def _favourable(result: Result) -> bool | None:
    """True/False if the result clearly favours the intervention / the comparator, None if uncertain."""
    hib = result.outcome.higher_is_better
    null = 1.0 if result.statistic in RATIO_STATISTICS else 0.0
    if result.statistic == "narrative":
        return {"favours_intervention": True, "favours_comparator": False}.get(result.finding_direction)
    significant = result.p is not None and (result.p < ALPHA or (result.p_relation == "<" and result.p <= ALPHA))
    if result.ci_low is not None and result.ci_high is not None:
        if result.ci_low > null or result.ci_high < null:
            return (result.ci_low > null) == hib
        return None
    if not significant:
        return None
    if result.statistic == "nnt":
        return result.estimate is not None and result.estimate > 0
    if result.arms:
        a, b = result.arms[0], result.arms[1]
        va = a.events / a.n if a.events is not None and a.n else a.value
        vb = b.events / b.n if b.events is not None and b.n else b.value
        return None if va is None or vb is None else (va > vb) == hib
    return None if result.estimate is None else (result.estimate > null) == hib


def result_verdict(study: Study, result: Result) -> tuple[str, str]:
    """(verdict, reason) for one result as evidence for the intervention."""
    fav = _favourable(result)
    if fav is False or (result.statistic == "narrative" and result.finding_direction == "no_difference"):
        return ("no_clear_benefit" if study.randomised else "weak"), "no benefit shown"
    if fav is None:
        return "weak", "uncertain: the result is compatible with no effect"
    if result.statistic in WITHIN_STATISTICS:
        return "weak", STATISTIC_LABELS[result.statistic]
    if study.design not in RANDOMISED_PARALLEL or not study.randomised:
        return "weak", DESIGN_LABELS[study.design]
    if result.certainty in ("low", "very_low"):
        return "weak", f"{result.certainty.replace('_', ' ')} certainty (the source's rating)"
    if study.design == "parallel_rct" and (study.population.n or 0) < SMALL_TRIAL_N:
        return "weak", f"one small trial ({study.population.n} people)"
    return "supported", "favours the intervention in randomised evidence"


@dataclass(frozen=True)
class AspectVerdict:
    id: str
    question: str
    verdict: str
    verdict_text: str
    results: tuple[str, ...]
    reasons: tuple[str, ...]
    study_needed: str | None


@dataclass(frozen=True)
class InterventionClaim:
    """A claim decided by the store of other interventions (not by ocrelizumab trials)."""

    id: str
    statement: str
    verdict: str
    verdict_text: str
    certainty: str
    population_caveat: str
    aspects: tuple[AspectVerdict, ...]
    context: tuple[str, ...]
    outside_reason: str | None
    decided_by: str = "store of other interventions (evidence/interventions), not ocrelizumab trials"

    def to_dict(self) -> dict:
        return asdict(self)


def _certainty(pairs: list[Pair]) -> str:
    graded = [f"{s.id.split('_')[0].title()} {s.id.split('_')[-1]}, {r.outcome.label}: "
              f"{r.certainty.replace('_', ' ')}" for s, r in pairs if r.certainty]
    return "; ".join(graded) if graded else "not graded by the sources"


def population_caveat(studies: list[Study]) -> str:
    """Who the evidence is about, said plainly; never PPMS-specific unless every study was."""
    if not studies:
        return "No study of this question was found."
    names = {"mixed": "mixed (relapsing and progressive together)", "not_stated": "type not stated"}
    types = sorted({names.get(s.population.ms_type, s.population.ms_type) for s in studies})
    lows = [s.population.edss_low for s in studies if s.population.edss_low is not None]
    highs = [s.population.edss_high for s in studies if s.population.edss_high is not None]
    edss = f"; EDSS {min(lows or highs):g} to {max(highs):g} where stated" if highs else ""
    ppms = "" if all(s.population.ms_type == "progressive" for s in studies) else \
        "; not primary progressive MS specifically"
    return f"People with MS of these types: {', '.join(types)}{edss}{ppms}; not people taking ocrelizumab."


def intervention_claims(store: InterventionStore, path=None) -> tuple[InterventionClaim, ...]:
    """Typed verdict rows keyed by claim id, from the store's ``claims.yaml`` (or `path`)."""
    spec = read_intervention_claims(store, path)
    out = []
    for c in spec.claims:
        if c.outside:
            out.append(InterventionClaim(c.id, c.statement, "outside", VERDICT_TEXT["outside"], "not applicable",
                                         "not applicable", (), c.context, c.outside))
            continue
        aspects, used = [], []
        for a in c.aspects:
            pairs = [store.result(ref) for ref in a.results]
            used += pairs
            judged = [result_verdict(s, r) for s, r in pairs]
            best = max((v for v, _ in judged), key=_ORDER.index, default="none_found")
            reasons = tuple(f"{ref}: {why}" for ref, (_, why) in zip(a.results, judged, strict=True))
            aspects.append(AspectVerdict(a.id, a.question, best, VERDICT_TEXT[best], a.results, reasons,
                                         a.study_needed))
        overall = min((x.verdict for x in aspects), key=_ORDER.index)
        studies = list({s.id: s for s, _ in used}.values())
        out.append(InterventionClaim(c.id, c.statement, overall, VERDICT_TEXT[overall], _certainty(used),
                                     population_caveat(studies), tuple(aspects), c.context, None))
    return tuple(out)


#: Plain words for each kind of intervention and for what would count as a gain on each scale (lay pages).
KIND_PLAIN = {"exercise": "Exercise", "balance_training": "Balance training",
              "dual_task_training": "Walking practice mixed with a thinking task", "strengthening": "Strength training",
              "physiotherapy": "Physiotherapy", "cooling": "Cooling vests and garments",
              "assistive_device": "Walking aids, fitted and trained",
              "functional_electrical_stimulation": "Electrical stimulation for foot drop",
              "symptomatic_drug": "Fampridine (a different drug from Ocrevus)"}
GAIN_PLAIN = {"T25FW": "walking a short distance faster", "10MWT": "faster walking", "2MWT": "walking further",
              "6MWT": "walking further", "TUG": "getting up and walking faster", "MSWS-12": "walking that feels easier",
              "BBS": "better balance", "balance": "better balance", "falls_rate": "fewer falls",
              "fallers": "fewer falls", "walking_mobility": "better walking overall", "walking_composite":
              "better walking", "MSFC": "a better score on a test of walking, hands and thinking",
              "walk_to_exhaustion": "walking for longer", "walking_speed": "faster walking"}
VERDICT_PLAIN = {"supported": "shown in randomised trials", "weak": "possible but uncertain",
                 "no_clear_benefit": "not shown in a randomised trial"}


@dataclass(frozen=True)
class KindSummary:
    """One plain sentence per kind of intervention, from the verdicts of its results."""

    kind: str
    label: str
    sentence: str
    verdicts: tuple[tuple[str, str, str | None], ...]  # (gain, verdict, the source's certainty or None)


def kind_summaries(pairs: list[Pair]) -> tuple[KindSummary, ...]:
    """e.g. 'Balance training: fewer falls is possible but uncertain (very low certainty)'."""
    out = []
    for kind, label in KIND_PLAIN.items():
        by_gain: dict[str, list[tuple[str, str | None]]] = {}
        for s, r in pairs:
            if s.intervention.kind == kind:
                by_gain.setdefault(GAIN_PLAIN[r.outcome.scale], []).append((result_verdict(s, r)[0], r.certainty))
        if not by_gain:
            continue
        parts = []
        for gain, judged in by_gain.items():
            best = max((v for v, _ in judged), key=_ORDER.index)
            graded = [c for v, c in judged if v == best and c]
            parts.append((gain, best, graded[0].replace("_", " ") if graded else None))
        said = [f"{g} is {VERDICT_PLAIN[v]}" + (f" ({c} certainty)" if c else "") for g, v, c in parts]
        text = ". ".join(x[0].upper() + x[1:] for x in said[1:])
        out.append(KindSummary(kind, label, f"{label}: {said[0]}." + (f" {text}." if text else ""), tuple(parts)))
    return tuple(out)


_CLAIM_STATUS = {"supported": "OTHER_SUPPORTED", "weak": "OTHER_WEAK", "no_clear_benefit": "OTHER_NO_BENEFIT",
                 "none_found": "OTHER_NONE", "outside": "OUTSIDE"}
_LAY_GAIN = {"supported": "shown", "weak": "possible but uncertain", "no_clear_benefit": "not shown",
             "none_found": "not studied in a randomised trial"}


def claim_verdict_provider(store: InterventionStore, path=None):
    """A verdict provider for the claims ledger (``decided_by: interventions``; see
    :mod:`msevidence.judgement.claims`): each claim of this store's ``claims.yaml`` as a
    :class:`~msevidence.judgement.claims.ClaimVerdict`, its verdict one of the "not ocrelizumab" classes."""
    from msevidence.judgement.claims import ClaimVerdict
    from msevidence.judgement.verdict import ClaimStatus

    decided = {c.id: c for c in intervention_claims(store, path)}

    def provide(claim) -> ClaimVerdict | None:
        c = decided.get(claim.id)
        if c is None:
            return None
        status = ClaimStatus[_CLAIM_STATUS[c.verdict]]
        if c.verdict == "outside":
            why = c.outside_reason or "this store holds no evidence on it"
            return ClaimVerdict(claim.id, claim.claim, status, f"{status.value[:1].upper()}{status.value[1:]}: {why}",
                                (), (f"Store of other walking interventions: {why}",), (), None, "not rated (outside the evidence)", "interventions",
                                {"verdict_class": c.verdict_text, "lay_reason": f"{why[:1].upper()}{why[1:].rstrip('.')}."})
        refs = [r for a in c.aspects for r in a.results]
        sources = tuple(dict.fromkeys(
            f"{s.reference.citation} ({r.locator}; read at {s.reference.checked_at})"
            for s, r in (store.result(ref) for ref in refs))) + tuple(
            f"Store of other walking interventions: no randomised trial found ({a.question.rstrip('?')})"
            for a in c.aspects if not a.results)
        parts = "; ".join(f"{a.question[:1].lower()}{a.question[1:].rstrip('?')}: {a.verdict_text}"
                          for a in c.aspects)
        needed = next((a.study_needed for a in c.aspects if a.study_needed and not a.results), None)
        lay = " ".join(f"{a.question} {_LAY_GAIN[a.verdict].capitalize()}." for a in c.aspects)
        return ClaimVerdict(
            claim.id, claim.claim, status,
            f"{c.verdict_text[:1].upper()}{c.verdict_text[1:]} (certainty as graded by the sources: {c.certainty}): "
            f"{parts}. {c.population_caveat}", (), sources, (), needed, c.certainty, "interventions",
            {"verdict_class": c.verdict_text, "population_caveat": c.population_caveat,
             "aspects": [asdict(a) for a in c.aspects],
             "lay_reason": f"{lay} These studies were mostly not of people with primary progressive MS."})

    return provide
