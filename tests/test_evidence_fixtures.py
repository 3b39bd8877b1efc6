"""Malformed evidence files: every defect gives one clear `FILE:LINE: FIELD: message (rule)` line, never a traceback.

Each tests/fixtures/evidence/bad_*.yaml is good_minimal.yaml with exactly one defect, whose line is marked
`# <-- defect` (where a line is meaningful). Curve CSVs live in tests/fixtures/data/digitized/, so tests/fixtures is the
repository root that the loader resolves `data/digitized/...` against.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msevidence.evidence import EvidenceFileError, load_evidence, load_trial, validate, yamlio
from msevidence.evidence.store import _root_for

FIXTURES = Path(__file__).parent / "fixtures"
EVIDENCE = FIXTURES / "evidence"
MARK = b"# <-- defect"

# fixture -> (expected field substring, expected rule/message substring)
CASES: dict[str, tuple[str, str]] = {
    "yaml_syntax": ("(syntax)", "YAML syntax error"),
    "duplicate_key": ("name", "(rule: unique keys)"),
    "string_for_number": ("arms[0].n_randomized", "valid integer"),
    "list_for_mapping": ("design", "valid dictionary"),
    "wrong_type_bool": ("endpoints[0].definition.confirmation_weeks", "valid integer"),
    "unknown_field": ("colour", "unknown field"),
    "missing_required": ("comparator_label", "(rule: required fields)"),
    "alias_bomb": ("(syntax)", "anchors (&name) are not allowed"),
    "anchor": ("(syntax)", "anchors (&name) are not allowed"),
    "alias": ("(syntax)", "aliases (*name) are not allowed"),
    "non_string_key": ("2017", "(rule: keys are strings)"),
    "empty": ("(file)", "file is empty"),
    "not_utf8": ("(file)", "(rule: UTF-8 text)"),
    "top_level_list": ("(file)", "expected a mapping"),
    "ci_excludes_estimate": ("endpoints[0].effects[0].estimate", "(rule: the CI contains the estimate)"),
    "ci_one_sided": ("endpoints[0].effects[0].ci_high", "(rule: a CI has both bounds)"),
    "ratio_zero": ("endpoints[0].effects[0].estimate", "(rule: ratios > 0)"),
    "ratio_ci_negative": ("endpoints[0].effects[0].ci_low", "(rule: ratios > 0)"),
    "proportion_percent": ("endpoints[0].results[0].value", "(rule: proportions lie in [0, 1])"),
    "p_above_one": ("endpoints[0].effects[0].p", "(rule: p-values lie in [0, 1])"),
    "p_negative": ("endpoints[0].effects[0].p", "(rule: p-values lie in [0, 1])"),
    "arm_sum": ("total_randomized", "(rule: arm sizes add up to the stated total)"),
    "arm_size_zero": ("arms[1].n_randomized", "greater than 0"),
    "arm_size_fraction": ("arms[0].n_randomized", "fractional part"),
    "arm_size_unsourced": ("arms[0].n_source", "(rule: every number is sourced)"),
    "no_control_arm": ("arms", "(rule: arm roles)"),
    "unknown_reference": ("arms[0].n_source.ref", "(rule: references exist"),
    "unknown_arm_result": ("endpoints[0].results[0].arm", "(rule: arms exist)"),
    "unknown_arm_effect": ("endpoints[0].effects[0].control", "(rule: arms exist)"),
    "duplicate_endpoint": ("endpoints[1].id", "(rule: ids are unique)"),
    "duplicate_reference": ("references[1].key", "(rule: ids are unique)"),
    "derived_without_formula": ("endpoints[0].effects[0].provenance", "needs a 'formula'"),
    "sourced_assumption_without_rationale": ("endpoints[0].results[0].provenance", "needs a 'rationale'"),
    "assumption_without_rationale": ("assumptions[0].rationale", "(rule: required fields)"),
    "invalid_domain": ("endpoints[1].domain", "'walking_speed'"),
    "invalid_comparator": ("comparator", "'placebo', 'active' or 'delayed_treatment'"),
    "negative_week": ("endpoints[1].definition.week", "greater than or equal to 0"),
    "change_without_week": ("endpoints[1].definition.week", "(rule: endpoint definition)"),
    "nar_increasing": ("curves[0].numbers_at_risk", "(rule: numbers at risk never increase)"),
    "nar_exceeds_n": ("curves[0].numbers_at_risk", "(rule: numbers at risk never exceed N)"),
    "curve_missing": ("curves[0].file", "(rule: referenced files exist)"),
    "curve_months": ("curves[0].file", "times are in weeks"),
    "curve_outside_digitized": ("curves[0].file", "(rule: digitized inputs)"),
    "curve_negative_week": ("curves[0].file", "(rule: times in weeks)"),
    "curve_survival_above_one": ("curves[0].file", "survival must lie in [0, 1]"),
}


def _marked_line(path: Path) -> int | None:
    for i, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if MARK in line:
            return i
    return None


def test_every_fixture_has_an_expectation_and_there_are_at_least_30():
    on_disk = {p.stem.removeprefix("bad_") for p in EVIDENCE.glob("bad_*.yaml")}
    assert on_disk == set(CASES)
    assert len(on_disk) >= 30


def test_the_base_fixture_is_valid_and_its_curves_resolve_under_tests_fixtures():
    good = EVIDENCE / "good_minimal.yaml"
    assert _root_for(good) == FIXTURES.resolve()
    trial = load_trial(good)
    assert (FIXTURES / trial.curves[0].file).is_file()
    assert validate([good]) == []


@pytest.mark.parametrize(("name", "field", "rule"), [(k, *v) for k, v in CASES.items()], ids=list(CASES))
def test_one_clear_problem_per_defect(name, field, rule):
    path = EVIDENCE / f"bad_{name}.yaml"
    problems = validate([path])  # never raises
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert path.name in p.file
    assert field in p.field, str(p)
    assert rule in p.message, str(p)
    assert str(p) == f"{p.file}:{p.line}: {p.field}: {p.message}"
    assert "\n" not in str(p) and "Traceback" not in str(p)
    marked = _marked_line(path)
    if marked is None:  # file-level defects without a marked line (empty file)
        assert p.line == 1
    elif p.field == "(syntax)" and "YAML syntax error:" in p.message and "anchor" not in p.message:
        assert p.line in (marked, marked + 1)  # the parser notices a syntax error at or just after the defect
    else:
        assert p.line == marked, str(p)
    with pytest.raises(EvidenceFileError) as info:
        load_trial(path)
    assert info.value.problems == problems


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.write(b"id: BIG\n")
        f.truncate(50_000_000)
    (p,) = validate([big])
    assert (p.line, p.field) == (0, "(file)")
    assert "50.0 MB" in p.message and "(rule: file size)" in p.message


def test_max_bytes_is_the_limit(tmp_path, monkeypatch):
    good = (EVIDENCE / "good_minimal.yaml").read_bytes()
    copy = tmp_path / "evidence" / "trial.yaml"
    copy.parent.mkdir()
    copy.write_bytes(good)
    (tmp_path / "data" / "digitized").mkdir(parents=True)
    for csv in ("km_ok.csv", "nar_ok.csv"):
        (tmp_path / "data" / "digitized" / csv).write_bytes((FIXTURES / "data" / "digitized" / csv).read_bytes())
    monkeypatch.setattr(yamlio, "MAX_BYTES", len(good))
    assert validate([copy]) == []
    monkeypatch.setattr(yamlio, "MAX_BYTES", len(good) - 1)
    (p,) = validate([copy])
    assert "(rule: file size)" in p.message


def test_a_folder_of_bad_files_reports_every_problem_and_load_evidence_raises():
    problems = validate([EVIDENCE])
    assert len(problems) == len(CASES)
    assert {Path(p.file).name for p in problems} == {f"bad_{k}.yaml" for k in CASES}
    with pytest.raises(EvidenceFileError):
        load_evidence(EVIDENCE)


def test_missing_file_and_folder_without_yaml(tmp_path):
    (p,) = validate([tmp_path / "nope.yaml"])
    assert "cannot read file" in p.message
    (p,) = validate([tmp_path])
    assert "no YAML files found" in p.message


def test_duplicate_trial_ids_across_files(tmp_path):
    good = (EVIDENCE / "good_minimal.yaml").read_text()
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(good)
    (tmp_path / "data" / "digitized").mkdir(parents=True)
    for csv in ("km_ok.csv", "nar_ok.csv"):
        (tmp_path / "data" / "digitized" / csv).write_bytes((FIXTURES / "data" / "digitized" / csv).read_bytes())
    (p,) = validate([tmp_path])
    assert p.field == "id" and "(rule: trial ids are unique)" in p.message and "b.yaml" in p.file
