"""Hostile and broken input (issue 14): every case gives the exact exit code and one line naming the file or
option and the rule, never a traceback, and leaves earlier good output byte-identical.

Classes: (A) the YAML reader and the evidence store, (B) data tables, (C) option values, (D) output paths,
(E) report sets, (F) limits, (G) script in a report (sanitizer, CSP, escaping), (H) terminal markup and strict
JSON. The slow tests at the end run real `msevidence report` processes: a concurrent pair on one folder, SIGKILL
and SIGTERM mid-run, a corrupt manifest, and a browser opening a report built from hostile evidence.
Round two (issue 23: reconstruct, simulate, pool, reanalyze, report sets) is in ``test_hostile_round2.py``.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook, new_output
from typer.testing import CliRunner

from msevidence import paths, reports
from msevidence.cli import app
from msevidence.cli.output import dumps
from msevidence.errors import LimitError
from msevidence.reports.manifest import index_html, load_manifest, top_index_html

ROOT = Path(__file__).resolve().parents[1]
MSEVIDENCE = Path(sys.executable).with_name("msevidence")
runner = CliRunner()


# -- helpers ---------------------------------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under `folder` with its bytes (FIFOs and the like are skipped)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def assert_one_line(res, code: int, *needles: str) -> str:
    """Exit `code`, no traceback, the error on one line of stderr containing every needle."""
    assert res.exit_code == code, (res.exit_code, res.output)
    assert "Traceback" not in res.output and res.exception is None or isinstance(res.exception, SystemExit)
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


@pytest.fixture
def work(tmp_path):
    """A working folder with good inputs and earlier good output (checked byte-identical after each case)."""
    rng = np.random.default_rng(3)
    n = 40
    arm = np.repeat(["OCR", "PBO"], n // 2)
    t = np.ceil(rng.exponential(np.where(arm == "OCR", 150, 100)) / 12) * 12
    cens = np.full(n, 120.0)
    ev = (t <= cens).astype(int)
    events = pd.DataFrame({"patient_id": range(n), "arm": arm, "endpoint": "CDP12",
                           "time_weeks": np.where(ev == 1, t, cens), "event": ev})
    events.to_csv(tmp_path / "events.csv", index=False)
    rows = [{"patient_id": i, "arm": arm[i], "week": w, "edss": 4.0 + (w > 60) * (i % 3 == 0),
             "t25fw_s": 6.0 * (1 + 0.002 * w * (1 + (arm[i] == "PBO")) + 0.01 * (i % 5))}
            for i in range(n) for w in (0, 12, 24, 48, 72, 96, 120)]
    pd.DataFrame(rows).to_csv(tmp_path / "visits.csv", index=False)
    out = tmp_path / "out" / "default"
    out.mkdir(parents=True)
    (out / "old.lay.html").write_text("<p>an earlier good report</p>")
    (out / "manifest.json").write_text(json.dumps({"set": "default", "runs": []}))
    store = tmp_path / "evidence"
    shutil.copytree(paths.evidence_dir(), store)
    return tmp_path


def unchanged(work: Path, before: dict[str, bytes]) -> None:
    assert snapshot(work) == before


ORATORIO = (ROOT / "evidence" / "oratorio.yaml").read_text()


def _sub(old: str, new: str, text: str = ORATORIO) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# -- (A) the YAML reader and the evidence store ----------------------------------------------------------------
YAML_CASES = {
    "nul-byte": (b"id: X\nname: \"a\x00b\"\n", "control character '\\x00'"),
    "bell-character": (b"id: X\nname: a\x07b\n", "control character '\\x07'"),
    "python-name-tag": (b"id: !!python/name:os.system X\n", "YAML tag '!!python/name:os.system'"),
    "python-object-tag": (b"id: !!python/object/apply:os.system [ls]\n", "YAML tag '!!python/object/apply"),
    "binary-tag": (b"id: !!binary aGVsbG8=\n", "YAML tag '!!binary'"),
    "set-tag": (b"id: !!set {a, b}\n", "YAML tag '!!set'"),
    "local-tag": (b"id: !custom x\n", "YAML tag '!custom'"),
    "flow-nesting-1000": (b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n", "nesting deeper than 100 levels"),
    "block-nesting-200": ("a:\n" + "".join("  " * (i + 1) + "b:\n" for i in range(200)) + "  " * 201 + "1\n",
                          "nesting deeper than 100 levels"),
    "alias": (b"a: &x 1\nb: *x\n", "anchors"),
    "not-utf8": (b"id: \xff\xfe\n", "UTF-8"),
    "duplicate-key": (b"id: A\nid: B\n", "rule: unique keys"),
    "empty-file": (b"", "file is empty"),
    "top-level-list": (b"- 1\n- 2\n", "expected a mapping"),
    "too-big": (b"# " + b"x" * 2_100_000 + b"\n", "rule: file size"),
    "ci-high-inf": (_sub("ci_high: 0.999", "ci_high: .inf") if "ci_high: 0.999" in ORATORIO else None,
                    "rule: finite numbers"),
    "no-endpoints": (None, "rule: trials have results"),
    "baseline-t25fw-1e308": (None, "rule: plausible T25FW"),
}


def _trial_without_endpoints() -> str:
    """ORATORIO with its top-level `endpoints` (and `curves`, which name endpoints) left out."""
    blocks = re.split(r"(?m)^(?=[a-z_]+:)", ORATORIO)
    kept = [b for b in blocks if not b.startswith(("endpoints:", "curves:"))]
    return "".join(kept) + "endpoints: []\n"


def _yaml_case(name: str) -> bytes:
    body, _ = YAML_CASES[name]
    if name == "ci-high-inf":
        body = re.sub(r"ci_high: [0-9.]+", "ci_high: .inf", ORATORIO, count=1)
    elif name == "no-endpoints":
        body = _trial_without_endpoints()
    elif name == "baseline-t25fw-1e308":
        body = ORATORIO.replace("baseline:\n", "baseline:\n  - {characteristic: t25fw_s, arm: OCR, unit: s, "
                                "mean: 1.0e+308, source: {ref: montalban2017, locator: Table 1}}\n", 1)
    return body.encode() if isinstance(body, str) else body


@pytest.mark.parametrize("case", list(YAML_CASES))
def test_validate_refuses_hostile_yaml(case, work):
    bad = work / f"{case}.yaml"
    bad.write_bytes(_yaml_case(case))
    before = snapshot(work)
    res = run("validate", str(bad))
    assert res.exit_code == 2 and "Traceback" not in res.output
    first = res.stdout.splitlines()[0]
    assert first.startswith(f"{bad}:") and YAML_CASES[case][1] in first, first
    assert re.match(r"^.+:\d+: [^:]+: .+$", first)  # FILE:LINE: FIELD: rule
    assert res.stderr.strip() == "1 problem in 1 file" or "problems in 1 file" in res.stderr
    unchanged(work, before)


STRUCTURE_CASES = ["flow-nesting-1000", "block-nesting-200", "alias", "python-name-tag", "duplicate-key"]


@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
@pytest.mark.parametrize("case", STRUCTURE_CASES)
def test_both_yaml_parsers_refuse_alike(case, loader, work, monkeypatch):
    """The reader uses libyaml when PyYAML has it and PyYAML's own parser otherwise: same refusals, same lines."""
    import yaml

    from msevidence.errors import EvidenceFileError
    from msevidence.evidence import yamlio

    if loader == "pure Python":
        monkeypatch.setattr(yamlio, "_Loader", yaml.SafeLoader)
    assert yaml.__with_libyaml__ or loader == "pure Python", "PyPI's PyYAML wheels ship libyaml"
    bad = work / f"{case}.yaml"
    bad.write_bytes(_yaml_case(case))
    with pytest.raises(EvidenceFileError) as err:
        yamlio.read_yaml(bad)
    problem = err.value.problems[0]
    assert YAML_CASES[case][1] in problem.message and problem.line >= 1
    assert problem.line == {"alias": 1, "duplicate-key": 2}.get(case, problem.line)  # the anchor comes first


