"""Verdicts on the claims ledger: what people say, and what the evidence shows, with its certainty.

Each claim of ``evidence/claims.yaml`` gets one word of a fixed vocabulary (:class:`ClaimStatus`: supported, some
evidence, not shown, contradicted, no evidence either way, outside the trial evidence), its GRADE certainty, one
sentence of explanation that starts with both ("Some evidence, low certainty: ..."), the deciding results and
their sources, and, where trials cannot answer, the study that would.

How a verdict is reached: each deciding endpoint's published effect is judged in the endpoint's own direction by
:func:`~msevidence.judgement.verdict.judge_endpoint_effect`, read against what the claim asserts by
:func:`~msevidence.judgement.verdict.claim_status` and combined by
:func:`~msevidence.judgement.verdict.judge_claim`. Each deciding result is rated by GRADE domain against the
claim's question (:func:`msevidence.judgement.sof.rate`); the claim's certainty is that of the best-rated result
behind its verdict, and ``supported`` becomes ``some evidence`` when that certainty is low or very low. For a claim
that the treatment does *not* improve function, a result that counts only worsening events (no treated-group
change) is two levels less certain (very serious indirectness: worsening outcomes do not measure restoration).

**Extension point: other stores decide some claims.** A claim with ``decided_by: NAME`` is decided by the
verdict provider registered under NAME: a callable ``provider(claim) -> ClaimVerdict | None``, registered with
:func:`register_verdict_provider` or passed to :func:`judge_claims` as ``providers={NAME: provider}``. The
provider returns a :class:`ClaimVerdict` (its ``decided_by`` set to NAME) or None; with no provider, or None, the
claim's own ``outside`` entry stands (verdict *outside the trial evidence*, with the study needed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.claims import Claim, ClaimsLedger
from msevidence.evidence.schema import Effect, Endpoint, Source
from msevidence.evidence.store import load_claims
from msevidence.judgement.grade import LEVELS, QUESTIONS, Certainty
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.published import effect_words
from msevidence.judgement.verdict import (
    ClaimStatus,
    Direction,
    Verdict,
    claim_status,
    conclusion,
    judge,
    judge_claim,
    judge_endpoint_effect,
)

_NAMES = {"hazard_ratio": "hazard ratio", "rate_ratio": "rate ratio", "risk_ratio": "risk ratio",
          "relative_reduction": "relative reduction", "risk_difference": "risk difference",
          "mean_difference": "mean difference", "ratio_of_geometric_means": "ratio of adjusted geometric means"}
NOT_RATED = {ClaimStatus.OUTSIDE: "not rated (outside the trial evidence)",
             ClaimStatus.NO_EVIDENCE: "not rated (no result to rate)"}
_IMPROVEMENT_TEXT = {
    Direction.IMPROVEMENT: "more people had confirmed improvement with {treatment} than with {control}",
    Direction.LESS: "more people had confirmed improvement with {treatment} than with {control}",
    Direction.SAME: "no difference in confirmed improvement between {treatment} and {control} was shown",
    Direction.MORE: "fewer people had confirmed improvement with {treatment} than with {control}",
    Direction.MISSING: "confirmed improvement was not reported",
}


@dataclass(frozen=True)
class LinkedResult:
    """One deciding endpoint of a claim: its verdict, what it means for the claim, its certainty and source."""

    trial: str
    endpoint: str
    verdict: Verdict
    status: ClaimStatus
    sentence: str
    citations: tuple[str, ...]
    certainty: Certainty | None = None
    rating: str | None = None  # the certainty this result lends the claim (may be lower than certainty.rating)
    rating_note: str = ""
    comparator: str = "placebo"

    def to_json(self) -> dict[str, Any]:
        return {"trial": self.trial, "endpoint": self.endpoint, "verdict": self.verdict.direction.value,
                "status": self.status.value, "certainty": self.rating,
                "certainty_domains": self.certainty.to_json() if self.certainty else None,
                "certainty_note": self.rating_note or None, "sources": list(self.citations)}


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim, its verdict and certainty, one sentence of explanation, the deciding results and the sources."""

    id: str
    claim: str
    verdict: ClaimStatus
    explanation: str
    endpoints: tuple[str, ...]
    sources: tuple[str, ...]
    results: tuple[LinkedResult, ...] = ()
    study_needed: str | None = None
    certainty: str = ""
    decided_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict.value, "explanation": self.explanation,
                "endpoints": list(self.endpoints), "sources": list(self.sources), "id": self.id,
                "study_needed": self.study_needed, "certainty": self.certainty,
                "deciding_results": [r.to_json() for r in self.results], "decided_by": self.decided_by, **self.extra}


