"""Hostile input, round two (issue 23): reconstruct, simulate, pool, reanalyze and report sets.

One rule per kind, each tried with variants: (A) outputs never overwrite an input and every path problem is one
line naming the path; (B) numeric options and input columns have documented ranges checked before work; (C)
allocations are bounded up front (file size, line length, studies, grid size, simulated patients); (D) network
addresses are parsed and a connection fails at once; (E) report sets name notebooks only in notebooks/ or beside
themselves, and names fit the file system; (F) the calibration cache must be a writable folder; (G) text is inert
(terminal control characters, HTML style and positioning); (H) every JSON null carries its reason.
Every refusal: exit 2, one line on stderr, no traceback, inputs byte-identical. CLI calls run in-process.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from typer.testing import CliRunner

from msevidence import paths, reports
from msevidence.cli import app
from msevidence.cli.output import console
from msevidence.errors import OptionError, OutputError
from msevidence.reconstruct.digitize import digitize_trial
from msevidence.reconstruct.validation import simulate_two_arm
from msevidence.reports.sanitize import clean_fragment
from msevidence.safeio import atomic_output, check_output_file

runner = CliRunner()
ESC = "\x1b[2J\x1b]0;owned\x07"


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, [str(a) for a in args], env=env)


def one_line(res, *needles: str) -> str:
    """Exit 2, no traceback, one line on stderr holding every needle."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, res.stderr
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def digitized(tmp_path_factory):
    """A digitized curve and its numbers at risk (from simulated patients), written once."""
    d = tmp_path_factory.mktemp("digitized")
    rng = np.random.default_rng(11)
    curve, risk = digitize_trial(simulate_two_arm(rng, 120), rng)
    curve.to_csv(d / "curve.csv", index=False)
    risk.to_csv(d / "risk.csv", index=False)
    return d


@pytest.fixture
def rec(digitized, tmp_path):
    """A working folder with the two inputs, and a function running `reconstruct` on it."""
    for f in ("curve.csv", "risk.csv"):
        shutil.copy(digitized / f, tmp_path / f)

    def call(*extra, curve="curve.csv", risk="risk.csv", out: object = "events.csv"):
        args = ["reconstruct", "--curve", tmp_path / curve, "--at-risk", tmp_path / risk, "--endpoint", "e"]
        return run(*args, *(["--out", out if os.path.isabs(str(out)) else tmp_path / out] if out else []), *extra)

    call.dir = tmp_path
    return call


# -- (A) outputs never overwrite an input; every path problem is one line naming the path -----------------------
@pytest.mark.parametrize("target", ["curve.csv", "risk.csv", "./sub/../risk.csv", "link.csv", "hard.csv"])
def test_reconstruct_out_never_overwrites_an_input(rec, target):
    (rec.dir / "sub").mkdir()
    (rec.dir / "link.csv").symlink_to(rec.dir / "curve.csv")
    os.link(rec.dir / "risk.csv", rec.dir / "hard.csv")
    before = snapshot(rec.dir)
    one_line(rec(out=target), "rule: outputs never overwrite an input")
    assert snapshot(rec.dir) == before


@pytest.mark.parametrize("qa", ["curve.csv", "events.csv.provenance.json"])
def test_reconstruct_qa_never_overwrites_an_input_or_the_table(rec, qa):
    before = snapshot(rec.dir)
    one_line(rec("--qa", rec.dir / qa), "--qa")
    assert snapshot(rec.dir) == before


@pytest.mark.parametrize("case, needle", [
    ("folder", "is a folder (rule: --out names a file)"),
    ("under-file", "is a file, not a folder"),
    ("long-name", "the limit is 255 (rule: file name length)"),
    ("not-csv", "must end in .csv"),
    ("fifo", "not a regular file"),
    ("unwritable", "not writable"),
])
def test_reconstruct_out_path_problems(rec, case, needle):
    d = rec.dir
    (d / "folder.csv").mkdir()
    os.mkfifo(d / "pipe.csv")
    target = {"folder": d / "folder.csv", "under-file": d / "curve.csv" / "x.csv",
              "long-name": d / ("x" * 260 + ".csv"), "not-csv": d / "events.txt", "fifo": d / "pipe.csv",
              "unwritable": Path("/proc/1/events.csv")}[case]
    before = snapshot(d)
    line = one_line(rec(out=target), needle)
    assert str(target if case not in ("under-file", "unwritable") else target.parent) in line
    assert snapshot(d) == before