def test_no_results_yet_is_an_explicit_valid_status(work):
    ok = work / "pending.yaml"
    ok.write_text(_trial_without_endpoints().replace("comparator: placebo\n",
                                                     "comparator: placebo\nstatus: no results yet\n", 1))
    res = run("validate", str(ok))
    assert (res.exit_code, res.stdout) == (0, "1 file valid\n"), res.output


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_validate_refuses_non_regular_files_at_once(special, work):
    path = Path(special) if special.startswith("/") else work / "pipe.yaml"
    if special == "fifo":
        os.mkfifo(path)
    res = run("validate", str(path))  # reading would hang: refused by stat() before open()
    assert res.exit_code == 2 and "not a regular file" in res.stdout and "Traceback" not in res.output


@pytest.mark.parametrize("case, command", [
    ("nul-byte", ["list"]), ("flow-nesting-1000", ["list", "--format", "json"]),
    ("python-name-tag", ["synth", "--trial", "ORATORIO"]), ("ci-high-inf", ["report", "--set", "default"]),
])
def test_every_command_reading_a_bad_store_gives_one_line(case, command, work):
    (work / "evidence" / "zz_bad.yaml").write_bytes(_yaml_case(case))
    before = snapshot(work)
    extra = ["--out", str(work / "out")] if command[0] in ("synth", "report") else []
    res = run(*command, *extra, env={"MSEVIDENCE_EVIDENCE": str(work / "evidence")})
    assert_one_line(res, 2, "zz_bad.yaml:", YAML_CASES[case][1])
    unchanged(work, before)


