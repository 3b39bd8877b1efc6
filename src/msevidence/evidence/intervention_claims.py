"""The claims about other routes to walking (``evidence/interventions/claims.yaml``): statements, the aspects
that decide them and the results (``study.result``) read for each. Verdicts are not stored; they are computed by
:mod:`msevidence.judgement.interventions` from the results."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from msevidence.evidence.interventions import CLAIMS_FILE, InterventionStore, default_dir
from msevidence.evidence.yamlio import (
    EvidenceFileError,
    Problem,
    field_name,
    line_of,
    read_yaml,
    validation_problem,
)

REF = r"^[a-z0-9_]+\.[a-z0-9_]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Aspect(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    question: str
    results: tuple[str, ...] = Field(default=(), description="study.result references")
    study_needed: str | None = None


class InterventionClaimSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    statement: str
    aspects: tuple[Aspect, ...] = ()
    context: tuple[str, ...] = ()
    outside: str | None = Field(None, description="Why the store cannot decide it (e.g. animal data only).")


class InterventionClaimsFile(_Strict):
    claims: tuple[InterventionClaimSpec, ...] = Field(min_length=1)


def read_intervention_claims(store: InterventionStore, path: str | Path | None = None) -> InterventionClaimsFile:
    """Read the claims file and check every reference against `store`; one problem per line, like trial files."""
    path = Path(path) if path is not None else default_dir() / CLAIMS_FILE
    name = str(path)
    data, lines = read_yaml(path, name)
    try:
        spec = InterventionClaimsFile.model_validate(data)
    except ValidationError as exc:
        raise EvidenceFileError([validation_problem(name, lines, e, schema="the interventions claims file",
                                                    value_rule="values") for e in exc.errors()]) from None
    problems = []
    for i, c in enumerate(spec.claims):
        if (c.outside is None) == (not c.aspects):
            problems.append(Problem(name, line_of(lines, ("claims", i)), f"claims[{i}]", "a claim has aspects or "
                                    "an 'outside' reason, not both or neither (rule: every claim is decided)"))
        for j, a in enumerate(c.aspects):
            if not a.results and not a.study_needed:
                problems.append(Problem(name, line_of(lines, ("claims", i, "aspects", j)),
                                        f"claims[{i}].aspects[{j}]", "an aspect without results needs "
                                        "'study_needed' (rule: say what study would decide it)"))
            refs = [(("claims", i, "aspects", j, "results", k), r) for k, r in enumerate(a.results)]
            problems += _unknown(store, refs, lines, name)
        problems += _unknown(store, [(("claims", i, "context", k), r) for k, r in enumerate(c.context)], lines, name)
    if problems:
        raise EvidenceFileError(problems)
    return spec


def _unknown(store: InterventionStore, refs, lines, name) -> list[Problem]:
    out = []
    for loc, ref in refs:
        try:
            store.result(ref)
        except KeyError as exc:
            out.append(Problem(name, line_of(lines, loc), field_name(loc), f"unknown result '{ref}': {exc.args[0]} "
                               "(rule: results exist)"))
    return out


def validate_store(paths_=None) -> list[Problem]:
    """Every problem of the named study files or folders, and of each folder's ``claims.yaml`` once its studies
    load (default: the shipped store)."""
    from msevidence.evidence.interventions import load_interventions, study_files, validate_interventions

    named = [Path(p) for p in (paths_ or [default_dir()])]
    claims_named = [p for p in named if p.name == CLAIMS_FILE]
    studies_named = [p for p in named if p.name != CLAIMS_FILE] or [p.parent for p in claims_named]
    problems = validate_interventions(studies_named)
    folders = {p for p in named if p.is_dir()} | {p.parent for p in claims_named}
    for folder in sorted(folders):
        if (folder / CLAIMS_FILE).is_file() and study_files([folder]) and not problems:
            try:
                read_intervention_claims(load_interventions(folder), folder / CLAIMS_FILE)
            except EvidenceFileError as exc:
                problems += exc.problems
    return problems