VerdictProvider = Callable[[Claim], ClaimVerdict | None]
PROVIDERS: dict[str, VerdictProvider] = {}


def register_verdict_provider(name: str, provider: VerdictProvider) -> None:
    """Let `provider` decide every claim with ``decided_by: name`` (see the module docstring)."""
    PROVIDERS[name] = provider


def _number(eff: Effect) -> str:
    prov = f", {eff.provenance}" if eff.provenance != "published" else ""
    return effect_words(eff, _NAMES.get(eff.statistic, eff.statistic), nested=True) + prov


def _down(level: str, n: int) -> str:
    return LEVELS[min(LEVELS.index(level) + n, len(LEVELS) - 1)]


def _link_result(trial: Trial, ep: Endpoint, claim: Claim, ev: EvidenceSet) -> LinkedResult:
    from msevidence.judgement.sof import rate

    eff = main_effect(ep)
    tr, ct = trial.arm(eff.treatment) if eff else trial.treatment, trial.arm(eff.control) if eff else trial.control
    t_res, c_res = ep.result(tr.id, "mean_pct_change"), ep.result(ct.id, "mean_pct_change")
    change = t_res.value if t_res is not None else None
    cites = [trial.cite(t_res.source)] if t_res is not None else []
    if eff is None:
        v = judge(None)
        return LinkedResult(trial.id, ep.id, v, claim_status(claim.asserts, v, change),
                            f"{trial.name} published no estimate for {ep.label[:1].lower()}{ep.label[1:]}",
                            tuple(cites) or (trial.cite(Source(ref=trial.references[0].key, locator="outcomes")),))
    v = judge_endpoint_effect(ep, eff, treatment_change=change)
    status = claim_status(claim.asserts, v, change)
    cites.insert(0, trial.cite(eff.source))
    if ep.measures == "improvement":
        text = _IMPROVEMENT_TEXT[v.direction].format(treatment=tr.drug, control=ct.drug)
    elif ep.definition.milestone and v.direction == Direction.LESS:
        text = f"{tr.drug} delayed reaching a disability milestone ({ep.definition.milestone}) compared with {ct.drug}"
    else:
        text = conclusion(v.direction, ep.domain, tr.drug, ct.drug)
    detail = _number(eff)
    if t_res is not None and c_res is not None:
        kind = "adjusted geometric mean" if t_res.mean_kind == "adjusted_geometric" else "average"
        detail += (f"; {kind} change {fmt.percent_change(t_res.value)} with {tr.drug} vs "
                   f"{fmt.percent_change(c_res.value)} with {ct.drug}")
    cert = rate(trial, ep, eff, ev, question=QUESTIONS[claim.question])
    rating, note = cert.rating, ""
    if claim.asserts == "no_improvement" and ep.measures == "worsening" and not (change is not None and change > 0):
        rating = _down(rating, 2)
        note = ("two levels lower for this claim: a worsening outcome does not measure restoration (indirectness, "
                "very serious)")
    return LinkedResult(trial.id, ep.id, v, status, f"in {trial.name}, {text} ({detail})",
                        tuple(dict.fromkeys(cites)), cert, rating, note, trial.comparator)