# -- (B) data tables --------------------------------------------------------------------------------------------
def _events(work: Path, change) -> Path:
    df = pd.read_csv(work / "events.csv")
    p = work / "bad_events.csv"
    change(df).to_csv(p, index=False)
    return p


def _visits(work: Path, change) -> Path:
    df = pd.read_csv(work / "visits.csv")
    p = work / "bad_visits.csv"
    change(df).to_csv(p, index=False)
    return p


TABLE_CASES = {
    "fit-5mb-header": ("fit", lambda w: _raw(w, "h.csv", "a" * 5_000_000 + "\n1\n"), "rule: line length"),
    "fit-1000-columns": ("fit", lambda w: _raw(w, "c.csv", ",".join(f"c{i}" for i in range(1000)) + "\n"),
                         "rule: column count"),
    "fit-long-line": ("fit", lambda w: _raw(w, "l.csv", "patient_id,arm\n1," + "x" * 200_000 + "\n"),
                      "line 2 is longer"),
    "fit-time-inf": ("fit", lambda w: _events(w, lambda d: d.assign(time_weeks=d.time_weeks.astype(object)
                                                                     .where(d.index != 3, "inf"))),
                     "must be a finite number"),
    "fit-time-1e308": ("fit", lambda w: _events(w, lambda d: d.assign(time_weeks=d.time_weeks.where(
        d.index != 3, 1e308))), "rule: plausible times"),
    "fit-event-2": ("fit", lambda w: _events(w, lambda d: d.assign(event=d.event.where(d.index != 1, 2))),
                    "0 (censored) or 1"),
    "fit-fifo": ("fit", lambda w: _fifo(w, "pipe.csv"), "not a regular file"),
    "walking-t25fw-inf": ("walking", lambda w: _visits(w, lambda d: d.assign(t25fw_s=d.t25fw_s.where(
        d.index != 8, np.inf))), "rule: finite numbers"),
    "walking-t25fw-1e308": ("walking", lambda w: _visits(w, lambda d: d.assign(t25fw_s=d.t25fw_s.where(
        d.index != 8, 1e308))), "rule: plausible T25FW"),
    "walking-t25fw-0.1s": ("walking", lambda w: _visits(w, lambda d: d.assign(t25fw_s=d.t25fw_s.where(
        d.index != 8, 0.1))), "outside the plausible range 1-600 s"),
    "walking-edss-11": ("walking", lambda w: _visits(w, lambda d: d.assign(edss=d.edss.where(d.index != 2, 11))),
                        "EDSS must be between 0 and 10"),
    "walking-5mb-header": ("walking", lambda w: _raw(w, "v.csv", "b" * 5_000_000 + "\n"), "rule: line length"),
}


def _raw(work: Path, name: str, text: str) -> Path:
    p = work / name
    p.write_text(text)
    return p


