"""`msevidence validate | list | schema` through typer's CliRunner (and one subprocess run)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import msevidence
from msevidence.cli import app
from msevidence.evidence import default_evidence_dir
from msevidence.evidence.schema import Trial
from msevidence.evidence.tidy import COLUMNS

FIXTURES = Path(__file__).parent / "fixtures" / "evidence"
runner = CliRunner()
LINE = re.compile(r"^.+:\d+: \S.*: .+$")


def run(*args: str):
    return runner.invoke(app, list(args))


def test_validate_the_store_is_clean():
    r = run("validate")
    assert r.exit_code == 0, r.output
    assert re.fullmatch(r"\d+ files valid\n", r.output)


@pytest.mark.parametrize("name", ["bad_ci_excludes_estimate", "bad_alias_bomb", "bad_not_utf8", "bad_arm_sum",
                                  "bad_curve_months", "bad_yaml_syntax"])
def test_validate_a_bad_file_prints_file_line_field_rule_and_exits_1(name):
    r = run("validate", str(FIXTURES / f"{name}.yaml"))
    assert r.exit_code == 2
    assert isinstance(r.exception, SystemExit)
    lines = r.output.strip().splitlines()
    assert len(lines) == 2
    assert LINE.match(lines[0]) and f"{name}.yaml:" in lines[0]
    assert int(lines[0].split(":")[1]) >= 1
    assert lines[1] == "1 problem in 1 file"
    assert "Traceback" not in r.output


def test_validate_a_folder_summarises_problems_and_files():
    r = run("validate", str(FIXTURES))
    assert r.exit_code == 2
    *problems, summary = r.output.strip().splitlines()
    n_bad = len(list(FIXTURES.glob("bad_*.yaml")))
    assert summary == f"{n_bad} problems in {n_bad} files"
    assert all(LINE.match(p) for p in problems)


def test_validate_the_good_fixture():
    r = run("validate", str(FIXTURES / "good_minimal.yaml"))
    assert (r.exit_code, r.output) == (0, "1 file valid\n")


def test_list_json_gives_oratorio_cdp12_hazard_ratio_with_arm_sizes_and_source():
    r = run("list", "--trial", "ORATORIO", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    t = msevidence.load_evidence()["ORATORIO"]
    ep = t.find_endpoint(scale="EDSS", analysis="time_to_event", confirmation_weeks=12)
    hr = ep.effect("hazard_ratio")
    (row,) = [x for x in rows if x["endpoint"] == ep.id and x["kind"] == "effect" and x["statistic"] == "hazard_ratio"]
    assert (row["value"], row["ci_low"], row["ci_high"], row["p"]) == (hr.estimate, hr.ci_low, hr.ci_high, hr.p)
    assert (row["n_treatment"], row["n_control"]) == (t.treatment.n_randomized, t.control.n_randomized)
    assert isinstance(row["n_treatment"], int)
    assert row["ref"] == hr.source.ref and row["locator"] == hr.source.locator and row["citation"] == t.cite(hr.source)
    assert row["provenance"] == "published"
    assert all(x["trial"] == "ORATORIO" for x in rows) and all(set(x) == set(COLUMNS) for x in rows)
    assert all(x["ref"] and x["citation"] for x in rows)  # every number with its source


def test_list_json_turns_missing_values_into_null():
    rows = json.loads(run("list", "--trial", "OPERA_I", "--format", "json").stdout)
    assert rows and all(x["n_treatment"] is None for x in rows)


def test_list_csv_has_all_columns_and_one_line_per_row():
    r = run("list", "--domain", "walking_speed", "--format", "csv")
    assert r.exit_code == 0
    lines = r.stdout.strip().splitlines()
    assert lines[0].split(",") == COLUMNS
    assert len(lines) - 1 == len(msevidence.load_evidence().endpoints(domain="walking_speed"))


def test_list_table_shows_key_columns():
    r = run("list", "--trial", "OPERA_POOLED")
    assert r.exit_code == 0
    for word in ("OPERA_POOLED", "ACTIVE comparator", "hazard_ratio", "provenance", "citation", "IFN"):
        assert word in r.stdout


def _table_rows(stdout: str) -> list[list[str]]:
    """Logical rows of a rich table as cell texts (wrapped cells re-joined); a row starts at a non-blank first cell."""
    rows: list[list[str]] = []
    for line in stdout.splitlines():
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            rows.append(cells)
        elif rows:
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells, strict=True)]
    return rows


@pytest.mark.parametrize("args", [(), ("--trial", "ORATORIO_OLE"), ("--domain", "walking_speed"),
                                  ("--domain", "disability_progression")])
def test_list_never_shows_the_open_label_extension_as_placebo_controlled(args):
    from msevidence.evidence.schema import COMPARATOR_LABELS

    delayed = COMPARATOR_LABELS["delayed_treatment"]
    # table: every ORATORIO_OLE row says early vs delayed, never plain "vs placebo"
    table = run("list", *args)
    assert table.exit_code == 0
    rows = _table_rows(table.stdout)
    ole = [r for r in rows if r[0] == "ORATORIO_OLE"]
    assert ole, "the open-label extension should be listed"
    assert all(r[1] == delayed for r in ole), {r[1] for r in ole}
    assert all(r[1] == "vs placebo" for r in rows if r[0] in ("ORATORIO", "ORATORIO_HAND"))
    # csv and json: comparator is delayed_treatment with its label, for every row of the extension
    for fmt in ("csv", "json"):
        out = run("list", *args, "--format", fmt).stdout
        recs = json.loads(out) if fmt == "json" else __import__("pandas").read_csv(
            __import__("io").StringIO(out)).to_dict("records")
        ole = [x for x in recs if x["trial"] == "ORATORIO_OLE"]
        assert ole and all(x["comparator"] == "delayed_treatment" and x["vs"] == delayed for x in ole)
        assert all(x["vs"] == "vs placebo" for x in recs if x["comparator"] == "placebo")


def test_list_json_marks_figures_seen_only_in_secondary_reports():
    rows = json.loads(run("list", "--trial", "ORATORIO_HAND", "--format", "json").stdout)
    assert rows and all(x["secondary"] is True for x in rows)
    assert all("seen only in a secondary report" in x["citation"] for x in rows)
    pooled = json.loads(run("list", "--trial", "OPERA_POOLED", "--format", "json").stdout)
    assert all(x["secondary"] is False for x in pooled)


@pytest.mark.parametrize(("args", "known"), [(("--trial", "NOPE"), "ORATORIO"),
                                             (("--domain", "walking"), "walking_speed"),
                                             (("--format", "xml"), "json")])
def test_list_unknown_choices_fail_with_the_known_ones(args, known):
    r = run("list", *args)
    assert r.exit_code == 2
    assert known in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_list_with_invalid_evidence_prints_problems_and_exits_1():
    r = run("list", "--evidence", str(FIXTURES / "bad_p_negative.yaml"))
    assert r.exit_code == 2
    assert "bad_p_negative.yaml:" in r.output and "(rule: p-values lie in [0, 1])" in r.output
    assert "Traceback" not in r.output


def test_schema_prints_and_writes_the_trial_json_schema(tmp_path):
    r = run("schema")
    assert r.exit_code == 0
    assert json.loads(r.stdout) == Trial.model_json_schema()
    out = tmp_path / "trial.schema.json"
    assert run("schema", "--out", str(out)).exit_code == 0
    assert out.read_text() == r.stdout


def test_shipped_schema_file_is_current():
    shipped = default_evidence_dir() / "trial.schema.json"
    assert shipped.read_text(encoding="utf-8") == run("schema").stdout, "regenerate: msevidence schema --out ..."


def test_console_script_runs_validate_on_a_bad_file():
    code = "from msevidence.cli import main; main()"
    p = subprocess.run([sys.executable, "-c", code, "validate", str(FIXTURES / "bad_duplicate_key.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "(rule: unique keys)" in p.stdout and "Traceback" not in p.stdout + p.stderr