@pytest.mark.parametrize("qa, needle", [("qa.txt", "must end in .png, .pdf, .svg"), ("qa.jpeg", "must end in"),
                                        ("qa", "must end in"), ("folder", "is a folder (rule: --qa names a file)")])
def test_reconstruct_qa_kind_is_checked_before_work(rec, qa, needle):
    (rec.dir / "folder").mkdir()
    line = one_line(rec("--qa", rec.dir / qa), needle, "--qa" if "folder" not in qa else "folder")
    assert "wrote" not in line and not (rec.dir / "events.csv").exists()  # refused before anything was written
    assert not list(rec.dir.glob("folder*.png"))


def test_a_full_disk_names_the_path_and_keeps_the_old_file(rec, monkeypatch):
    from msevidence.reconstruct import KMReconstruction

    (rec.dir / "events.csv").write_text("an earlier good table\n")

    def full(self, path, extra=None):
        Path(path).write_text("half a tab")
        Path(f"{path}.provenance.json").write_text("{")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(KMReconstruction, "to_csv", full)
    line = one_line(rec(), "no space left on the device", str(rec.dir / "events.csv"))
    assert "Errno" not in line
    assert (rec.dir / "events.csv").read_text() == "an earlier good table\n"
    assert not list(rec.dir.glob(".*")) and not (rec.dir / "events.csv.provenance.json").exists()


@pytest.mark.parametrize("code, reason", [(errno.ENOSPC, "no space left"), (errno.EDQUOT, "quota"),
                                          (errno.EROFS, "read-only"), (errno.ENAMETOOLONG, "too long")])
def test_atomic_output_reports_the_path_and_leaves_no_partial_file(tmp_path, code, reason):
    target = tmp_path / "grid.csv"
    target.write_text("good")
    with pytest.raises(OutputError, match=reason) as err, atomic_output(target) as tmp:
        tmp.write_text("partial")
        raise OSError(code, os.strerror(code))
    assert str(target) in str(err.value) and "Errno" not in str(err.value)
    assert target.read_text() == "good" and [p.name for p in tmp_path.iterdir()] == ["grid.csv"]


@pytest.mark.parametrize("case", ["evidence", "notebooks", "reports"])
def test_outputs_never_land_in_the_shipped_store(case):
    folder = {"evidence": paths.evidence_dir(), "notebooks": paths.notebooks_dir(),
              "reports": paths.report_sets_dir()}[case]
    with pytest.raises(OutputError, match="outputs never overwrite shipped"):
        check_output_file(folder / "x.csv", suffixes=(".csv",))


SIM = ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss"]


@pytest.mark.parametrize("out, needle", [
    ("FOLDER", "is a folder"), ("FILE/grid.csv", "is a file, not a folder"), ("grid.json", "must end in .csv"),
    ("x" * 300 + ".csv", "file name length"), ("/proc/1/grid.csv", "not writable"),
])
def test_simulate_grid_out_is_checked_before_any_simulation(tmp_path, out, needle):
    (tmp_path / "FOLDER").mkdir()
    (tmp_path / "FILE").write_text("mine")
    target = out if out.startswith("/") else tmp_path / out
    before = snapshot(tmp_path)
    one_line(run(*SIM, "--grid", "--grid-n", "100,200", "--out", target), needle)
    assert snapshot(tmp_path) == before