def _fifo(work: Path, name: str) -> Path:
    p = work / name
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("case", list(TABLE_CASES))
def test_bad_tables_give_one_line_naming_file_and_rule(case, work):
    command, make, rule = TABLE_CASES[case]
    path = make(work)
    before = snapshot(work)
    args = [command, str(path)] + (["--endpoint", "CDP12"] if command == "fit" else [])
    assert_one_line(run(*args), 2, str(path), rule)
    unchanged(work, before)


def test_t25fw_range_is_overridable(work):
    path = _visits(work, lambda d: d.assign(t25fw_s=d.t25fw_s.where(d.index != 8, 700.0)))
    assert run("walking", str(path)).exit_code == 2
    res = run("walking", str(path), "--t25fw-range", "1,900", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["week"] == 120


# -- (C) option values ------------------------------------------------------------------------------------------
OPTION_CASES = {
    "fit-tau-nan": (["fit", "EVENTS", "--endpoint", "CDP12", "--tau", "nan"], "--tau:"),
    "fit-tau-inf": (["fit", "EVENTS", "--endpoint", "CDP12", "--tau", "inf"], "--tau:"),
    "fit-tau-negative": (["fit", "EVENTS", "--endpoint", "CDP12", "--tau", "-5"], "--tau:"),
    "fit-tau-text": (["fit", "EVENTS", "--endpoint", "CDP12", "--tau", "abc"], "--tau:"),
    "fit-at-negative": (["fit", "EVENTS", "--endpoint", "CDP12", "--at", "-10"], "--at:"),
    "fit-at-nan": (["fit", "EVENTS", "--endpoint", "CDP12", "--at", "nan"], "--at:"),
    "fit-ties": (["fit", "EVENTS", "--endpoint", "CDP12", "--ties", "exact"], "--ties:"),
    "fit-no-endpoint": (["fit", "EVENTS"], "--endpoint: required option is missing"),
    "fit-no-file": (["fit"], "EVENTS: required argument is missing"),
    "walking-week-nan": (["walking", "VISITS", "--week", "nan"], "--week:"),
    "walking-week-negative": (["walking", "VISITS", "--week", "-1"], "--week:"),
    "walking-unconfirmed": (["walking", "VISITS", "--unconfirmed", "maybe"], "--unconfirmed:"),
    "walking-range-text": (["walking", "VISITS", "--t25fw-range", "fast"], "--t25fw-range:"),
    "walking-range-reversed": (["walking", "VISITS", "--t25fw-range", "9,1"], "--t25fw-range:"),
    "report-workers-0": (["report", "--workers", "0"], "--workers:"),
    "report-workers-negative": (["report", "--workers", "-3"], "--workers:"),
    "report-audience": (["report", "--audience", "everyone"], "--audience:"),
    "report-timeout-0": (["report", "--timeout", "0"], "--timeout:"),
    "synth-n-zero": (["synth", "--trial", "ORATORIO", "--n-per-arm", "OCR=0"], "--n-per-arm:"),
    "synth-seed-text": (["synth", "--trial", "ORATORIO", "--seed", "abc"], "--seed:"),
    "synth-unknown-trial": (["synth", "--trial", "NOPE"], "--trial:"),
    "list-format": (["list", "--format", "xml"], "--format:"),
    "list-domain": (["list", "--domain", "happiness"], "--domain:"),
    "unknown-option": (["list", "--frobnicate"], "--frobnicate: no such option"),
}


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_bad_option_values_name_the_option(case, work):
    args, needle = OPTION_CASES[case]
    args = [str(work / "events.csv") if a == "EVENTS" else str(work / "visits.csv") if a == "VISITS" else a
            for a in args]
    before = snapshot(work)
    extra = ["--out", str(work / "out")] if args[0] in ("report", "synth") else []
    assert_one_line(run(*args, *extra), 2, needle)
    unchanged(work, before)


# -- (D) output paths -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["synth-out-file", "synth-out-under-file", "report-out-file",
                                  "report-out-under-file", "synth-out-sys", "report-out-sys",
                                  "schema-out-full-disk", "schema-out-folder", "schema-out-missing-folder"])