_LEAD = {s: s.value[:1].upper() + s.value[1:] for s in ClaimStatus}


def _outside_sources(claim: Claim, ev: EvidenceSet) -> tuple[str, ...]:
    """For a claim no result decides: its own sources, its context links' sources, else each trial checked."""
    cites = [f"{s.citation} ({s.locator}{'; seen in a secondary report' if s.secondary else ''}; read at "
             f"{s.checked_at})" for s in claim.sources]
    for x in claim.links:
        t = ev[x.trial]
        eff = main_effect(t.endpoint(x.endpoint))
        if eff is not None:
            cites.append(t.cite(eff.source))
    if not cites:
        cites = [f"checked: {t.cite(Source(ref=t.references[0].key, locator='outcomes'))}" for t in ev]
    return tuple(dict.fromkeys(cites))


def _lower(text: str) -> str:
    return f"{text[:1].lower()}{text[1:].rstrip('.')}"


def judge_one(claim: Claim, ev: EvidenceSet) -> ClaimVerdict:
    """The verdict on one claim, with its certainty (see the module docstring)."""
    linked = tuple(f"{x.trial}:{x.endpoint}" for x in claim.links)
    if not claim.deciding:
        status = ClaimStatus.NO_EVIDENCE if claim.no_evidence is not None else ClaimStatus.OUTSIDE
        o = claim.no_evidence or claim.outside
        return ClaimVerdict(claim.id, claim.claim, status,
                            f"{_LEAD[status]}: {_lower(o.why)}; it would take {_lower(o.study_needed)}.",
                            linked, _outside_sources(claim, ev), (), o.study_needed, NOT_RATED[status])
    results = tuple(_link_result(ev[x.trial], ev[x.trial].endpoint(x.endpoint), claim, ev) for x in claim.deciding)
    status = judge_claim([r.status for r in results])
    behind = [r for r in results if r.status == status and r.rating] or [r for r in results if r.rating] or results
    lead = min(behind, key=lambda r: LEVELS.index(r.rating) if r.rating else len(LEVELS))
    level = lead.rating
    if status == ClaimStatus.SUPPORTED and level in ("low", "very low"):
        status = ClaimStatus.SOME
    certainty = level if level and status != ClaimStatus.NO_EVIDENCE else NOT_RATED[ClaimStatus.NO_EVIDENCE]
    others = [r for r in results if r is not lead]
    tail = ""
    if {r.status for r in results} >= {ClaimStatus.SUPPORTED, ClaimStatus.CONTRADICTED}:
        tail = "; the deciding results disagree"
    elif others:
        agree = sum(r.status == lead.status for r in others)
        tail = (f"; {agree} of {len(others)} other deciding result{'s' * (len(others) != 1)} "
                f"agree{'s' * (agree == 1)}")
    why = ""
    lead_ep = ev[lead.trial].endpoint(lead.endpoint)
    if status == ClaimStatus.NOT_SHOWN and claim.asserts == "improvement" and lead_ep.measures == "worsening":
        why = "; fewer or later worsening events are not improvement, and they do not contradict it either"
    elif status == ClaimStatus.SOME and claim.asserts == "no_improvement":
        why = "; the trials did not show improvement, which is not proof that none occurs"
    ev_trial = ev[lead.trial]
    if ev_trial.comparator == "active":
        why += f"; this compares {ev_trial.treatment.drug} with another drug, not with placebo"
    words = f"{_LEAD[status]}, {certainty} certainty" if level and status != ClaimStatus.NO_EVIDENCE else _LEAD[status]
    explanation = f"{words}: {lead.sentence}{why}{tail}."
    sources = tuple(dict.fromkeys(c for r in results for c in r.citations))
    study = claim.outside.study_needed if claim.outside else None
    return ClaimVerdict(claim.id, claim.claim, status, explanation, linked, sources, results, study, certainty)


