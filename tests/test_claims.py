"""Claims ledger: schema and rules (one fixture per rule, one-line errors), verdicts recomputed from the evidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import msevidence as mse
from msevidence.evidence import load_claims, validate
from msevidence.evidence.claims import check_claims, read_claims
from msevidence.judgement.claims import judge_claims
from msevidence.judgement.verdict import (
    ClaimStatus,
    Direction,
    Verdict,
    claim_status,
    judge,
    judge_claim,
    scale_of,
)

FIXTURES = Path(__file__).parent / "fixtures" / "claims"
MARK = b"# <-- defect"
CASES = {
    "digit_in_claim": ("claims[0].claim", "(rule: no numbers in the claims ledger"),
    "unknown_trial": ("claims[0].links[0].trial", "(rule: links exist"),
    "unknown_endpoint": ("claims[0].links[0].endpoint", "(rule: links exist)"),
    "domain_mismatch": ("claims[0].links[0].endpoint", "(rule: deciding links match the claim's domain)"),
    "unknown_field": ("claims[0].strength", "unknown field"),
    "invalid_asserts": ("claims[0].asserts", "'less_worsening' or 'improvement'"),
    "duplicate_id": ("claims[1].id", "(rule: ids are unique)"),
    "outside_missing": ("claims[1]", "needs 'outside'"),
    "deciding_and_outside": ("claims[1]", "cannot also be 'outside'"),
    "missing_claim": ("claims[1].claim", "(rule: required fields)"),
    "top_level_list": ("(file)", "expected a mapping"),
}


@pytest.fixture(scope="module")
def ev():
    return mse.load_evidence()


@pytest.fixture(scope="module")
def trials(ev):
    return {t.id: t for t in ev}


def test_every_fixture_has_an_expectation(trials):
    assert {p.stem.removeprefix("bad_") for p in FIXTURES.glob("bad_*.yaml")} == set(CASES)
    assert check_claims(FIXTURES / "good_claims.yaml", trials) == []


@pytest.mark.parametrize(("name", "field", "rule"), [(k, *v) for k, v in CASES.items()], ids=list(CASES))
def test_one_clear_problem_per_defect(trials, name, field, rule):
    path = FIXTURES / f"bad_{name}.yaml"
    problems = check_claims(path, trials, path.name)
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert p.field == field or p.field.startswith(field), str(p)
    assert rule in p.message, str(p)
    assert "\n" not in str(p) and str(p).startswith(f"{path.name}:{p.line}: ")
    marked = [i for i, line in enumerate(path.read_bytes().split(b"\n"), start=1) if MARK in line]
    if marked:
        assert p.line == marked[0], str(p)


def test_shipped_ledger_is_valid_and_validate_reads_it(ev):
    assert validate() == []
    ledger = load_claims(evidence=ev)
    assert len(ledger) >= 8
    assert "claims.yaml" not in {f.name for f in ev.files.values()}


def test_validate_reports_a_bad_ledger_in_a_store(tmp_path, ev):
    for f in ev.files.values():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "claims.yaml").write_bytes((FIXTURES / "bad_unknown_endpoint.yaml").read_bytes())
    problems = validate([tmp_path])
    assert len(problems) == 1 and "claims.yaml" in problems[0].file
    assert len(mse.load_evidence(tmp_path)) == len(ev)  # the ledger is not read as a trial


def _independent_status(ev, claim):
    """Recompute a claim's status from the raw numbers of its linked endpoints (the engine's rules 5-6)."""
    statuses = []
    for link in claim.deciding:
        t = ev[link.trial]
        ep = t.endpoint(link.endpoint)
        eff = next(e for s in ("hazard_ratio", "rate_ratio", "risk_ratio", "relative_reduction") for e in ep.effects
                   if e.statistic == s)
        change = getattr(ep.result(eff.treatment, "mean_pct_change"), "value", None)
        v = judge(eff.estimate, eff.ci_low, eff.ci_high, eff.p, p_relation=eff.p_relation,
                  scale=scale_of(eff.statistic), treatment_change=change)
        statuses.append(claim_status(claim.asserts, v, change))
    return judge_claim(statuses)


def test_every_claim_verdict_recomputed_from_the_evidence(ev):
    ledger = load_claims(evidence=ev)
    report = judge_claims(ev)
    by_id = {v.id: v for v in report}
    for claim in ledger:
        v = by_id[claim.id]
        assert v.verdict == _independent_status(ev, claim)
        assert v.sources, claim.id
        assert v.explanation.count(". ") == 0 and v.explanation.endswith(".")
        if v.verdict == ClaimStatus.OUTSIDE:
            assert v.study_needed and "would take" in v.explanation


def test_the_claims_that_the_issue_names(ev):
    s = {v.id: v.verdict for v in judge_claims(ev)}
    assert s["slows_progression_ppms"] == ClaimStatus.SUPPORTED
    assert s["improves_walking_speed"] == ClaimStatus.CONTRADICTED  # the treated arm itself walked slower
    assert s["restores_lost_function"] == ClaimStatus.NOT_SHOWN
    assert s["slows_walking_worsening"] == ClaimStatus.SUPPORTED
    assert s["fewer_relapses_than_interferon"] == ClaimStatus.SUPPORTED
    for k in ("mostly_stabilisation", "walking_gains_need_rehabilitation", "helps_bones_heal"):
        assert s[k] == ClaimStatus.OUTSIDE


def test_json_and_lay_lines(ev):
    report = judge_claims(ev)
    out = json.loads(json.dumps(report.to_json(), allow_nan=False))
    assert all({"claim", "verdict", "explanation", "endpoints", "sources"} <= set(o) for o in out)
    lay = " ".join(report.lay_lines())
    assert "_" not in lay and "nan" not in lay.lower() and "ORATORIO:" not in lay


@pytest.mark.parametrize(("asserts", "direction", "change", "expected"), [
    ("less_worsening", Direction.LESS, None, ClaimStatus.SUPPORTED),
    ("less_worsening", Direction.IMPROVEMENT, None, ClaimStatus.SUPPORTED),
    ("less_worsening", Direction.SAME, None, ClaimStatus.NOT_SHOWN),
    ("less_worsening", Direction.MORE, None, ClaimStatus.CONTRADICTED),
    ("less_worsening", Direction.MISSING, None, ClaimStatus.NOT_SHOWN),
    ("improvement", Direction.IMPROVEMENT, None, ClaimStatus.SUPPORTED),
    ("improvement", Direction.LESS, None, ClaimStatus.NOT_SHOWN),
    ("improvement", Direction.LESS, 5.0, ClaimStatus.CONTRADICTED),
    ("improvement", Direction.SAME, 5.0, ClaimStatus.NOT_SHOWN),
    ("improvement", Direction.MORE, None, ClaimStatus.CONTRADICTED),
])
def test_claim_status_rule(asserts, direction, change, expected):
    assert claim_status(asserts, Verdict(direction, True, None, "r"), change) == expected


def test_combination_rule():
    S, N, C = ClaimStatus.SUPPORTED, ClaimStatus.NOT_SHOWN, ClaimStatus.CONTRADICTED
    assert judge_claim([]) == ClaimStatus.OUTSIDE
    assert judge_claim([S, N]) == S and judge_claim([C, N]) == C and judge_claim([S, C]) == N
    assert judge_claim([N, N]) == N


def test_read_claims_raises_with_every_problem(trials):
    with pytest.raises(mse.EvidenceFileError):
        read_claims(FIXTURES / "bad_unknown_trial.yaml", trials)