def test_unusable_output_paths_give_one_line(case, work):
    blocker = work / "a-file"
    blocker.write_text("not a folder")
    target = {"file": blocker, "under-file": blocker / "sub", "sys": Path("/sys/msevidence-test"),
              "full-disk": Path("/dev/full"), "folder": work / "out", "missing-folder": work / "no" / "x.json"}[
        case.split("-out-")[1]]
    rule = {"file": "is a file, not a folder", "under-file": "is a file, not a folder",
            "sys": "permission denied", "full-disk": "no space left on the device", "folder": "is a folder",
            "missing-folder": "No such file"}[case.split("-out-")[1]]
    before = snapshot(work)
    command = {"synth": ["synth", "--trial", "ORATORIO"], "report": ["report", "--set", "default"],
               "schema": ["schema"]}[case.split("-")[0]]
    line = assert_one_line(run(*command, "--out", str(target)), 2, rule)
    assert str(target if "file" not in case.split("-out-")[1] or case.startswith("schema") else blocker) in line
    unchanged(work, before)


def test_corrupt_manifest_is_rebuilt_from_pages_with_a_warning(work):
    set_dir = work / "out" / "default"
    (set_dir / "manifest.json").write_text('{"set": "default", "runs": [')  # truncated
    (set_dir / "run-a.lay.html").write_text("<p>a</p>")
    (set_dir / "run-a.ipynb").write_text("{}")
    (set_dir / "run-b.failed.analyst.html").write_text("<p>b failed</p>")
    said = []
    doc = load_manifest(set_dir, "default", said.append)
    assert len(said) == 1 and "not valid JSON" in said[0] and "rebuilt" in said[0]
    runs = {r["name"]: r for r in doc["runs"]}
    assert runs["run-a"]["outputs"] == {"lay": "run-a.lay.html", "notebook": "run-a.ipynb"}
    assert runs["run-b"]["status"] == "failed"
    assert json.loads((set_dir / "manifest.json").read_text()) == json.loads(json.dumps(doc))
    assert 'href="run-a.lay.html"' in (set_dir / "index.html").read_text()


@pytest.mark.parametrize("body", ['[1, 2]', '{"set": "default", "runs": [{"name": 1}]}',
                                  '{"set": "default", "runs": [{"name": "x", "status": "ok", "title": "x", '
                                  '"parameters": {}, "duration_s": 1, "outputs": {"lay": "javascript:alert(1)"}}]}'])
def test_wrong_shaped_manifest_is_rebuilt(body, work):
    set_dir = work / "out" / "default"
    (set_dir / "manifest.json").write_text(body)
    said = []
    doc = load_manifest(set_dir, "default", said.append)
    assert said and "expected shape" in said[0] and doc["recovered"]
    assert "javascript:" not in (set_dir / "index.html").read_text()


# -- (E) report sets --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body, needle", [
    ("runs: !!python/object/apply:os.system [ls]\n", "YAML tag"),
    ("runs: " + "[" * 500 + "]" * 500 + "\n", "nesting deeper than 100 levels"),
    ("runs:\n  - {name: a, notebook: evidence_overview}\n\x00", "control character"),
])
def test_hostile_report_set_files(body, needle, work):
    f = work / "hostile.yaml"
    f.write_text(body)
    before = snapshot(work)
    assert_one_line(run("report", "--set", str(f), "--out", str(work / "out")), 2, str(f), needle)
    unchanged(work, before)


def test_a_set_name_that_is_not_a_folder_name_is_refused(work):
    f = work / "my set.yaml"
    f.write_text("runs:\n  - {name: a, notebook: evidence_overview}\n")
    before = snapshot(work)
    assert_one_line(run("report", "--set", str(f), "--out", str(work / "out")), 2, "set name", "letters, digits")
    unchanged(work, before)


# -- (F) limits -------------------------------------------------------------------------------------------------
def test_synth_ten_million_per_arm_is_refused_at_once(work):
    before = snapshot(work)
    res = run("synth", "--trial", "ORATORIO", "--n-per-arm", "OCR=10000000", "--out", str(work / "out"))
    assert_one_line(res, 2, "--n-per-arm", "100,000 patients per arm")
    unchanged(work, before)