# -- (B) documented ranges, checked before work ------------------------------------------------------------------
SIMULATE_OPTIONS = {
    "seed-negative": (["--seed", "-7"], "--seed: must be a whole number from 0"),
    "seed-2^64": (["--seed", str(2**64)], "--seed"),
    "hr-1e300": (["--hr", "1e300"], "--hr: a true hazard ratio must be between 0.01 and 100"),
    "hr-150": (["--hr", "150"], "--hr"),
    "hr-tiny": (["--hr", "1e-5"], "--hr"),
    "hr-nan": (["--hr", "nan"], "--hr"),
    "hr-zero": (["--hr", "0"], "--hr"),
    "n-trials-1e23": (["--n-trials", "1e23"], "--n-trials"),
    "n-trials-digits": (["--n-trials", str(10**23)], "--n-trials: must be from 1 to 1,000,000"),
    "n-trials-2e6": (["--n-trials", "2000000"], "--n-trials"),
    "n-per-arm-10M": (["--n-per-arm", "OCR=10000000"], "at most 10,000 patients per arm"),
    "n-per-arm-10001": (["--n-per-arm", "PBO=10001"], "at most 10,000"),
    "work": (["--n-trials", "1000000", "--n-per-arm", "OCR=5000", "--n-per-arm", "PBO=5000"],
             "rule: simulation size"),
    "confirmation-huge": (["--confirmation-weeks", "99999999"], "--confirmation-weeks: must be from 0 to 520"),
    "processes-0": (["--processes", "0"], "--processes"),
    "processes-1000": (["--processes", "1000"], "--processes"),
    "alpha-nan": (["--alpha", "nan"], "--alpha"),
    "alpha-1": (["--alpha", "1"], "--alpha"),
    "grid-n-1e12": (["--grid", "--grid-n", "1:1e12:1"], "values; the limit is 100 (rule: grid size)"),
    "grid-n-above": (["--grid", "--grid-n", "100,50000"], "--grid-n"),
    "grid-n-1": (["--grid", "--grid-n", "1,100"], "--grid-n"),
    "grid-n-list-long": (["--grid", "--grid-n", ",".join(str(100 + i) for i in range(101))], "the limit is 100"),
    "grid-hr-1e-10": (["--grid", "--grid-hr", "0.1:0.9:1e-10"], "rule: grid size"),
    "grid-hr-inf": (["--grid", "--grid-hr", "0.5:inf:0.1"], "--grid-hr"),
    "grid-hr-1000": (["--grid", "--grid-hr", "0.5,1000"], "--grid-hr: '0.5,1000': values must be from 0.01 to 100"),
    "grid-confirmation-huge": (["--grid", "--grid-confirmation", "12:1e9:12"], "--grid-confirmation"),
    "grid-cells": (["--grid", "--grid-n", "100:1000:10", "--grid-hr", "0.5:1:0.01"], "designs; the limit is 1,000"),
}


@pytest.mark.parametrize("case", list(SIMULATE_OPTIONS))
def test_simulate_options_out_of_range_are_refused_at_once(case, tmp_path):
    args, needle = SIMULATE_OPTIONS[case]
    out = ["--out", tmp_path / "g.csv"] if "--grid" in args else []
    one_line(run(*SIM, *args, *out), needle)
    assert not list(tmp_path.iterdir())


def _estimates(tmp_path: Path, rows: list[str], name: str = "est.csv") -> Path:
    p = tmp_path / name
    p.write_text("study,estimate,ci_low,ci_high\n" + "".join(r + "\n" for r in rows))
    return p


POOL_CASES = {
    "se-1e-16": (["A,0.8,0.7999999999999999,0.8000000000000002", "B,0.7,0.6,0.8"], "too narrow to be a 95% CI"),
    "se-1e-6": (["A,0.8,0.799999,0.800001", "B,0.7,0.6,0.8"], "too narrow"),
    "ratio-1e300": (["A,1e300,1e299,1e301", "B,0.7,0.6,0.8"], "rule: plausible ratios"),
    "ratio-1e-300": (["A,1e-300,1e-301,1e-299", "B,0.7,0.6,0.8"], "rule: plausible ratios"),
    "ci-high-1e308": (["A,0.8,0.7,1e308", "B,0.7,0.6,0.8"], "rule: plausible ratios"),
    "ratio-inf": (["A,inf,0.7,0.9", "B,0.7,0.6,0.8"], "positive ratio"),
    "ci-reversed": (["A,0.8,0.9,0.7", "B,0.7,0.6,0.8"], "must contain the estimate"),
    "one-study": (["A,0.8,0.7,0.9"], "at least 2 studies"),
}


@pytest.mark.parametrize("case", list(POOL_CASES))
def test_pool_estimates_out_of_range(case, tmp_path):
    rows, needle = POOL_CASES[case]
    p = _estimates(tmp_path, rows)
    one_line(run("pool", "--estimates", p), str(p), needle)


