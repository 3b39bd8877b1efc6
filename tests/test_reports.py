"""Report sets, HTML conversion, recorded values, and the runner's failure handling (msevidence.reports)."""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from typer.testing import CliRunner

import msevidence as mse
import msevidence.presentation.record as record_mod
from msevidence import reports
from msevidence.cli import app
from msevidence.presentation.record import record

ROOT = Path(__file__).resolve().parents[1]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- report sets -------------------------------------------------------------------------------------------
def test_default_set_lists_overview_and_main_report_for_each_placebo_trial_only():
    rs = reports.load_report_set("default")
    names = [r.name for r in rs.runs]
    assert "evidence-overview" in names
    main = {r.parameters["trial"] for r in rs.runs if r.notebook == "progression_vs_walking"}
    ev = mse.load_evidence()
    placebo = {t.id for t in ev if t.comparator == "placebo"}
    assert "ORATORIO" in main
    assert main <= placebo  # never an active-controlled trial (OPERA) in a placebo report
    assert not main & {t.id for t in ev if t.comparator == "active"}
    for r in rs.runs:
        assert reports.notebook_path(r.notebook).is_file()


@pytest.mark.parametrize("body, message", [
    ("runs:\n  - {name: a, notebook: evidence_overview, audience: everyone}\n", "runs[0].audience"),
    ("runs:\n  - {name: a, notebook: no_such_notebook}\n", "runs[0].notebook"),
    ("runs:\n  - {name: a, notebook: evidence_overview, parameters: {colour: red}}\n", "colour"),
    ("runs:\n  - {name: a, notebook: evidence_overview}\n  - {name: a, notebook: evidence_overview}\n",
     "repeated: a"),
    ("runs: []\n", "runs"),
    ("runs:\n  - {name: 'bad name', notebook: evidence_overview}\n", "runs[0].name"),
    ("runs: [\n", "not valid YAML"),
])
def test_bad_report_set_gives_one_line_error_naming_file_and_field(tmp_path, body, message):
    f = write(tmp_path / "bad.yaml", body)
    with pytest.raises(reports.ReportSetError) as exc:
        reports.load_report_set(f)
    assert str(f) in str(exc.value) and message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_cli_bad_set_exits_2_with_one_line(tmp_path):
    f = write(tmp_path / "bad.yaml", "runs:\n  - {name: a, notebook: evidence_overview, audience: everyone}\n")
    res = CliRunner().invoke(app, ["report", "--set", str(f), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "runs[0].audience" in res.output and "Traceback" not in res.output
    missing = CliRunner().invoke(app, ["report", "--set", "no-such-set"])
    assert missing.exit_code == 2 and "not found" in missing.output


# -- recorded values and HTML ---------------------------------------------------------------------------------
def executed_like_notebook() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it: parameters, injected parameters, code with outputs and a record."""
    params = new_code_cell("seed = 1", metadata={"tags": ["parameters"]})
    injected = new_code_cell("# Parameters\nseed = 7\n", metadata={"tags": ["injected-parameters"]})
    code = new_code_cell("import msevidence\nprint('visible result 42')", outputs=[
        new_output("stream", name="stdout", text="visible result 42\n"),
        new_output("stream", name="stderr", text="SomeWarning: noisy\n"),
        new_output("display_data", data={reports.RECORD_MIME: {"hr": 0.7}}),
        new_output("display_data", data={reports.RECORD_MIME: {"label": "SYNTHETIC"}}),
    ])
    return new_notebook(cells=[new_markdown_cell("# Title\n\n## Walking speed (T25FW)"), params, injected, code])


def test_recorded_reads_every_record_output(tmp_path):
    p = tmp_path / "x.ipynb"
    nbformat.write(executed_like_notebook(), p)
    assert reports.recorded(p) == {"hr": 0.7, "label": "SYNTHETIC"}


def test_record_converts_numpy_and_nan_to_json():
    import numpy as np

    record("x", {"a": np.float64(0.5), "b": [np.int64(3), float("nan")]})
    assert record_mod._RECORDS["x"] == {"a": 0.5, "b": [3, None]}
    assert json.dumps(record_mod._RECORDS["x"])


def test_lay_html_has_no_code_parameters_or_warnings_and_analyst_html_has_code():
    nb = executed_like_notebook()
    lay_html, analyst_html = reports.to_html(nb, "lay"), reports.to_html(nb, "analyst")
    lay, analyst = (html.unescape(re.sub(r"<[^>]+>", "", h)) for h in (lay_html, analyst_html))
    for text in (lay, analyst):
        assert "visible result 42" in text and "Walking speed (T25FW)" in text
        assert "SYNTHETIC" not in text
    assert reports.RECORD_MIME not in lay_html + analyst_html
    assert "import msevidence" in analyst and "seed = 7" in analyst and "noisy" in analyst
    assert 'class="highlight' in analyst_html
    assert "import msevidence" not in lay and "seed = 7" not in lay and "seed = 1" not in lay
    assert "noisy" not in lay and 'class="highlight' not in lay_html and 'class="jp-InputPrompt' not in lay_html


# -- the runner: parallel, failures isolated, previous good output kept ----------------------------------------
NOTEBOOK = """\
# %% tags=["parameters"]
fail = False  # raise on purpose
value = 1  # number to record

# %%
import sys

from msevidence.presentation.record import record

record("prefix", sys.prefix)
if fail:
    raise RuntimeError("broken on purpose")
print(f"value is {value}")
record("value", value)
"""


@pytest.fixture
def tiny_set(tmp_path):
    import jupytext

    nb = tmp_path / "tiny.ipynb"
    jupytext.write(jupytext.reads(NOTEBOOK, fmt="py:percent"), nb)

    def make(fail_b: bool) -> Path:
        return write(tmp_path / "set.yaml", f"""\
title: tiny
runs:
  - {{name: a, notebook: {nb}, parameters: {{value: 1}}, audience: both}}
  - {{name: b, notebook: {nb}, parameters: {{value: 2, fail: {str(fail_b).lower()}}}, audience: lay}}
""")
    return make


@pytest.mark.slow
def test_failed_run_keeps_others_and_previous_good_output(tiny_set, tmp_path):
    root = tmp_path / "out"
    out = root / "set"  # each set renders into its own folder (set.yaml -> out/set/)
    good = reports.render(tiny_set(False), out=root, workers=2)
    assert [r.status for r in good] == ["ok", "ok"]
    assert {r.name: r.recorded["value"] for r in good} == {"a": 1, "b": 2}
    assert good[0].recorded["prefix"] == sys.prefix  # kernels run the interpreter of this environment
    previous = (out / "b.lay.html").read_bytes()
    assert "value is 2" in previous.decode()

    res = CliRunner().invoke(app, ["report", "--set", str(tiny_set(True)), "--out", str(root), "--workers", "2"])
    assert res.exit_code == 1 and "b" in res.output
    assert (out / "b.lay.html").read_bytes() == previous  # never overwritten by the failed run
    failed_nb = nbformat.read(out / "b.failed.ipynb", as_version=4)
    assert "broken on purpose" in json.dumps(failed_nb)
    assert "broken on purpose" in (out / "b.failed.analyst.html").read_text()
    assert (out / "a.analyst.html").is_file() and (out / "a.lay.html").is_file()

    manifest = json.loads((out / "manifest.json").read_text())
    runs = {r["name"]: r for r in manifest["runs"]}
    assert runs["a"]["status"] == "ok" and runs["b"]["status"] == "failed"
    assert runs["a"]["effective_parameters"] == {"fail": False, "value": 1}  # defaults + given
    assert runs["b"]["effective_parameters"] == {"fail": True, "value": 2}
    assert "broken on purpose" in runs["b"]["error"]
    assert runs["b"]["last_good"]["outputs"]["lay"] == "b.lay.html"
    index = (out / "index.html").read_text()
    assert "failed" in index and "broken on purpose" in index and 'href="b.lay.html"' in index
    assert not list(out.glob(".staging-*")) and not list(out.glob(".*.tmp-*"))
    top = json.loads((root / "manifest.json").read_text())
    assert [(s["set"], s["status"]) for s in top["sets"]] == [("set", "1 of 2 runs failed")]
    assert 'href="set/index.html"' in (root / "index.html").read_text()

    # --only re-renders one run; the other keeps its manifest entry; a good run clears the failure files
    again = reports.render(tiny_set(False), out=root, only=["b"], audience="analyst")
    assert [r.name for r in again] == ["b"] and again[0].audiences == ["analyst"]
    assert not list(out.glob("b.failed.*"))
    names = [r["name"] for r in json.loads((out / "manifest.json").read_text())["runs"]]
    assert names == ["a", "b"]


@pytest.mark.slow
def test_sets_live_side_by_side_in_one_index(tmp_path):
    """Rendering one set never removes or overwrites another's pages or its entry in the top index."""
    import jupytext

    nb = tmp_path / "tiny.ipynb"
    jupytext.write(jupytext.reads(NOTEBOOK, fmt="py:percent"), nb)
    root = tmp_path / "out"
    sets = {}
    for name, aud in (("default", "both"), ("analyst", "analyst"), ("teaching", "lay")):
        sets[name] = write(tmp_path / f"{name}.yaml", f"title: {name} set\nruns:\n"
                           f"  - {{name: same-run, notebook: {nb}, parameters: {{value: {len(name)}}}, audience: {aud}}}\n")
    pages = {}
    for name in sets:
        res = CliRunner().invoke(app, ["report", "--set", str(sets[name]), "--out", str(root), "--workers", "1"])
        assert res.exit_code == 0, res.output
        pages[name] = {p.name: p.read_bytes() for p in (root / name).glob("same-run.*")}
    for name in sets:  # nothing of an earlier set was touched by a later one
        assert {p.name: p.read_bytes() for p in (root / name).glob("same-run.*")} == pages[name]
        m = json.loads((root / name / "manifest.json").read_text())
        assert m["set"] == name and m["runs"][0]["parameters"] == {"value": len(name)}
    top = json.loads((root / "manifest.json").read_text())
    assert {s["set"]: s["audiences"] for s in top["sets"]} == {
        "analyst": ["analyst"], "default": ["analyst", "lay"], "teaching": ["lay"]}
    assert all(s["status"] == "ok" and s["created"] for s in top["sets"])
    index = (root / "index.html").read_text()
    for name in sets:
        assert f'href="{name}/index.html"' in index and f"{name} set" in index


def test_manifest_records_evidence_hashes_packages_and_seed(tmp_path):
    rs = reports.ReportSet(name="m", runs=[reports.Run(name="r", notebook="evidence_overview")])
    rr = reports.RunResult(name="r", notebook="evidence_overview", title="r", parameters={"seed": 5},
                           audiences=["lay"], status="ok", duration_s=1.0, started="now")
    m = reports.write_manifest(rs, [rr], tmp_path, wall_s=1.0, workers=1)
    ev = mse.load_evidence()
    for t in ev:
        f = ev.files[t.id]
        assert m["evidence_sha256"][f.name] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert m["runs"][0]["seed"] == 5 and m["packages"]["msevidence"] == mse.__version__
    assert json.loads((tmp_path / "manifest.json").read_text()) == json.loads(json.dumps(m))
    assert "r" in (tmp_path / "index.html").read_text()


def test_unknown_only_name_is_an_error(tmp_path):
    with pytest.raises(reports.ReportSetError, match="no run named nope"):
        reports.render("default", out=tmp_path, only=["nope"])
    assert not list(tmp_path.iterdir())  # refused before anything was written


@pytest.mark.parametrize("path", sorted((ROOT / "reports").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_report_set_loads_with_known_notebooks_and_parameters(path):
    rs = reports.load_report_set(path)  # raises on an unknown notebook or parameter
    assert rs.runs and len({r.name for r in rs.runs}) == len(rs.runs)