def test_simulate_trial_refuses_above_the_limit():
    from msevidence.synthetic import simulate_trial

    with pytest.raises(LimitError, match="at most 100,000 patients per arm"):
        simulate_trial("ORATORIO", n_per_arm={"OCR": 10_000_000})


# -- (G) script in a report -------------------------------------------------------------------------------------
PAYLOADS = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<iframe src=\"javascript:parent.document.title='PWNED'\"></iframe>",
    "[click me](javascript:document.title='PWNED')",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data link</a>",
    "<svg onload=\"document.title='PWNED'\"></svg>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<div onclick=\"document.title='PWNED'\" style=\"background:url(https://evil.example/x)\">div</div>",
]
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def hostile_notebook() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it, whose outputs carry evidence text with script-like payloads."""
    md = "\n\n".join(f"Trial note {i}: {p}" for i, p in enumerate(PAYLOADS))
    table = pd.DataFrame({"arm": PAYLOADS[:2], "n": [1, 2]}).to_html()
    cell = nbformat.v4.new_code_cell("show()", outputs=[
        new_output("display_data", data={"text/markdown": md}),
        new_output("display_data", data={"text/html": "<b>html output</b>" + "".join(PAYLOADS)}),
        new_output("display_data", data={"text/html": table}),
        new_output("display_data", data={"image/png": PNG}),
    ])
    return new_notebook(cells=[new_markdown_cell("# Report with hostile evidence"), cell])


@pytest.mark.parametrize("audience", ["lay", "analyst"])
def test_report_html_has_no_script_handler_frame_or_unsafe_url(audience):
    page = reports.to_html(hostile_notebook(), audience, "<script>alert('title')</script>")
    low = page.lower()
    for bad in ("<script", "<iframe", "<object", "<svg", "evil.example"):
        assert bad not in low, bad
    assert not re.search(r"""<[^>]*\s(href|src|data|action)\s*=\s*["']?\s*(javascript|data:text)""", low)
    assert not re.search(r"<[^>]*\son[a-z]+\s*=", low)  # no event-handler attribute on any element
    assert 'http-equiv="Content-Security-Policy"' in page and "script-src 'none'" in page
    assert f"data:image/png;base64,{PNG}" in page  # the report's own embedded image is kept
    assert "html output" in page and "click me" in page  # the text itself is still shown
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page or "&lt;script&gt;" in page


def test_index_pages_escape_every_string():
    evil = "<script>alert(1)</script>"
    manifest = {"set": "s", "title": evil, "description": evil, "created": evil, "wall_time_s": 1, "workers": 1,
                "evidence_sha256": {evil: "0" * 64}, "packages": {evil: evil},
                "runs": [{"name": "r", "title": evil, "status": "failed", "error": evil, "parameters": {"x": evil},
                          "duration_s": 1.0, "outputs": {"lay": "r.failed.lay.html", "x": "javascript:alert(1)"}}]}
    top = {"created": evil, "sets": [{"set": evil, "title": evil, "status": evil, "audiences": [evil],
                                      "created": evil, "n_ok": 0, "n_runs": 1, "index": "s/index.html",
                                      "manifest": "s/manifest.json"}]}
    for page in (index_html(manifest), top_index_html(top)):
        assert "<script" not in page and "javascript:" not in page and "&lt;script&gt;" in page
        assert "Content-Security-Policy" in page


# -- (H) terminal markup and strict JSON ------------------------------------------------------------------------
def test_arm_names_with_rich_markup_print_literally(work):
    ev = pd.read_csv(work / "events.csv").replace({"arm": {"OCR": "[bold]OCR[/bold]", "PBO": "[/PBO]"}})
    ev.to_csv(work / "markup.csv", index=False)
    res = run("fit", str(work / "markup.csv"), "--endpoint", "CDP12", "--treatment", "[bold]OCR[/bold]",
              "--control", "[/PBO]")
    assert res.exit_code == 0, res.output
    assert "[/PBO]" in res.stdout and "[bold]OCR[/bold]" in res.stdout and "Traceback" not in res.output
    vi = pd.read_csv(work / "visits.csv").replace({"arm": {"OCR": "OCR :smile:", "PBO": "[/PBO]"}})
    vi.to_csv(work / "markup_visits.csv", index=False)
    res = run("walking", str(work / "markup_visits.csv"), "--treatment", "OCR :smile:", "--control", "[/PBO]")
    assert res.exit_code == 0, res.output
    assert "[/PBO]" in res.stdout and ":smile:" in res.stdout