@pytest.mark.parametrize("prior", ["0,1e-200", "0,1e200", "1e6,1", "-50,0.2", "0,0.0001", "0,1000"])
def test_reanalyze_prior_out_of_range(prior):
    one_line(run("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--prior", prior),
             "--prior", "rule: prior range")


def test_reanalyze_prior_within_range_still_works():
    res = run("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--prior", "-9.5,99", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["prior"]["sd_log_hr"] == 99


def _edit(src: Path, dst: Path, change) -> Path:
    change(pd.read_csv(src)).to_csv(dst, index=False)
    return dst


RECONSTRUCT_COLUMNS = {
    "time-1e300": ("curve", lambda d: d.assign(time_weeks=d.time_weeks.where(d.index != 4, 1e300)),
                   "beyond 2600 weeks (50 years)"),
    "time-60-years": ("curve", lambda d: d.assign(time_weeks=d.time_weeks.where(d.index != 4, 3200.0)),
                      "rule: plausible times"),
    "months-1e6": ("curve", lambda d: d.rename(columns={"time_weeks": "time_months"}).assign(
        time_months=lambda x: x.time_months.where(x.index != 2, 1e6)), "rule: plausible times"),
    "risk-time-1e300": ("risk", lambda d: d.assign(time_weeks=d.time_weeks.where(d.index != 2, 1e300)),
                        "rule: plausible times"),
    "at-risk-1e20": ("risk", lambda d: d.astype({"n_at_risk": float}).assign(
        n_at_risk=lambda x: x.n_at_risk.where(x.index != 0, 1e20)), "the limit is 1,000,000 per arm"),
    "at-risk-x1e6": ("risk", lambda d: d.assign(n_at_risk=d.n_at_risk * 10**6), "rule: numbers at risk"),
    "at-risk-2^63": ("risk", lambda d: d.astype({"n_at_risk": object}).assign(
        n_at_risk=lambda x: x.n_at_risk.where(x.index != 0, 2**63)), "rule: numbers at risk"),
}


@pytest.mark.parametrize("case", list(RECONSTRUCT_COLUMNS))
def test_reconstruct_columns_out_of_range(rec, case):
    which, change, needle = RECONSTRUCT_COLUMNS[case]
    src = rec.dir / ("curve.csv" if which == "curve" else "risk.csv")
    bad = _edit(src, rec.dir / "bad.csv", change)
    res = rec(**{which: bad.name})
    line = one_line(res, str(bad), needle)
    assert "-9223372036854775808" not in line
    assert not (rec.dir / "events.csv").exists()


@pytest.mark.parametrize("items", [["CTRL=" + "9" * 30], ["CTRL=1000001"]])
def test_total_events_have_a_limit(rec, items):
    one_line(rec(*[x for i in items for x in ("--total-events", i)]), "--total-events", "at most 1,000,000")


@pytest.mark.parametrize("scale_as", ["tidy", "webplotdigitizer", "time-in-months"])
def test_fraction_readings_with_percent_scale_are_refused(rec, scale_as):
    curve = pd.read_csv(rec.dir / "curve.csv")
    if scale_as == "tidy":
        curve.to_csv(rec.dir / "c.csv", index=False)
    elif scale_as == "time-in-months":
        curve.assign(time=curve.time_weeks / 4.348125).drop(columns="time_weeks").to_csv(rec.dir / "c.csv",
                                                                                         index=False)
    else:
        arms = list(dict.fromkeys(curve.arm))
        cols = {}
        for a in arms:
            g = curve[curve.arm == a].reset_index(drop=True)
            cols[(a, "X")], cols[(a, "Y")] = g.time_weeks, g.survival
        wide = pd.DataFrame(cols)
        lines = [",".join(f"{a}," for a in arms).rstrip(","), ",".join("X,Y" for _ in arms)]
        lines += [",".join("" if pd.isna(v) else f"{v:g}" for v in row) for row in wide.itertuples(index=False)]
        (rec.dir / "c.csv").write_text("\n".join(lines) + "\n")
    extra = ["--time-unit", "months"] if scale_as == "time-in-months" else []
    one_line(rec("--y-scale", "percent", *extra, curve="c.csv"), "use --y-scale fraction")


def test_a_rare_cumulative_incidence_in_percent_is_still_read():
    from msevidence.data.digitized import read_curve

    rare = pd.DataFrame({"arm": "A", "time_weeks": [0.0, 48, 96], "cumulative_incidence": [0.0, 0.4, 0.8]})
    assert read_curve(rare, y_scale="percent")["survival"].tolist() == pytest.approx([1.0, 0.996, 0.992])


# -- (C) allocations bounded up front -----------------------------------------------------------------------------
@pytest.mark.parametrize("case, needle", [
    ("sparse-600mb", "the limit is 20.0 MB (rule: file size)"),
    ("line-200kb", "is longer than 100,000 bytes (rule: line length)"),
    ("wpd-cell-140k", "is longer than 100,000 bytes"),
    ("dev-zero", "not a regular file"),
    ("fifo", "not a regular file"),
    ("folder", "is a folder"),
])
def test_reconstruct_inputs_are_bounded(rec, case, needle):
    d = rec.dir
    if case == "sparse-600mb":
        with open(d / "big.csv", "wb") as f:
            f.truncate(600_000_000)
        curve = d / "big.csv"
    elif case == "line-200kb":
        curve = d / "long.csv"
        curve.write_text("arm,time_weeks,survival\nA," + "1" * 200_000 + ",0.5\n")
    elif case == "wpd-cell-140k":
        curve = d / "wpd.csv"
        curve.write_text("OCR,,PBO,\nX,Y,X,Y\n1," + "9" * 140_000 + ",1,0.9\n")
    elif case == "fifo":
        curve = d / "pipe.csv"
        os.mkfifo(curve)
    elif case == "folder":
        curve = d / "dir.csv"
        curve.mkdir()
    else:
        curve = Path("/dev/zero")
    line = one_line(rec(curve=curve), needle)
    assert "_csv.Error" not in line and "field larger than field limit" not in line


@pytest.mark.parametrize("case, needle", [
    ("dev-zero", "not a regular file"), ("sparse-600mb", "rule: file size"), ("line-200kb", "rule: line length"),
    ("cell-140k", "rule: line length"), ("studies-20000", "at most 1,000 studies"), ("not-utf8", "UTF-8"),
])
def test_pool_estimates_are_bounded(tmp_path, case, needle):
    p = tmp_path / "est.csv"
    if case == "dev-zero":
        p = Path("/dev/zero")
    elif case == "sparse-600mb":
        with open(p, "wb") as f:
            f.truncate(600_000_000)
    elif case == "line-200kb":
        _estimates(tmp_path, ["A" * 200_000 + ",0.8,0.7,0.9", "B,0.7,0.6,0.8"])
    elif case == "cell-140k":
        _estimates(tmp_path, ['"' + "x" * 140_000 + '",0.8,0.7,0.9', "B,0.7,0.6,0.8"])
    elif case == "studies-20000":
        _estimates(tmp_path, [f"S{i},0.8,0.7,0.9" for i in range(20_000)])
    else:
        p.write_bytes(b"study,estimate,ci_low,ci_high\n\xff\xfe,0.8,0.7,0.9\nB,0.7,0.6,0.8\n")
    one_line(run("pool", "--method", "reml", "--estimates", p), needle)


def test_pooling_api_refuses_too_many_studies():
    from msevidence.errors import LimitError
    from msevidence.judgement.pooling import StudyEstimate, pool

    est = [StudyEstimate(f"S{i}", -0.2, 0.1, 0.8) for i in range(1_001)]
    with pytest.raises(LimitError, match="the limit is 1,000"):
        pool(est, "reml")
    with pytest.raises(OptionError, match="computable estimates"):
        pool([StudyEstimate("A", -0.2, 1e-17, 0.8), StudyEstimate("B", -0.1, 0.1, 0.9)])


# -- (D) network addresses ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("address, needle", [
    ("not a url", "expected a Dask scheduler address"),
    ("tcp://localhost:notaport", "the port must be a number"),
    ("tcp://localhost:70000", "the port must be a number"),
    ("tcp://localhost", "the port must be a number"),
    ("http://localhost:8786", "expected a Dask scheduler address"),
    ("tcp://:8786", "expected a Dask scheduler address"),
    ("tcp://host:8786/path?x=1", "expected a Dask scheduler address"),
])
def test_dask_addresses_are_parsed(address, needle):
    one_line(run(*SIM, "--dask", address), "--dask", needle)


