"""Claims decided by the store of other interventions: verdict classes, the source's certainty, the population
caveat, one-line problems for a broken claims file, and the seven statements the ledger hands to this store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msevidence.cli import app
from msevidence.errors import EvidenceFileError
from msevidence.evidence.intervention_claims import validate_store
from msevidence.evidence.interventions import load_interventions
from msevidence.judgement.interventions import VERDICT_TEXT, intervention_claims

FIX = Path(__file__).parent / "fixtures"
GOOD = FIX / "interventions_claims" / "interventions"
BAD = FIX / "interventions_bad_claims" / "interventions"
HANDED_OVER = {"balance_exercise_gait_safety", "strength_training_stability", "cooling_endurance",
               "assistive_devices_safety", "combine_with_rehabilitation", "fampridine_contrast", "bone_healing"}


def test_verdicts_are_computed_from_the_results():
    claims = {c.id: c for c in intervention_claims(load_interventions(GOOD), GOOD / "claims.yaml")}
    assert claims["walks_further"].verdict_text == "supported by other randomised evidence (not ocrelizumab)"
    falls = claims["fewer_falls_and_aids"]
    assert [a.verdict for a in falls.aspects] == ["weak", "none_found"]
    assert falls.verdict_text == "no randomised evidence found"  # the weakest aspect decides the claim
    assert falls.aspects[1].study_needed
    assert "not primary progressive MS" in claims["walks_further"].population_caveat
    assert claims["walks_further"].certainty == "not graded by the sources"
    assert claims["outside_claim"].verdict == "outside" and claims["outside_claim"].outside_reason
    assert all(c.decided_by.startswith("store of other interventions") for c in claims.values())


def test_a_broken_claims_file_gives_one_line_per_problem():
    problems = validate_store([BAD])
    assert len(problems) == 2, [str(p) for p in problems]
    assert "unknown result 'good_study.nothing'" in str(problems[0]) and "(rule: results exist)" in str(problems[0])
    assert "(rule: say what study would decide it)" in str(problems[1])
    with pytest.raises(EvidenceFileError):
        intervention_claims(load_interventions(BAD), BAD / "claims.yaml")


def test_the_statements_handed_to_this_store_all_get_a_verdict():
    claims = {c.id: c for c in intervention_claims(load_interventions())}
    assert set(claims) == HANDED_OVER
    assert all(c.verdict_text in VERDICT_TEXT.values() for c in claims.values())
    assert claims["bone_healing"].verdict == "outside" and "animal" in claims["bone_healing"].outside_reason


def test_claims_command_json():
    out = CliRunner().invoke(app, ["interventions", "--claims", "--json", "--evidence", str(GOOD)])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert {r["id"] for r in rows} == {"walks_further", "fewer_falls_and_aids", "outside_claim"}
    assert {"verdict", "verdict_text", "certainty", "population_caveat", "aspects"} <= set(rows[0])


def test_the_ledger_takes_these_verdicts_for_the_rows_it_hands_over():
    """`judge_claims` asks this store for every `decided_by: interventions` row: each gets a "not ocrelizumab"
    verdict class (or stays outside), with sources and the population caveat; no row is left awaiting."""
    from msevidence.evidence import load_evidence
    from msevidence.evidence.claims import Claim
    from msevidence.judgement.claims import judge_claims
    from msevidence.judgement.interventions import claim_verdict_provider
    from msevidence.judgement.verdict import ClaimStatus

    provide = claim_verdict_provider(load_interventions(GOOD), GOOD / "claims.yaml")
    stub = Claim.model_construct(id="walks_further", claim="Walking further.", decided_by="interventions")
    v = provide(stub)
    assert v.verdict == ClaimStatus.OTHER_SUPPORTED and v.decided_by == "interventions"
    assert v.sources and "not primary progressive MS" in v.extra["population_caveat"]
    assert provide(Claim.model_construct(id="fewer_falls_and_aids", claim="x", decided_by="interventions")).verdict \
        == ClaimStatus.OTHER_NONE
    assert provide(Claim.model_construct(id="unknown", claim="x", decided_by="interventions")) is None
    report = {v.id: v for v in judge_claims(load_evidence())}
    handed = {k: report[k] for k in HANDED_OVER}
    assert all(v.decided_by == "interventions" and "awaiting_provider" not in v.extra for v in handed.values())
    assert report["bone_healing"].verdict == ClaimStatus.OUTSIDE
    assert report["fampridine_contrast"].verdict.name.startswith("OTHER_")