def _strict_loads(text: str):
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_json_outputs_are_strict_and_say_estimability(work):
    fit = _strict_loads(run("fit", str(work / "events.csv"), "--endpoint", "CDP12", "--json").stdout)
    for key in ("cox", "logrank", "ph_test"):
        assert fit[key]["estimable"] in (True, False) and "reason" in fit[key]
    walk = _strict_loads(run("walking", str(work / "visits.csv"), "--json").stdout)
    assert walk["mixed_model"]["estimable"] in (True, False)
    _strict_loads(run("list", "--format", "json").stdout)


def test_non_finite_values_become_null_with_a_reason():
    doc = json.loads(dumps({"hr": math.inf, "ci": [1.0, math.nan], "nested": {"p": -math.inf}, "ok": 0.5}))
    assert doc["hr"] is None and "not estimable" in doc["hr_reason"]
    assert doc["ci"] == [1.0, None] and doc["nested"]["p"] is None and doc["nested"]["p_reason"]
    assert doc["ok"] == 0.5


def test_one_event_fit_prints_no_nan_or_inf(work):
    df = pd.read_csv(work / "events.csv").assign(event=0)
    df.loc[0, "event"] = 1
    df.to_csv(work / "one_event.csv", index=False)
    res = run("fit", str(work / "one_event.csv"), "--endpoint", "CDP12")
    assert res.exit_code == 0, res.output
    assert not re.search(r"\b(nan|inf)\b", res.stdout, re.IGNORECASE), res.stdout
    assert "not estimable" in res.stdout
    js = _strict_loads(run("fit", str(work / "one_event.csv"), "--endpoint", "CDP12", "--json").stdout)
    assert js["cox"]["estimable"] is False and js["cox"]["reason"]


# -- real report processes: lock, signals, browser --------------------------------------------------------------
SLEEPER = """\
# %% tags=["parameters"]
seconds = 0.0
value = 0

# %%
import time

time.sleep(seconds)
print(f"value is {value}")
"""


def _set(folder: Path, nb: Path, value: int, seconds: float, runs: int = 1) -> Path:
    folder.mkdir(exist_ok=True)
    if not (folder / nb.name).exists():  # a set file names notebooks in notebooks/ or beside itself
        shutil.copy(nb, folder / nb.name)
    nb = folder / nb.name
    lines = [f"  - {{name: r{i}, notebook: {nb}, parameters: {{value: {value}, seconds: {seconds}}}, "
             "audience: lay}" for i in range(runs)]
    f = folder / "shared.yaml"  # same set name in both folders: both write <out>/shared/
    f.write_text("runs:\n" + "\n".join(lines) + "\n")
    return f


@pytest.fixture
def sleeper(tmp_path):
    import jupytext

    nb = tmp_path / "sleeper.ipynb"
    jupytext.write(jupytext.reads(SLEEPER, fmt="py:percent"), nb)
    return nb


