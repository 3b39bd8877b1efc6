"""`msevidence synth`: writes labelled visits/events/calibration quickly; clear one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from msevidence.cli import app

runner = CliRunner()


def test_synth_writes_files_fast_and_reproducibly(tmp_path):
    res = runner.invoke(app, ["synth", "--trial", "ORATORIO", "--seed", "1", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output
    doc = json.loads((tmp_path / "a" / "calibration.json").read_text())
    assert doc["metadata"]["provenance"] == "synthetic" and doc["label"].startswith("SYNTHETIC")
    assert doc["metadata"]["unconfirmed_progression"] == "event"
    assert all(r["met"] for r in doc["calibration"] if r["status"] == "calibrated")
    events = pd.read_csv(tmp_path / "a" / "events.csv")
    assert list(events.columns) == ["patient_id", "arm", "endpoint", "time_weeks", "event", "provenance"]
    assert set(events["provenance"]) == set(pd.read_csv(tmp_path / "a" / "visits.csv")["provenance"]) == {"synthetic"}
    # copied alone, the file keeps its label: `fit --json` says the data are synthetic
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "events.csv").write_bytes((tmp_path / "a" / "events.csv").read_bytes())
    fit = runner.invoke(app, ["fit", str(alone / "events.csv"), "--endpoint", "cdp12_edss", "--json"])
    assert fit.exit_code == 0, fit.output
    assert json.loads(fit.output)["data_provenance"] == "SYNTHETIC data"
    res2 = runner.invoke(app, ["synth", "--trial", "ORATORIO", "--out", str(tmp_path / "b")])
    assert res2.exit_code == 0
    for name in ("visits.csv", "events.csv", "calibration.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_synth_n_per_arm_and_censor(tmp_path):
    res = runner.invoke(app, ["synth", "--trial", "ORATORIO", "--seed", "3", "--n-per-arm", "OCR=30",
                              "--n-per-arm", "PBO=20", "--unconfirmed", "censor", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    visits = pd.read_csv(tmp_path / "visits.csv")
    assert visits.groupby("arm")["patient_id"].nunique().to_dict() == {"OCR": 30, "PBO": 20}
    assert json.loads((tmp_path / "calibration.json").read_text())["metadata"]["unconfirmed_progression"] == "censor"


@pytest.mark.parametrize("args, message", [
    (["--trial", "NOPE"], "--trial: 'NOPE': not in the evidence store"),
    (["--trial", "ORATORIO", "--n-per-arm", "OCR=zz"], "expected ARM=N"),
    (["--trial", "ORATORIO", "--n-per-arm", "XX=5"], "unknown arm"),
    (["--trial", "ORATORIO", "--unconfirmed", "maybe"], "expected 'event' or 'censor'"),
])
def test_synth_bad_input_is_one_line_error(args, message, tmp_path):
    res = runner.invoke(app, ["synth", *args, "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