@dataclass(frozen=True)
class ClaimsReport:
    """Every claim of the ledger with its verdict."""

    verdicts: tuple[ClaimVerdict, ...]

    def __iter__(self):
        return iter(self.verdicts)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"claim": v.claim, "verdict": v.verdict.value, "certainty": v.certainty,
                              "explanation": v.explanation, "endpoints": "; ".join(v.endpoints),
                              "sources": "; ".join(v.sources)} for v in self.verdicts])

    def to_json(self) -> list[dict[str, Any]]:
        return [v.to_json() for v in self.verdicts]

    def lay_lines(self) -> list[str]:
        """Plain words, no identifiers: the claim, what the evidence shows (never more), and the reason."""
        out = []
        for v in self.verdicts:
            conf = f" Our confidence in this is {v.certainty}." if v.certainty in LEVELS else ""
            words = {ClaimStatus.SUPPORTED: "The trials support this." + conf,
                     ClaimStatus.SOME: "There is some evidence for this, but it is limited." + conf,
                     ClaimStatus.NOT_SHOWN: "The trials do not show this.",
                     ClaimStatus.CONTRADICTED: "The trials show otherwise." + conf,
                     ClaimStatus.NO_EVIDENCE: "No trial measured this, so there is no evidence either way.",
                     ClaimStatus.OUTSIDE: "The trials did not study this.",
                     ClaimStatus.OTHER_SUPPORTED: "Trials of other treatments (not Ocrevus) support this.",
                     ClaimStatus.OTHER_WEAK: "Studies of other treatments (not Ocrevus) give only weak support.",
                     ClaimStatus.OTHER_NO_BENEFIT: "Trials of other treatments (not Ocrevus) found no clear gain.",
                     ClaimStatus.OTHER_NONE: "We found no randomised trial of this."}[v.verdict]
            if v.decided_by:
                reason = v.extra.get("lay_reason", "")
            elif v.results:
                lead = next((r for r in v.results if r.status == v.verdict), v.results[0])
                reason = _lay(lead.sentence)
                if lead.comparator == "active":
                    reason += " That trial compared it with another drug, not with placebo."
                elif lead.comparator == "delayed_treatment":
                    reason += " That comparison was of starting it earlier or later, not of placebo."
            else:
                reason = f"Answering it would take {_lower(v.study_needed or 'a study designed for it')}."
            out.append(f"**\u201c{v.claim.rstrip('.')}.\u201d** {words} {reason}")
        return out


def _lay(sentence: str) -> str:
    """A deciding-result sentence without anything in brackets (statistics, scale values)."""
    import re

    head = re.sub(r" \([^()]*\)", "", sentence)
    return head[:1].upper() + head[1:] + "."


def judge_claims(ev: EvidenceSet, ledger: ClaimsLedger | None = None,
                 providers: Mapping[str, VerdictProvider] | None = None) -> ClaimsReport:
    """Verdicts on every claim of `ledger` (default: the store's ``claims.yaml``).

    `providers` (default: those registered with :func:`register_verdict_provider`) decide the claims whose
    ``decided_by`` names them; a provider returning None leaves the claim's own verdict.
    """
    ledger = ledger if ledger is not None else load_claims(evidence=ev)
    if providers is None:
        providers = dict(PROVIDERS)
        if "interventions" not in providers and any(c.decided_by == "interventions" for c in ledger):
            from msevidence.evidence.interventions import load_interventions
            from msevidence.judgement.interventions import claim_verdict_provider

            providers["interventions"] = claim_verdict_provider(load_interventions())
    out = []
    for c in ledger:
        v = providers[c.decided_by](c) if c.decided_by in providers else None
        if v is None:
            v = judge_one(c, ev)
            if c.decided_by:
                v = ClaimVerdict(**{**v.__dict__, "decided_by": None,
                                    "extra": {"awaiting_provider": c.decided_by}})
        out.append(v)
    return ClaimsReport(tuple(out))