def _report(set_file: Path, out: Path, workers: int = 1) -> subprocess.Popen:
    return subprocess.Popen([str(MSEVIDENCE), "report", "--set", str(set_file), "--out", str(out), "--workers",
                             str(workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


@pytest.mark.slow
def test_two_concurrent_reports_cannot_disagree_with_their_pages(sleeper, tmp_path):
    out = tmp_path / "out"
    (out / "shared").mkdir(parents=True)
    (out / "shared" / "old.lay.html").write_text("<p>an earlier good page</p>")
    (out / "shared" / "manifest.json").write_text('{"set": "shared", "runs": [{"na')  # truncated
    a = _report(_set(tmp_path / "a", sleeper, 1, 3.0), out)
    b = _report(_set(tmp_path / "b", sleeper, 2, 0.0), out)
    (_, ea), (_, eb) = a.communicate(timeout=600), b.communicate(timeout=600)
    assert (a.returncode, b.returncode) == (0, 0), (ea, eb)
    assert "Traceback" not in ea + eb
    assert (ea + eb).count("rebuilt from the 1 run(s) found on disk") == 1  # before anything was published
    manifest = json.loads((out / "shared" / "manifest.json").read_text())
    runs = {r["name"]: r for r in manifest["runs"]}
    assert set(runs) == {"old", "r0"} and runs["old"]["outputs"] == {"lay": "old.lay.html"}
    assert (out / "shared" / "old.lay.html").read_text() == "<p>an earlier good page</p>"
    page = (out / "shared" / runs["r0"]["outputs"]["lay"]).read_text()
    assert f"value is {runs['r0']['parameters']['value']}" in page  # the manifest describes the page it links to
    assert not list(out.rglob(".staging-*"))


def _descendants(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def _wait_for_kernels(p: subprocess.Popen, n: int, timeout: float = 300) -> list:
    t0 = time.time()
    while time.time() - t0 < timeout:
        kids = _descendants(p.pid)
        if sum("ipykernel" in " ".join(k.cmdline()) for k in kids if k.is_running()) >= n:
            return kids
        time.sleep(0.5)
    raise AssertionError("kernels did not start")


def _all_gone(procs, timeout: float = 20) -> list:
    import psutil

    t0 = time.time()
    while time.time() - t0 < timeout:
        alive = [k for k in procs if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


@pytest.mark.slow
def test_sigkill_leaves_nothing_running_and_sigterm_cleans_up(sleeper, tmp_path):
    out = tmp_path / "out"
    set_file = _set(tmp_path / "a", sleeper, 1, 120.0, runs=2)
    p = _report(set_file, out, workers=2)
    kids = _wait_for_kernels(p, 2)
    assert list(out.rglob(".staging-*"))
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert _all_gone(kids) == []  # workers (PDEATHSIG) and their kernels (parent poller) died with it
    assert list(out.rglob(".staging-*"))  # staging of the killed run is still there ...

    p = _report(set_file, out, workers=2)
    kids = _wait_for_kernels(p, 2)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "Traceback" not in err
    assert "removed 1 staging folder" in err  # ... and was removed by the next run
    assert "stopped: workers and kernels ended, staging removed" in err
    assert _all_gone(kids) == [] and not list(out.rglob(".staging-*"))


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed (apt-get install -y chromium)")
def test_browser_runs_nothing_from_hostile_evidence(tmp_path, monkeypatch):
    store = tmp_path / "evidence"
    shutil.copytree(paths.evidence_dir(), store)
    f = store / "oratorio.yaml"
    text = f.read_text()
    text = text.replace("name: ORATORIO\n", "name: \"ORATORIO <script>document.title='PWNED'</script> "
                        "<img src=x onerror=\\\"document.title='PWNED'\\\">\"\n", 1)
    text = text.replace("population: Primary progressive MS (PPMS)\n",
                        "population: \"PPMS <iframe src='javascript:parent.document.title=1'></iframe> "
                        "[x](javascript:document.title='PWNED')\"\n", 1)
    f.write_text(text)
    monkeypatch.setenv("MSEVIDENCE_EVIDENCE", str(store))
    assert run("validate").exit_code == 0
    rs = reports.ReportSet(name="hostile", runs=[reports.Run(name="overview", notebook="evidence_overview",
                                                             audience="both")])
    (res,) = reports.render(rs, out=tmp_path / "out", workers=1)
    assert res.status == "ok", res.error
    for aud in ("lay", "analyst"):
        page = tmp_path / "out" / "hostile" / f"overview.{aud}.html"
        assert "ORATORIO" in page.read_text()
        cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / f'profile-{aud}'}",
               "--virtual-time-budget=3000", "--dump-dom", page.as_uri()]
        dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
        assert "PWNED" not in re.findall(r"<title>(.*?)</title>", dom, re.S)[0]  # no payload ran
        assert "PWNED" in dom  # the payload reached the page, as inert text
        low = dom.lower()
        assert "<script" not in low and "<iframe" not in low
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", low)  # no event-handler attribute on any element
        assert not re.search(r"""<[^>]*\s(href|src)\s*=\s*["']?\s*javascript:""", low)  # in a tag, not text
        assert 'http-equiv="content-security-policy"' in low
