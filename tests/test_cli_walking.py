"""`msevidence walking`: JSON contract, readable tables, one-line errors with exit code 1."""

from __future__ import annotations

import json

import pytest
from test_walking import make_visits, visits_from
from typer.testing import CliRunner

from msevidence.cli import app
from msevidence.models.walking import summarize_walking

runner = CliRunner()


@pytest.fixture(scope="module")
def visits_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("walk") / "visits.csv"
    make_visits(60, seed=11).to_csv(path, index=False)
    return path


def test_json_contract(visits_csv):
    res = runner.invoke(app, ["walking", str(visits_csv), "--json", "--provenance", "SYNTHETIC test"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["week"] == 120 and out["data_provenance"] == "SYNTHETIC test"
    expected = summarize_walking(str(visits_csv), data_provenance="SYNTHETIC test").to_json()
    expected["mixed_model"] |= {"estimable": True, "reason": None}  # the CLI adds estimability
    assert out == json.loads(json.dumps(expected))
    for arm in ("OCR", "PBO"):
        a = out["arms"][arm]
        assert {"n", "mean_pct_change", "geometric_mean_pct_change", "worsened_20_confirmed_12w",
                "improved_20_confirmed_12w", "walking_speed_change_ft_s"} <= set(a)
        d = out["discordance"][arm]
        assert d["both"] + d["edss_only"] + d["t25fw_only"] + d["neither"] == a["n_patients"]
    assert out["mixed_model"]["ci_low"] < out["mixed_model"]["ratio"] < out["mixed_model"]["ci_high"]


def test_week_and_arms_options(tmp_path):
    path = tmp_path / "v.csv"
    visits_from({"a": ("X", [10, 12, 12]), "b": ("Y", [10, 10, 10]), "c": ("X", [8, 8, 8])}).to_csv(path, index=False)
    res = runner.invoke(app, ["walking", str(path), "--week", "12", "--treatment", "X", "--control", "Y", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["arms"]["X"]["mean_pct_change"] == pytest.approx(10.0)  # (20 + 0) / 2
    assert out["arms"]["X"]["worsened_20_confirmed_12w"] == 0.5
    assert out["arms"]["X"]["n"] == 2 and out["treatment"] == "X"


def test_readable_tables(visits_csv):
    res = runner.invoke(app, ["walking", str(visits_csv)])
    assert res.exit_code == 0, res.output
    for text in ("geometric mean", "arithmetic mean", "≥20% faster", "Mixed model", "EDSS only", "T25FW only"):
        assert text in res.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["missing.csv"], "missing.csv: file not found"),
    (["VISITS", "--week", "7"], "no visit at week 7"),
    (["VISITS", "--treatment", "ABC"], "treatment arm 'ABC' not found"),
    (["BAD"], "missing column(s) t25fw_s"),
])
def test_errors_are_one_line(args, message, visits_csv, tmp_path):
    bad = tmp_path / "bad.csv"
    make_visits(2).drop(columns="t25fw_s").to_csv(bad, index=False)
    args = [str(visits_csv) if a == "VISITS" else str(bad) if a == "BAD" else a for a in args]
    res = runner.invoke(app, ["walking", *args])
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert "Traceback" not in res.output


def test_synthetic_visits_are_labelled_from_their_sidecar(tmp_path):
    make_visits(30, seed=2).to_csv(tmp_path / "visits.csv", index=False)
    (tmp_path / "calibration.json").write_text(json.dumps(
        {"label": "SYNTHETIC data calibrated to X (seed 9)", "metadata": {"provenance": "synthetic"}}))
    res = runner.invoke(app, ["walking", str(tmp_path / "visits.csv"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["data_provenance"] == "SYNTHETIC data calibrated to X (seed 9)"
    res = runner.invoke(app, ["walking", str(tmp_path / "visits.csv"), "--json", "--provenance", "mine"])
    assert json.loads(res.stdout)["data_provenance"] == "mine"