def test_dask_with_nothing_listening_fails_at_once():
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there now
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    one_line(run(*SIM, "--dask", f"tcp://127.0.0.1:{port}"), "--dask", "cannot connect", "connection refused")


# -- (E) report sets -------------------------------------------------------------------------------------------
@pytest.fixture
def sets(tmp_path):
    d = tmp_path / "sets"
    d.mkdir()
    nb = new_notebook(cells=[new_code_cell("value = 1", metadata={"tags": ["parameters"]})])
    nbformat.write(nb, d / "mine.ipynb")
    (d / "text.ipynb").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (d / "passwd.ipynb").symlink_to("/etc/passwd")
    (d / "notes.txt").write_text("hello")
    return d


@pytest.mark.parametrize("notebook, needle", [
    ("/etc/passwd", "is outside the notebooks folder"),
    ("../../etc/hostname", "is outside the notebooks folder"),
    ("../../../../../../../etc/hostname", "is outside the notebooks folder"),
    ("SETS/passwd.ipynb", "is outside the notebooks folder"),  # a link beside the set, pointing outside
    ("SETS/notes.txt", "rule: notebooks end in .ipynb"),
    ("SETS/text.ipynb", "is not a valid notebook"),
    ("SETS/missing.ipynb", "does not exist"),
])
def test_set_files_cannot_name_notebooks_elsewhere(sets, tmp_path, notebook, needle):
    f = sets / "hostile.yaml"
    f.write_text(f"runs:\n  - {{name: a, notebook: '{notebook.replace('SETS', str(sets))}'}}\n")
    before = snapshot(tmp_path)
    one_line(run("report", "--set", f, "--out", tmp_path / "out"), str(f), "runs[0].notebook", needle)
    assert snapshot(tmp_path) == before


