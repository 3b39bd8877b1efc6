"""`msevidence simulate`: power / type I error of what-if designs; strict JSON; tidy grid CSV; one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from msevidence.cli import app

runner = CliRunner()
BASE = ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss"]


def test_simulate_json_keys_and_reproducibility():
    args = [*BASE, "--n-trials", "300", "--seed", "3", "--n-per-arm", "PBO=100", "--n-per-arm", "OCR=200",
            "--hr", "0.7", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {"power", "mean_hr", "coverage", "mc_se", "n_trials", "elapsed_s"} <= set(doc)
    assert doc["n_trials"] == 300 and doc["data_provenance"] == "synthetic"
    assert doc["n_per_arm"] == {"PBO": 100, "OCR": 200} and doc["true_hr"] == 0.7
    assert 0 <= doc["power"] <= 1 and doc["mc_se"]["power"] > 0
    again = json.loads(runner.invoke(app, args).stdout)
    assert {k: v for k, v in again.items() if "elapsed" not in k and not k.endswith("_s")} == {
        k: v for k, v in doc.items() if "elapsed" not in k and not k.endswith("_s")}


def test_simulate_text_says_type_i_error_at_hr_one():
    res = runner.invoke(app, [*BASE, "--n-trials", "200", "--hr", "1", "--confirmation-weeks", "24"])
    assert res.exit_code == 0, res.output
    out = " ".join(res.stdout.split())
    assert "Type I error" in out and "SYNTHETIC" in out and "confirmed at 24 weeks" in out and "elapsed" in out


def test_simulate_grid_writes_tidy_csv(tmp_path):
    path = tmp_path / "grid.csv"
    res = runner.invoke(app, [*BASE, "--grid", "--grid-n", "200,400", "--grid-hr", "0.7:0.9:0.2",
                              "--n-trials", "100", "--processes", "1", "--out", str(path)])
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(path)
    assert len(frame) == 4 and set(frame["n_total"]) == {200, 400} and set(frame["true_hr"]) == {0.7, 0.9}
    assert {"power", "power_mc_se", "coverage", "mean_hr", "data_provenance"} <= set(frame.columns)
    assert (frame["data_provenance"] == "synthetic").all()


@pytest.mark.parametrize("args, option", [
    (["--n-trials", "0"], "--n-trials"),
    (["--hr", "-1"], "--hr"),
    (["--n-per-arm", "OCR=x"], "--n-per-arm"),
    (["--n-per-arm", "XYZ=10"], "XYZ"),
    (["--confirmation-weeks", "10"], "--confirmation-weeks"),
    (["--grid", "--grid-hr", "a:b"], "--grid-hr"),
    (["--grid-n", "100"], "--grid"),
    (["--test", "t"], "--test"),
])
def test_simulate_bad_options_one_line_exit_2(args, option):
    res = runner.invoke(app, [*BASE, *args])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and option in lines[0] and "Traceback" not in res.output


def test_simulate_unknown_trial_and_endpoint():
    for args, option in ((["simulate", "--trial", "NOPE", "--endpoint", "cdp12_edss"], "--trial"),
                         (["simulate", "--trial", "ORATORIO", "--endpoint", "nope"], "--endpoint")):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and option in res.stderr


def test_simulate_on_a_dask_scheduler_address_equals_local():
    import distributed
    args = [*BASE, "--n-trials", "1200", "--seed", "4", "--n-per-arm", "PBO=80", "--n-per-arm", "OCR=160", "--json"]
    local = json.loads(runner.invoke(app, args).stdout)
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=2,
                                  dashboard_address=":0") as cluster:
        res = runner.invoke(app, [*args, "--dask", cluster.scheduler_address])
    assert res.exit_code == 0, res.output
    remote = json.loads(res.stdout)
    assert (remote["power"], remote["mean_hr"], remote["coverage"]) == (local["power"], local["mean_hr"],
                                                                         local["coverage"])
