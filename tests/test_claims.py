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
    "invalid_asserts": ("claims[0].asserts", "'less_worsening', 'improvement'"),
    "duplicate_id": ("claims[1].id", "(rule: ids are unique)"),
    "outside_missing": ("claims[1]", "needs 'outside'"),
    "deciding_and_outside": ("claims[1]", "exactly one of: deciding links, 'outside', 'no_evidence'"),
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
    """Recompute a claim's status from the raw numbers of its linked endpoints (the engine's rules 5-6), each read
    in its endpoint's own direction."""
    statuses = []
    for link in claim.deciding:
        t = ev[link.trial]
        ep = t.endpoint(link.endpoint)
        eff = next((e for s in ("ratio_of_geometric_means", "hazard_ratio", "rate_ratio", "risk_ratio",
                                "relative_reduction", "risk_difference") for e in ep.effects if e.statistic == s), None)
        if eff is None:
            v = judge(None)
            change = None
        else:
            change = getattr(ep.result(eff.treatment, "mean_pct_change"), "value", None)
            outcome = ("harm" if not ep.favourable_higher else "benefit" if ep.measures == "improvement"
                       else "freedom")
            v = judge(eff.estimate, eff.ci_low, eff.ci_high, eff.p, p_relation=eff.p_relation,
                      scale=scale_of(eff.statistic), outcome=outcome, treatment_change=change)
        statuses.append(claim_status(claim.asserts, v, change))
    return judge_claim(statuses)


def test_every_claim_verdict_recomputed_from_the_evidence(ev):
    ledger = load_claims(evidence=ev)
    report = judge_claims(ev, providers={})
    by_id = {v.id: v for v in report}
    for claim in ledger:
        v = by_id[claim.id]
        raw = _independent_status(ev, claim) if claim.deciding else (
            ClaimStatus.NO_EVIDENCE if claim.no_evidence else ClaimStatus.OUTSIDE)
        # "supported" becomes "some evidence" when the deciding result is of low or very low certainty
        assert v.verdict == raw or (raw == ClaimStatus.SUPPORTED and v.verdict == ClaimStatus.SOME
                                    and v.certainty in ("low", "very low")), claim.id
        assert v.sources, claim.id
        assert v.certainty, claim.id
        assert v.explanation.count(". ") == 0 and v.explanation.endswith(".")
        assert v.explanation.lower().startswith(v.verdict.value), claim.id
        if v.verdict in (ClaimStatus.OUTSIDE, ClaimStatus.NO_EVIDENCE):
            assert v.study_needed and "would take" in v.explanation


#: The statements of the project's list (shared CLAIMS.md): each has exactly one row in the ledger.
CLAIMS_MD = ("approved_indications", "depletes_cd20_b_cells", "slows_progression", "reduces_relapses",
             "not_restore_function", "preserves_walking_longer", "walking_speed_improvement",
             "walking_distance_improvement", "balance_exercise_gait_safety", "strength_training_stability",
             "cooling_endurance", "assistive_devices_safety", "mostly_stabilisation", "combine_with_rehabilitation",
             "fampridine_contrast", "bone_healing")
INTERVENTIONS = ("balance_exercise_gait_safety", "strength_training_stability", "cooling_endurance",
                 "assistive_devices_safety", "combine_with_rehabilitation", "fampridine_contrast", "bone_healing")


def test_every_statement_has_exactly_one_row_with_verdict_certainty_and_sources(ev):
    out = judge_claims(ev, providers={}).to_json()
    ids = [o["id"] for o in out]
    for cid in CLAIMS_MD:
        assert ids.count(cid) == 1, cid
    for o in out:
        assert o["verdict"] in {s.value for s in ClaimStatus} and o["certainty"] and o["sources"], o["id"]
    by_id = {o["id"]: o for o in out}
    for cid in INTERVENTIONS:
        assert by_id[cid]["verdict"] == "outside the trial evidence" and by_id[cid]["study_needed"]
        assert by_id[cid]["awaiting_provider"] == "interventions"


def test_the_claims_that_the_issue_names(ev):
    r = {v.id: v for v in judge_claims(ev, providers={})}
    s = {k: v.verdict for k, v in r.items()}
    assert s["slows_progression"] == ClaimStatus.SUPPORTED
    # less worsening does not contradict improvement: not shown, with the reason
    assert s["improves_walking_speed"] == ClaimStatus.NOT_SHOWN
    assert "do not contradict it" in r["improves_walking_speed"].explanation
    assert s["restores_lost_function"] == ClaimStatus.NOT_SHOWN
    assert s["slows_walking_worsening"] == ClaimStatus.SOME
    assert r["slows_walking_worsening"].explanation.startswith(
        f"Some evidence, {r['slows_walking_worsening'].certainty} certainty")
    assert s["reduces_relapses"] == ClaimStatus.SUPPORTED and "not with placebo" in r["reduces_relapses"].explanation
    assert s["walking_distance_improvement"] == ClaimStatus.NO_EVIDENCE
    for k in ("mostly_stabilisation", "depletes_cd20_b_cells", "approved_indications", *INTERVENTIONS):
        assert s[k] == ClaimStatus.OUTSIDE