def test_a_notebook_beside_the_set_file_is_accepted(sets):
    f = sets / "mine.yaml"
    f.write_text(f"runs:\n  - {{name: a, notebook: {sets / 'mine.ipynb'}, parameters: {{value: 2}}}}\n")
    assert reports.load_report_set(f).runs[0].parameters == {"value": 2}


@pytest.mark.parametrize("name, needle", [("r" * 300, "at most 100 characters"), ("r" * 101, "at most 100"),
                                          ("a/b", "runs[0].name"), ("..", "runs[0].name")])
def test_run_names_fit_file_names(tmp_path, name, needle):
    f = tmp_path / "set.yaml"
    f.write_text(f"runs:\n  - {{name: '{name}', notebook: evidence_overview}}\n")
    one_line(run("report", "--set", f, "--out", tmp_path / "out"), needle)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("stem", ["set\n", "set ", "set\t", "s" * 101, "set\x1b[2J"])
def test_set_names_follow_the_folder_rule(tmp_path, stem):
    f = tmp_path / f"{stem}.yaml"
    f.write_text("runs:\n  - {name: a, notebook: evidence_overview}\n")
    line = one_line(run("report", "--set", f, "--out", tmp_path / "out"), "set name", "letters, digits")
    assert "\x1b" not in line
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_report_set_objects_refuse_a_trailing_newline():
    with pytest.raises(ValueError, match="set name"):
        reports.ReportSet(name="default\n", runs=[reports.Run(name="a", notebook="evidence_overview")])


# -- (F) the calibration cache ------------------------------------------------------------------------------------
@pytest.mark.parametrize("where, needle", [("FILE", "is a file, not a folder"), ("/dev/null", "not a folder"),
                                           ("FILE/sub", "is a file, not a folder"),
                                           ("/proc/1/cache", "not writable"), ("/sys/msevidence", "cannot create")])
def test_cache_must_be_a_writable_folder(tmp_path, monkeypatch, where, needle):
    (tmp_path / "FILE").write_text("mine")
    value = where.replace("FILE", str(tmp_path / "FILE"))
    monkeypatch.setenv("MSEVIDENCE_CACHE", value)
    with pytest.raises(OutputError, match=needle) as err:
        paths.cache_dir()
    assert str(err.value).startswith(f"MSEVIDENCE_CACHE={value}:")
    assert (tmp_path / "FILE").read_text() == "mine"


