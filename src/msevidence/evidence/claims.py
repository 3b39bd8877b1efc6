"""The claims ledger (``evidence/claims.yaml``): statements people make, linked to endpoints of the trial files.

A claim says, in plain words, what people say the treatment does, which effect it asserts (``less_worsening``:
it slows worsening or reduces events; ``improvement``: people get better; ``no_improvement``: it does not restore
function), in which domain, against which question (``ppms_vs_placebo`` or ``rms_vs_interferon``: the question
its deciding results are rated against), and which endpoints decide it (``role: decides``) or only give context
(``role: context``). A claim inside the trials' scope that no trial measured says so in ``no_evidence`` (why,
study_needed); a claim outside it in ``outside``. ``decided_by`` names another store whose verdict provider
decides the claim (e.g. ``interventions``; see :func:`msevidence.judgement.claims.judge_claims`); until that
provider runs, the claim's ``outside`` entry stands. ``sources`` cite what was read for a claim no trial endpoint
decides (a mechanism, a regulatory decision), with ``checked_at``. The ledger holds no numbers:
every number comes from the trial files (rule: no digits in its prose fields). Problems are reported like those
of trial files, one ``FILE:LINE: FIELD: message (rule: ...)`` line each.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from msevidence.evidence.schema import Domain, Trial, _Strict
from msevidence.evidence.yamlio import (
    EvidenceFileError,
    Problem,
    field_name,
    line_of,
    read_yaml,
    validation_problem,
)

CLAIMS_NAME = "claims.yaml"
PROSE_FIELDS = ("claim", "why", "study_needed", "note", "plain")
_DIGIT = re.compile(r"\d")


class ClaimLink(_Strict):
    """An endpoint of a trial file that decides a claim, or gives it context."""

    trial: str
    endpoint: str
    role: Literal["decides", "context"] = "decides"


class Outside(_Strict):
    """Why no trial endpoint in the store can decide the claim, and what kind of study would."""

    why: str = Field(min_length=1)
    study_needed: str = Field(min_length=1)


class ClaimSource(_Strict):
    """A publication read for a claim that no trial endpoint decides (mechanism, regulatory decision)."""

    citation: str = Field(min_length=1)
    locator: str = Field(min_length=1)
    checked_at: str = Field(min_length=1, description="Address of the page where it was read.")
    secondary: bool = False


class Claim(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    claim: str = Field(min_length=1, description="What people say, in their words.")
    asserts: Literal["less_worsening", "improvement", "no_improvement"] | None = None
    domain: Domain | None = None
    question: Literal["ppms_vs_placebo", "rms_vs_interferon"] = "ppms_vs_placebo"
    links: list[ClaimLink] = []
    outside: Outside | None = None
    no_evidence: Outside | None = None
    decided_by: str | None = Field(None, pattern=r"^[a-z0-9_]+$",
                                   description="Another store whose verdict provider decides this claim.")
    sources: list[ClaimSource] = []
    note: str | None = None

    @model_validator(mode="after")
    def _decidable_or_outside(self):
        deciding = [x for x in self.links if x.role == "decides"]
        if sum(map(bool, (deciding, self.outside, self.no_evidence))) > 1:
            raise ValueError("a claim has exactly one of: deciding links, 'outside', 'no_evidence'")
        if not deciding and self.outside is None and self.no_evidence is None:
            raise ValueError("a claim without deciding links needs 'outside' or 'no_evidence' (why, study_needed)")
        if self.decided_by and self.outside is None:
            raise ValueError("a claim 'decided_by' another store needs 'outside' (what stands until it decides)")
        if deciding and (self.asserts is None or self.domain is None):
            raise ValueError("a claim with deciding links needs 'asserts' and 'domain'")
        return self

    @property
    def deciding(self) -> list[ClaimLink]:
        return [x for x in self.links if x.role == "decides"]


class ClaimsLedger(_Strict):
    claims: list[Claim] = Field(min_length=1)

    def __iter__(self):
        return iter(self.claims)

    def __len__(self) -> int:
        return len(self.claims)

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.id == claim_id:
                return c
        raise KeyError(f"no claim {claim_id!r}; known: {', '.join(c.id for c in self.claims)}")


def _type_problem(name: str, lines: dict, err: dict) -> Problem:
    return validation_problem(name, lines, err, schema="the claims schema", value_rule="decidable or outside")


def _rules(ledger: ClaimsLedger, trials: dict[str, Trial]) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(ledger.claims):
        if c.id in seen:
            out.append((("claims", i, "id"), f"claim id '{c.id}' also used by claims[{seen[c.id]}] "
                                             "(rule: ids are unique)"))
        seen.setdefault(c.id, i)
        for fld in PROSE_FIELDS:
            for owner, loc in ((c, ("claims", i)), (c.outside, ("claims", i, "outside")),
                               (c.no_evidence, ("claims", i, "no_evidence"))):
                text = getattr(owner, fld, None) if owner is not None else None
                if isinstance(text, str) and _DIGIT.search(text):
                    out.append(((*loc, fld), "contains a digit (rule: no numbers in the claims ledger; link "
                                             "endpoints and let the numbers come from the trial files)"))
        for j, link in enumerate(c.links):
            loc = ("claims", i, "links", j)
            if link.trial not in trials:
                out.append(((*loc, "trial"), f"no trial '{link.trial}' in the evidence store (rule: links exist; "
                                             f"known: {', '.join(trials)})"))
                continue
            eps = {e.id: e for e in trials[link.trial].endpoints}
            if link.endpoint not in eps:
                out.append(((*loc, "endpoint"), f"{link.trial} has no endpoint '{link.endpoint}' (rule: links "
                                                "exist)"))
            elif link.role == "decides" and c.asserts != "no_improvement" and eps[link.endpoint].domain != c.domain:
                out.append(((*loc, "endpoint"), f"{link.trial}'s {link.endpoint} is a "
                                                f"{eps[link.endpoint].domain} endpoint, the claim is about "
                                                f"{c.domain} (rule: deciding links match the claim's domain)"))
    return out


def read_claims(path: str | Path, trials: dict[str, Trial], display: str | None = None) -> ClaimsLedger:
    """Read and check a claims ledger against `trials` (id -> Trial); raises :class:`EvidenceFileError`."""
    path = Path(path)
    name = display or str(path)
    data, lines = read_yaml(path, name)
    if not isinstance(data, dict):
        raise EvidenceFileError([Problem(name, lines.get((), 1), "(file)",
                                         "expected a mapping with a 'claims' list at the top level")])
    try:
        ledger = ClaimsLedger.model_validate(data)
    except ValidationError as exc:
        raise EvidenceFileError([_type_problem(name, lines, e) for e in exc.errors()]) from None
    found = _rules(ledger, trials)
    if found:
        raise EvidenceFileError([Problem(name, line_of(lines, loc), field_name(loc), msg) for loc, msg in found])
    return ledger


def check_claims(path: str | Path, trials: dict[str, Trial], display: str | None = None) -> list[Problem]:
    """Every problem of a claims ledger (empty: valid)."""
    try:
        read_claims(path, trials, display)
    except EvidenceFileError as exc:
        return list(exc.problems)
    return []
