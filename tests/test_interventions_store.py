"""The store of other walking interventions: malformed records fail with one clear line each (fixtures), the
shipped store validates, `validate`/`list`/`interventions` cover it, and the typed query API answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msevidence.cli import app
from msevidence.errors import EvidenceFileError
from msevidence.evidence.interventions import (
    InterventionStore,
    default_dir,
    load_interventions,
    load_study,
    validate_interventions,
)

FIXTURES = Path(__file__).parent / "fixtures" / "interventions"
MARK = b"# <-- defect"
runner = CliRunner()

# fixture -> (field substring, rule substring, whether the problem's line is the marked line)
CASES: dict[str, tuple[str, str, bool]] = {
    "missing_reference": ("reference", "(rule: required fields)", False),
    "unknown_field": ("colour", "unknown field", True),
    "ci_excludes_estimate": ("results[0].estimate", "(rule: the CI contains the estimate)", True),
    "ci_one_sided": ("results[0].ci_high", "(rule: a CI has both bounds)", False),
    "ratio_zero": ("results[1].ci_low", "(rule: ratios > 0)", True),
    "smd_in_seconds": ("results[0].outcome.units", "(rule: units match the statistic)", False),
    "p_above_one": ("results[0].p", "(rule: p-values lie in [0, 1])", True),
    "invalid_design": ("design", "'parallel_rct'", True),
    "invalid_statistic": ("results[0].statistic", "'within_responder_change'", True),
    "rct_not_randomised": ("randomised", "(rule: design and randomisation agree)", True),
    "edss_reversed": ("population.edss_low", "(rule: EDSS low <= high)", True),
    "narrative_without_finding": ("results[0].finding", "(rule: a result has an estimate, arm values or a finding)",
                                  False),
    "proportions_without_arms": ("results[0].arms", "(rule: a result has an estimate, arm values or a finding)",
                                 False),
    "events_exceed_n": ("results[0].arms[0].events", "(rule: events <= n)", True),
    "duplicate_result_id": ("results[1].id", "(rule: ids are unique)", True),
    "string_for_number": ("results[0].estimate", "valid number", True),
    "yaml_syntax": ("(syntax)", "YAML syntax error", False),
}


def _marked_line(path: Path) -> int | None:
    return next((i for i, line in enumerate(path.read_bytes().split(b"\n"), 1) if MARK in line), None)


def test_every_fixture_has_an_expectation():
    assert {p.stem.removeprefix("bad_") for p in FIXTURES.glob("bad_*.yaml")} == set(CASES)


def test_the_base_fixture_is_valid():
    assert validate_interventions([FIXTURES / "good_study.yaml"]) == []
    assert load_study(FIXTURES / "good_study.yaml").results[0].estimate is not None


@pytest.mark.parametrize(("name", "field", "rule", "on_mark"), [(k, *v) for k, v in CASES.items()], ids=list(CASES))
def test_one_clear_problem_per_defect(name, field, rule, on_mark):
    path = FIXTURES / f"bad_{name}.yaml"
    problems = validate_interventions([path])
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert path.name in p.file and field in p.field and rule in p.message, str(p)
    assert str(p) == f"{p.file}:{p.line}: {p.field}: {p.message}" and "\n" not in str(p)
    if on_mark:
        assert p.line == _marked_line(path), str(p)
    with pytest.raises(EvidenceFileError) as info:
        load_study(path, str(path))
    assert info.value.problems == problems


def test_validate_command_fails_cleanly_on_the_fixtures_and_passes_on_the_store():
    bad = runner.invoke(app, ["validate", str(FIXTURES)])
    assert bad.exit_code == 2
    lines = [x for x in bad.stdout.splitlines() if x]
    assert len(lines) == len(CASES) and all("(rule:" in x or "syntax" in x for x in lines)
    assert "Traceback" not in bad.output
    good = runner.invoke(app, ["validate", str(default_dir())])
    assert good.exit_code == 0, good.output
    assert "valid" in good.stdout


def test_the_shipped_store_loads_apart_from_the_trials():
    store = load_interventions()
    assert isinstance(store, InterventionStore) and len(store) > 0
    assert validate_interventions() == []
    for s in store:
        assert s.reference.checked_at.strip() and all(r.locator for r in s.results)


def test_query_api_filters_by_scale_statistic_kind_and_population():
    store = load_interventions(FIXTURES / "good_study.yaml")
    assert [r.id for _, r in store.results(outcome_scale="6MWT")] == ["walk"]
    assert [r.id for _, r in store.results(statistic="rate_ratio")] == ["falls"]
    assert store.results(kind="cooling") == []
    assert len(store.results(population="relapsing")) == 2
    assert store.result("good_study.falls")[1].statistic == "rate_ratio"
    with pytest.raises(KeyError):
        store.result("good_study.nothing")


def test_interventions_command_lists_filters_and_rejects_unknown_options(tmp_path):
    folder = tmp_path / "interventions"
    folder.mkdir()
    (folder / "good_study.yaml").write_bytes((FIXTURES / "good_study.yaml").read_bytes())
    out = runner.invoke(app, ["interventions", "--evidence", str(folder), "--outcome", "6MWT", "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert [r["result"] for r in rows] == ["walk"] and rows[0]["design_label"] and rows[0]["comparator_name"]
    table = runner.invoke(app, ["interventions", "--evidence", str(folder)])
    assert table.exit_code == 0 and "not ocrelizumab" in table.stdout
    bad = runner.invoke(app, ["interventions", "--kind", "yoga"])
    assert bad.exit_code == 2 and "--kind" in bad.output and "Traceback" not in bad.output
    listed = runner.invoke(app, ["list", "--interventions", "--format", "json", "--evidence", str(tmp_path)])
    assert listed.exit_code == 0 and json.loads(listed.stdout)[0]["study"] == "good_study"


def test_schema_is_exported():
    out = runner.invoke(app, ["interventions", "--schema"])
    assert out.exit_code == 0 and "results" in json.loads(out.stdout)["properties"]