def test_no_shipped_row_is_contradicted_where_the_evidence_only_fails_to_show_a_benefit(ev):
    for v in judge_claims(ev, providers={}):
        if v.verdict == ClaimStatus.CONTRADICTED:
            lead = next(r for r in v.results if r.status == ClaimStatus.CONTRADICTED)
            assert lead.verdict.direction in (Direction.MORE, Direction.IMPROVEMENT), v.id


def test_verdict_providers_decide_claims_handed_to_another_store(ev):
    from msevidence.judgement.claims import ClaimVerdict

    def provider(claim):
        if claim.id != "bone_healing":
            return None
        return ClaimVerdict(claim.id, claim.claim, ClaimStatus.NO_EVIDENCE, "No evidence either way: animal data.",
                            (), ("a source",), certainty="not rated", decided_by="interventions")

    r = {v.id: v for v in judge_claims(ev, providers={"interventions": provider})}
    assert r["bone_healing"].verdict == ClaimStatus.NO_EVIDENCE and r["bone_healing"].decided_by == "interventions"
    assert r["cooling_endurance"].verdict == ClaimStatus.OUTSIDE  # the provider returned None: the row stands


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
    ("less_worsening", Direction.MISSING, None, ClaimStatus.NO_EVIDENCE),
    ("improvement", Direction.IMPROVEMENT, None, ClaimStatus.SUPPORTED),
    ("improvement", Direction.LESS, None, ClaimStatus.NOT_SHOWN),
    ("improvement", Direction.LESS, 5.0, ClaimStatus.NOT_SHOWN),  # less worsening never contradicts improvement
    ("no_improvement", Direction.LESS, 5.0, ClaimStatus.SOME),
    ("no_improvement", Direction.SAME, None, ClaimStatus.SOME),
    ("no_improvement", Direction.IMPROVEMENT, None, ClaimStatus.CONTRADICTED),
    ("no_improvement", Direction.MISSING, None, ClaimStatus.NO_EVIDENCE),
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
    E, M = ClaimStatus.NO_EVIDENCE, ClaimStatus.SOME
    assert judge_claim([E, E]) == E and judge_claim([N, E]) == N and judge_claim([M, E]) == M


def test_read_claims_raises_with_every_problem(trials):
    with pytest.raises(mse.EvidenceFileError):
        read_claims(FIXTURES / "bad_unknown_trial.yaml", trials)


WEIGH = Path(__file__).parent / "fixtures" / "weigh"


def test_fixture_ledger_exercises_every_verdict_word():
    """Small evidence sets (tests/fixtures/weigh) give each word of the vocabulary, with its certainty."""
    fev = mse.load_evidence(WEIGH)
    r = {v.id: v for v in judge_claims(fev, load_claims(WEIGH / "claims.yaml", fev), providers={})}
    expected = {"supported": ClaimStatus.SUPPORTED, "some_evidence": ClaimStatus.SOME,
                "not_shown": ClaimStatus.NOT_SHOWN, "contradicted": ClaimStatus.CONTRADICTED,
                "no_evidence": ClaimStatus.NO_EVIDENCE, "no_evidence_unmeasured": ClaimStatus.NO_EVIDENCE,
                "outside": ClaimStatus.OUTSIDE, "handed_over": ClaimStatus.OUTSIDE,
                "favourable": ClaimStatus.SUPPORTED}
    assert {k: v.verdict for k, v in r.items()} == expected
    assert {v.verdict for v in r.values()} == {s for s in ClaimStatus if not s.name.startswith("OTHER_")}
    assert r["supported"].certainty == "high" and r["some_evidence"].certainty == "low"
    assert r["some_evidence"].explanation.startswith("Some evidence, low certainty:")
    # a favourable ratio (risk ratio above 1 of staying free of progression) supports a claim of less worsening
    assert r["favourable"].results[0].verdict.direction == Direction.LESS
    # less worsening is not a contradiction of improvement; only more worsening contradicts
    assert r["not_shown"].results[0].verdict.direction == Direction.LESS
    assert r["contradicted"].results[0].verdict.direction == Direction.MORE
    assert r["handed_over"].to_json()["awaiting_provider"] == "interventions"
