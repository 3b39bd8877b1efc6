"""Verdicts on the claims ledger: what people say, and what the trials show.

Each claim of ``evidence/claims.yaml`` gets ``supported``, ``not shown``, ``contradicted`` or ``outside the trial
evidence``, one sentence of explanation and its citations. The verdict comes from the verdict engine: each deciding
endpoint's published effect is judged by :func:`~msevidence.judgement.verdict.judge_effect` (with the treated
group's own change when it was published), read against what the claim asserts by
:func:`~msevidence.judgement.verdict.claim_status`, and combined by
:func:`~msevidence.judgement.verdict.judge_claim` (rules 5 and 6 of that module).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.claims import Claim, ClaimsLedger
from msevidence.evidence.schema import Effect, Endpoint, Source
from msevidence.evidence.store import load_claims
from msevidence.judgement.verdict import (
    ClaimStatus,
    Verdict,
    claim_status,
    conclusion,
    judge,
    judge_claim,
    judge_effect,
)

_EFFECT_ORDER = ("hazard_ratio", "rate_ratio", "risk_ratio", "relative_reduction", "risk_difference",
                 "mean_difference")
_NAMES = {"hazard_ratio": "hazard ratio", "rate_ratio": "rate ratio", "risk_ratio": "risk ratio",
          "relative_reduction": "relative reduction", "risk_difference": "risk difference",
          "mean_difference": "mean difference"}


@dataclass(frozen=True)
class LinkedResult:
    """One deciding endpoint of a claim: its verdict, what it means for the claim, and its source."""

    trial: str
    endpoint: str
    verdict: Verdict
    status: ClaimStatus
    sentence: str
    citations: tuple[str, ...]


@dataclass(frozen=True)
class ClaimVerdict:
    """A claim, its status, one sentence of explanation, the endpoints it links to and the sources."""

    id: str
    claim: str
    verdict: ClaimStatus
    explanation: str
    endpoints: tuple[str, ...]
    sources: tuple[str, ...]
    results: tuple[LinkedResult, ...] = ()
    study_needed: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict.value, "explanation": self.explanation,
                "endpoints": list(self.endpoints), "sources": list(self.sources), "id": self.id,
                "study_needed": self.study_needed}


def _effect(ep: Endpoint) -> Effect | None:
    for s in _EFFECT_ORDER:
        found = [e for e in ep.effects if e.statistic == s]
        if found:
            return sorted(found, key=lambda e: e.ci_low is None)[0]
    return None


def _number(eff: Effect) -> str:
    if eff.statistic == "relative_reduction":
        est = f"{100 * eff.estimate:.0f}% lower"
    elif eff.statistic == "risk_difference":
        est = f"{100 * eff.estimate:+.1f} percentage points"
    else:
        est = f"{eff.estimate:.2f}"
    ci = (f", 95% CI {eff.ci_low:.2f} to {eff.ci_high:.2f}" if eff.ci_low is not None and eff.ci_high is not None
          else "")
    p = f", p {eff.p_relation} {eff.p:g}" if eff.p is not None and not ci else ""
    return f"{_NAMES.get(eff.statistic, eff.statistic)} {est}{ci}{p}"


def _link_result(trial: Trial, ep: Endpoint, claim: Claim) -> LinkedResult:
    eff = _effect(ep)
    tr, ct = trial.arm(eff.treatment) if eff else trial.treatment, trial.arm(eff.control) if eff else trial.control
    change = None
    cites = []
    t_res = ep.result(tr.id, "mean_pct_change")
    c_res = ep.result(ct.id, "mean_pct_change")
    if t_res is not None:
        change = t_res.value
        cites.append(trial.cite(t_res.source))
    if eff is None:
        v = judge(None)
        status = claim_status(claim.asserts, v, change)
        return LinkedResult(trial.id, ep.id, v, status, f"{trial.name} published no effect for {ep.label}",
                            tuple(cites))
    v = judge_effect(eff, treatment_change=change)
    status = claim_status(claim.asserts, v, change)
    cites.insert(0, trial.cite(eff.source))
    text = conclusion(v.direction, claim.domain, tr.drug, ct.drug)
    detail = _number(eff)
    if t_res is not None and c_res is not None:
        detail += f"; average change {t_res.value:+.1f}% with {tr.drug} vs {c_res.value:+.1f}% with {ct.drug}"
    sentence = f"in {trial.name}, {text} ({detail})"
    return LinkedResult(trial.id, ep.id, v, status, sentence, tuple(dict.fromkeys(cites)))


_LEAD = {ClaimStatus.SUPPORTED: "Supported", ClaimStatus.NOT_SHOWN: "Not shown",
         ClaimStatus.CONTRADICTED: "Contradicted"}


def _checked_sources(claim: Claim, ev: EvidenceSet) -> tuple[str, ...]:
    """For a claim outside the evidence: its context links' sources, else each trial's first publication."""
    cites = []
    for x in claim.links:
        t = ev[x.trial]
        eff = _effect(t.endpoint(x.endpoint))
        if eff is not None:
            cites.append(t.cite(eff.source))
    if not cites:
        cites = [f"checked: {t.cite(Source(ref=t.references[0].key, locator='outcomes'))}" for t in ev]
    return tuple(dict.fromkeys(cites))


def judge_one(claim: Claim, ev: EvidenceSet, certainty: dict[tuple[str, str], str] | None = None) -> ClaimVerdict:
    """The verdict on one claim (rules 5 and 6 of :mod:`msevidence.judgement.verdict`).

    `certainty` maps (trial id, endpoint id) to the GRADE certainty of the Summary of Findings row, added to the
    explanation of the result that decides.
    """
    linked = tuple(f"{x.trial}:{x.endpoint}" for x in claim.links)
    if not claim.deciding:
        o = claim.outside
        return ClaimVerdict(claim.id, claim.claim, ClaimStatus.OUTSIDE,
                            f"Outside the trial evidence: {o.why[:1].lower()}{o.why[1:].rstrip('.')}; it would take "
                            f"{o.study_needed[:1].lower()}{o.study_needed[1:].rstrip('.')}.",
                            linked, _checked_sources(claim, ev), (), o.study_needed)
    results = tuple(_link_result(ev[x.trial], ev[x.trial].endpoint(x.endpoint), claim) for x in claim.deciding)
    status = judge_claim([r.status for r in results])
    lead = next((r for r in results if r.status == status), results[0])
    others = [r for r in results if r is not lead]
    agree = sum(r.status == status for r in others)
    tail = ""
    if status == ClaimStatus.NOT_SHOWN and {r.status for r in results} >= {ClaimStatus.SUPPORTED,
                                                                          ClaimStatus.CONTRADICTED}:
        tail = "; the linked results disagree"
    elif others:
        tail = (f"; {agree} of {len(others)} other linked result{'s' * (len(others) != 1)} "
                f"agree{'s' * (len(others) == 1)}")
    why = ""
    if status == ClaimStatus.NOT_SHOWN and claim.asserts == "improvement":
        why = "; fewer or later worsening events are not improvement"
    elif status == ClaimStatus.CONTRADICTED and claim.asserts == "improvement":
        why = "; the treated group still worsened on average"
    level = (certainty or {}).get((lead.trial, lead.endpoint))
    grade = f"; certainty of this evidence (GRADE): {level}" if level else ""
    explanation = f"{_LEAD[status]}: {lead.sentence}{why}{tail}{grade}."
    sources = tuple(dict.fromkeys(c for r in results for c in r.citations))
    return ClaimVerdict(claim.id, claim.claim, status, explanation, linked, sources, results)


@dataclass(frozen=True)
class ClaimsReport:
    """Every claim of the ledger with its verdict."""

    verdicts: tuple[ClaimVerdict, ...]

    def __iter__(self):
        return iter(self.verdicts)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"claim": v.claim, "verdict": v.verdict.value, "explanation": v.explanation,
                              "endpoints": "; ".join(v.endpoints), "sources": "; ".join(v.sources)}
                             for v in self.verdicts])

    def to_json(self) -> list[dict[str, Any]]:
        return [v.to_json() for v in self.verdicts]

    def lay_lines(self) -> list[str]:
        """Plain words, no identifiers: the claim, what the trials show, and the reason."""
        words = {ClaimStatus.SUPPORTED: "The trials support this.",
                 ClaimStatus.NOT_SHOWN: "The trials do not show this.",
                 ClaimStatus.CONTRADICTED: "The trials show otherwise.",
                 ClaimStatus.OUTSIDE: "The trials did not study this."}
        out = []
        for v in self.verdicts:
            if v.verdict == ClaimStatus.OUTSIDE:
                reason = f"Answering it would take {v.study_needed[:1].lower()}{v.study_needed[1:]}"
            else:
                lead = next(r for r in v.results if r.status == v.verdict) if any(
                    r.status == v.verdict for r in v.results) else v.results[0]
                reason = _lay(lead.sentence)
            out.append(f"**\u201c{v.claim.rstrip('.')}.\u201d** {words[v.verdict]} {reason}")
        return out


def _lay(sentence: str) -> str:
    """A linked-result sentence without the statistics in brackets."""
    head = sentence.split(" (", 1)[0]
    return head[:1].upper() + head[1:] + "."


def judge_claims(ev: EvidenceSet, ledger: ClaimsLedger | None = None) -> ClaimsReport:
    """Verdicts on every claim of `ledger` (default: the store's ``claims.yaml``)."""
    from msevidence.judgement.sof import summary_of_findings

    ledger = ledger if ledger is not None else load_claims(evidence=ev)
    ids = {t.name: t.id for t in ev}
    certainty = {(ids[r.trial], r.endpoint): r.certainty for r in summary_of_findings(ev).rows}
    return ClaimsReport(tuple(judge_one(c, ev, certainty) for c in ledger))
