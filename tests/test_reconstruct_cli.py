"""`msevidence reconstruct` end to end: RECONSTRUCTED label through the CSV, sidecar, `fit` and the notebook."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import SHIPPED
from typer.testing import CliRunner

from msevidence import reports
from msevidence.cli import app
from msevidence.reconstruct.digitize import digitize_trial
from msevidence.reconstruct.validation import simulate_two_arm

runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("rec")
    rng = np.random.default_rng(5)
    ipd = simulate_two_arm(rng, 200)
    curve, risk = digitize_trial(ipd, rng)
    curve.to_csv(d / "curve.csv", index=False)
    risk.to_csv(d / "risk.csv", index=False)
    return d, ipd


def test_reconstruct_json_qa_and_fit_carry_the_label(files):
    d, ipd = files
    out, qa = d / "out" / "events.csv", d / "out" / "qa.png"
    r = runner.invoke(app, ["reconstruct", "--curve", str(d / "curve.csv"), "--at-risk", str(d / "risk.csv"),
                            "--endpoint", "sim", "--out", str(out), "--qa", str(qa), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["data_provenance"].startswith("RECONSTRUCTED")
    for arm, a in doc["arms"].items():
        assert a["events"] + a["censored"] == int((ipd["arm"] == arm).sum())
        assert a["at_risk_max_abs_difference"] == 0 and all(x["difference"] == 0 for x in a["at_risk"])
        assert 0 <= a["km_rms_error"] <= a["km_max_abs_error"] < 0.05
    table = pd.read_csv(out)
    assert list(table.columns[:5]) == ["patient_id", "arm", "endpoint", "time_weeks", "event"]
    assert (table["provenance"] == "reconstructed").all()
    assert json.loads((d / "out" / "events.csv.provenance.json").read_text())["metadata"]["provenance"] == \
        "reconstructed"
    assert qa.stat().st_size > 10_000
    fit = runner.invoke(app, ["fit", str(out), "--endpoint", "sim", "--json"])
    assert fit.exit_code == 0, fit.output
    assert json.loads(fit.stdout)["data_provenance"] == doc["data_provenance"]
    alone = d / "alone" / "events.csv"  # copied without its sidecar: the provenance column still says so
    alone.parent.mkdir()
    alone.write_bytes(out.read_bytes())
    fit = runner.invoke(app, ["fit", str(alone), "--endpoint", "sim", "--json"])
    assert json.loads(fit.stdout)["data_provenance"].startswith("RECONSTRUCTED")


@pytest.mark.parametrize(("args", "message"), [
    (["--total-events", "CTRL:3"], "--total-events"),
    (["--total-events", "NOPE=3"], "same arms"),
    (["--time-unit", "fortnights"], "--time-unit"),
])
def test_bad_input_is_one_line_and_exit_2(files, args, message):
    d, _ = files
    r = runner.invoke(app, ["reconstruct", "--curve", str(d / "curve.csv"), "--at-risk", str(d / "risk.csv"),
                            "--endpoint", "sim", "--out", str(d / "bad.csv"), *args])
    assert r.exit_code == 2
    assert message in r.output and r.output.strip().count("\n") == 0 and "Traceback" not in r.output


@pytest.mark.slow
def test_reconstructed_notebook_renders_in_the_analyst_set_and_a_trial_without_curve_says_so(tmp_path, shipped):
    [spec] = [s for s in SHIPPED if s.set == "analyst" and s.parameters.get("data_source") == "reconstructed"]
    hand = reports.Run(name="hand-rec", notebook="time_to_progression", audience="analyst",
                       parameters={"trial": "ORATORIO_HAND", "endpoint": "cdp12_edss", "data_source": "reconstructed"})
    [res] = reports.render(reports.ReportSet(name="rec", runs=[hand]), out=tmp_path, workers=1)
    assert res.status == "ok", res.error
    text = {"hand-rec": html.unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "rec" / "hand-rec.analyst.html").read_text())),
            "shipped": shipped(spec).text("analyst")}  # the session's render of the shipped run (tests/conftest.py)
    assert "example, not a published figure" in text["shipped"] and "RECONSTRUCTED" in text["shipped"]
    page = " ".join(text["shipped"].split())
    assert "Curve stops before the last numbers-at-risk time" in page and "held at its last value" in page
    assert "How accurate is the reconstruction?" in page and "SYNTHETIC round trips" in page
    assert "printed numbers at risk reproduced 100.0%" in page and "events placed after the last click 0" in page
    assert "no digitized Kaplan-Meier curve" in text["hand-rec"] and "Traceback" not in text["hand-rec"]