def test_a_bad_cache_is_one_line_before_calibrating(tmp_path):
    store = tmp_path / "evidence"
    shutil.copytree(paths.evidence_dir(), store)
    with open(store / "oratorio.yaml", "a") as f:
        f.write("# changed: a new evidence hash needs a new calibration\n")
    env = {"MSEVIDENCE_EVIDENCE": str(store), "MSEVIDENCE_CACHE": "/dev/null"}
    one_line(run("synth", "--trial", "ORATORIO", "--out", tmp_path / "out", env=env), "MSEVIDENCE_CACHE=/dev/null")


# -- (G) inert text: terminal and HTML -----------------------------------------------------------------------------
def test_escape_sequences_in_study_names_never_reach_the_terminal(tmp_path):
    p = _estimates(tmp_path, [f"Study{ESC},0.8,0.7,0.9", f"\x9b31m{ESC}B,0.7,0.6,0.8", "C\u202eevil,0.9,0.8,1.0"])
    res = run("pool", "--estimates", p)
    assert res.exit_code == 0, res.output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", res.stdout), repr(res.stdout)
    assert "Study" in res.stdout and "owned" in res.stdout  # the text is shown, inert
    js = run("pool", "--estimates", p, "--json")
    assert "\x1b" not in js.stdout and json.loads(js.stdout)  # JSON escapes control characters


def test_escape_sequences_in_arm_names_never_reach_the_terminal(rec):
    bad = _edit(rec.dir / "curve.csv", rec.dir / "esc.csv", lambda d: d.assign(arm=d.arm + ESC))
    risk = _edit(rec.dir / "risk.csv", rec.dir / "esc_risk.csv", lambda d: d.assign(arm=d.arm + ESC))
    res = rec(curve=bad.name, risk=risk.name)
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout


def test_errors_quoting_hostile_text_are_inert(tmp_path):
    p = _estimates(tmp_path, [f"A{ESC},0.8,0.9,0.7", "B,0.7,0.6,0.8"])
    line = one_line(run("pool", "--estimates", p), "must contain the estimate")
    assert "\x1b" not in run("pool", "--estimates", p).stderr and "\x1b" not in line
    assert "\x1b" not in str(OptionError("--trial", f"no trial {ESC!r}{ESC}"))


def test_console_strips_control_characters_from_any_renderable():
    from rich.table import Table
    from rich.text import Text

    t = Table()
    t.add_column(Text("arm\x1b[31m"))
    t.add_row(Text(f"OCR{ESC}"))
    c = console(record=True, width=60, force_terminal=True)
    with c.capture() as cap:
        c.print(t)
        c.print(f"plain {ESC} string")
    out = cap.get()
    assert "\x1b[2J" not in out and "\x1b]0;" not in out and "\x07" not in out and "OCR" in out


STYLE_PAYLOADS = [
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:99999;background:#fff">COVER</div>',
    '<style>body{display:none}</style>',
    '<style>@import url(https://evil.example/x.css);</style>',
    '<p style="background:u\\72l(javascript:alert(1))">css-escaped url</p>',
    '<p style="background-image:url(&quot;javascript:alert(1)&quot;)">entity-escaped url</p>',
    '<span style="position:absolute;top:-9999px">hidden</span>',
    '<div class="jp-Dialog lm-Menu jp-Notebook-ExecutionIndicator-tooltip">borrowed class</div>',
    '<svg><style>*{position:fixed}</style></svg>',
    '<table><tr style="transform:scale(50)"><td>big</td></tr></table>',
    "[link](javascript&#58;alert(1))",
]


def test_fragments_keep_no_style_or_positioning():
    html = clean_fragment("".join(STYLE_PAYLOADS)).lower()
    for bad in ("style=", "<style", "position", "@import", "jp-dialog", "lm-menu", "tooltip", "transform",
                "evil.example"):
        assert bad not in html, bad
    assert not re.search(r"<[^>]*javascript", html)  # in no tag or attribute (as text it is inert)
    assert "cover" in html and "borrowed class" in html  # the text itself is still shown


@pytest.mark.parametrize("audience", ["lay", "analyst"])
def test_pages_from_hostile_evidence_cannot_restyle_or_cover(audience):
    from msevidence.presentation.tables import show

    df = pd.DataFrame({"trial": ["<b style='position:fixed'>ORATORIO</b>", "x"], "n": [1, 2]})
    md = "\n\n".join(f"Evidence note {i}: {p}" for i, p in enumerate(STYLE_PAYLOADS))
    cell = new_code_cell("show()", outputs=[
        new_output("display_data", data={"text/markdown": md}),
        new_output("display_data", data={"text/html": "".join(STYLE_PAYLOADS)}),
        new_output("display_data", data={"text/html": show(df).to_html()}),
    ])
    title = '<style>body{display:none}</style> "title"'
    page = reports.to_html(new_notebook(cells=[new_markdown_cell("# Hostile"), cell]), audience, title)
    body = page[page.lower().index("<body"):].lower()
    assert not re.search(r"<[^>]*\sstyle\s*=", body) and "<style" not in body  # escaped text may say "style="
    assert not re.search(r"<[^>]*position", body)
    assert not re.search(r"<[^>]*javascript", body) and "jp-dialog" not in body
    head = page[: page.lower().index("<body")]
    assert 'table[id^="T_"]' in head  # the tables keep their look from one fixed stylesheet
    assert re.search(r'<table id="t_[0-9a-f_]+"', body)


# -- (H) every null and every "not estimable" carries its reason -----------------------------------------------
def _nulls_without_reason(doc, where="") -> list[str]:
    bad = []
    if isinstance(doc, dict):
        reasons = {k for k, v in doc.items() if k.endswith("reason") and isinstance(v, str) and v.strip()}
        for k, v in doc.items():
            if v is None and not k.endswith("reason") and not (f"{k}_reason" in reasons or (
                    k.split("_")[0] + "_reason") in reasons or "reason" in reasons):
                bad.append(f"{where}{k}")
            bad += _nulls_without_reason(v, f"{where}{k}.")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            bad += _nulls_without_reason(v, f"{where}[{i}].")
    return bad


@pytest.mark.parametrize("sizes", [(1, 1), (1, 2), (2, 1)])
def test_simulate_with_one_patient_per_arm_says_why(sizes):
    from msevidence.designs import ControlDistribution, TrialDesign, operating_characteristics

    design = TrialDesign(n_control=sizes[0], n_treated=sizes[1], true_hr=0.7,
                         control=ControlDistribution.from_risk(0.3, 96.0))
    oc = operating_characteristics(design, n_trials=30, seed=4)
    doc = json.loads(json.dumps(oc.to_dict(), allow_nan=True).replace("NaN", "null"))
    assert _nulls_without_reason(doc) == []
    assert doc["type_i_error"] is None and "power" in doc["type_i_error_reason"]
    if oc.n_estimable < 2:
        assert doc["mc_se"]["mean_hr"] is None and "at least 2" in doc["mc_se"]["mean_hr_reason"]
        assert "Monte-Carlo SE" in oc.to_frame().iloc[0]["not_estimable_reason"]
    if oc.n_estimable == 0:
        assert doc["mean_hr"] is None and "none of the 30 simulated trials" in doc["mean_hr_reason"]


def test_simulate_reasons_cover_no_estimable_trial():
    from msevidence.designs import ControlDistribution, TrialDesign, operating_characteristics

    never = ControlDistribution(np.array([12.0]), np.array([0.0]))  # no events at all
    oc = operating_characteristics(TrialDesign(1, 1, 1.0, never), n_trials=10, seed=1)
    doc = oc.to_dict()
    assert oc.n_estimable == 0 and "none of the 10" in doc["coverage_reason"] and "type_i_error_reason" not in doc
    assert _nulls_without_reason(json.loads(json.dumps(doc).replace("NaN", "null"))) == []


def test_pool_and_reanalyze_json_nulls_carry_reasons(tmp_path):
    p = _estimates(tmp_path, ["A,0.8,0.7,0.9", "B,0.7,0.6,0.8"])
    for args in (["pool", "--estimates", p, "--json"], ["pool", "--estimates", p, "--method", "fixed", "--json"],
                 ["reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--json"]):
        res = run(*args)
        assert res.exit_code == 0, res.output
        assert _nulls_without_reason(json.loads(res.stdout)) == [], args


def test_reconstruct_json_nulls_carry_reasons(rec):
    res = rec("--json")
    assert res.exit_code == 0, res.output
    assert _nulls_without_reason(json.loads(res.stdout)) == []
