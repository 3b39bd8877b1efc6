"""`msevidence sof | reanalyze | pool | claims`: strict JSON with the documented keys, one-line errors, exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import msevidence as mse
from msevidence.cli import app
from msevidence.judgement.bayes import reanalyze

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def _strict(text: str):
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))


def test_reanalyze_json_keys_and_values():
    r = run("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--json")
    assert r.exit_code == 0, r.output
    out = _strict(r.stdout)
    assert {"posterior", "p_hr_below_1", "p_hr_below_threshold", "prior", "likelihood"} <= set(out)
    assert set(out["posterior"]) == {"hr", "cri_low", "cri_high"}
    assert {"name", "mean_log_hr", "sd_log_hr"} == set(out["prior"])
    assert {"log_hr", "se"} <= set(out["likelihood"])
    expected = reanalyze(mse.load_evidence()["ORATORIO"], "cdp12_edss", "sceptical")
    assert out["posterior"]["hr"] == pytest.approx(expected.hr_)
    assert out["prior"]["name"] == "sceptical"


def test_reanalyze_custom_prior_and_table():
    r = run("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--prior", "0,0.1", "--threshold",
            "0.7", "--json")
    out = _strict(r.stdout)
    assert out["prior"] == {"name": "custom", "mean_log_hr": 0.0, "sd_log_hr": 0.1} and out["threshold"] == 0.7
    r = run("reanalyze", "--trial", "ORATORIO", "--endpoint", "cdp12_edss")
    assert r.exit_code == 0 and "sceptical" in r.stdout and "pessimistic" in r.stdout


@pytest.mark.parametrize("args,option", [
    (["--trial", "NOPE", "--endpoint", "cdp12_edss"], "--trial"),
    (["--trial", "ORATORIO", "--endpoint", "nope"], "--endpoint"),
    (["--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--prior", "wild"], "--prior"),
    (["--trial", "ORATORIO", "--endpoint", "cdp12_edss", "--threshold", "1.5"], "--threshold"),
])
def test_reanalyze_errors_one_line_exit_2(args, option):
    r = run("reanalyze", *args)
    assert r.exit_code == 2
    assert option in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_pool_store_refusals_exit_2_with_one_sentence():
    r = run("pool", "--trials", "ORATORIO", "OPERA_POOLED", "--endpoint", "cdp12_edss", "--json")
    assert r.exit_code == 2 and "comparators of the same kind" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run("pool", "--trials", "ORATORIO", "ORATORIO_HAND", "--endpoint", "ccdp12", "--endpoint",
            "ccdp12_9hpt_edss")
    assert r.exit_code == 2 and "EDSS/T25FW/9HPT vs EDSS/9HPT" in r.stderr


def test_pool_csv_json_keys(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("study,estimate,ci_low,ci_high\nA,0.70,0.55,0.89\nB,0.85,0.70,1.03\nC,0.60,0.40,0.90\n")
    for method in ("fixed", "dl", "reml"):
        r = run("pool", "--estimates", str(p), "--method", method, "--json")
        assert r.exit_code == 0, r.output
        out = _strict(r.stdout)
        assert {"estimate", "ci_low", "ci_high", "tau2", "i2", "q", "k", "method", "pi_low", "pi_high"} <= set(out)
        assert out["k"] == 3 and out["method"] == method and out["tau2"] >= 0 and 0 <= out["i2"] <= 100
        if method == "fixed":
            assert out["pi_low"] is None and out["pi_reason"]
        else:
            assert out["pi_low"] < out["estimate"] < out["pi_high"]
    r = run("pool", "--estimates", str(p))
    assert r.exit_code == 0 and "Pooled (dl)" in r.stdout


def test_pool_two_studies_pi_null(tmp_path):
    p = tmp_path / "two.csv"
    p.write_text("study,estimate,ci_low,ci_high\nA,0.70,0.55,0.89\nB,0.85,0.70,1.03\n")
    out = _strict(run("pool", "--estimates", str(p), "--json").stdout)
    assert out["pi_low"] is None and out["pi_high"] is None and "at least 3" in out["pi_reason"]


@pytest.mark.parametrize("args,option", [
    (["--method", "bayes", "--trials", "ORATORIO", "OPERA_POOLED", "--endpoint", "cdp12_edss"], "--method"),
    (["--trials", "ORATORIO", "ORATORIO_HAND"], "--endpoint"),
    ([], "--trials"),
    (["--estimates", "missing.csv"], "missing.csv"),
])
def test_pool_option_errors(args, option):
    r = run("pool", *args)
    assert r.exit_code == 2 and option in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_sof_formats():
    r = run("sof", "--trial", "ORATORIO", "--format", "json")
    assert r.exit_code == 0
    out = _strict(r.stdout)
    assert out["rows"] and all(row["trial"] == "ORATORIO" for row in out["rows"])
    r = run("sof", "--format", "csv")
    assert r.exit_code == 0 and r.stdout.startswith("group,")
    r = run("sof")
    assert r.exit_code == 0 and "Walking speed" in r.stdout
    r = run("sof", "--format", "xml")
    assert r.exit_code == 2 and "--format" in r.stderr
    r = run("sof", "--trial", "NOPE")
    assert r.exit_code == 2 and "--trial" in r.stderr


def test_claims_json_and_table():
    r = run("claims", "--format", "json")
    assert r.exit_code == 0
    out = _strict(r.stdout)
    assert len(out) >= 8
    for o in out:
        assert {"claim", "verdict", "explanation", "endpoints", "sources"} <= set(o)
        assert o["verdict"] in ("supported", "some evidence", "not shown", "contradicted", "no evidence either way",
                                "outside the trial evidence") or o["decided_by"] == "interventions"
        assert o["certainty"] and o["sources"]
    r = run("claims")
    assert r.exit_code == 0 and "outside the trial evidence" in r.stdout


def test_rich_tables_do_not_interpret_markup(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("study,estimate,ci_low,ci_high\n[bold]A[/bold],0.70,0.55,0.89\n[red]B,0.85,0.70,1.03\n")
    r = run("pool", "--estimates", str(p))
    assert r.exit_code == 0, r.output
    assert "[bold]A[/bold]" in r.stdout and "[red]B" in r.stdout


def test_json_has_no_nan():
    r = run("sof", "--format", "json")
    assert "NaN" not in r.stdout and "Infinity" not in r.stdout


def test_sof_json_has_the_five_grade_domains_and_the_json_flag():
    r = run("sof", "--json")
    assert r.exit_code == 0, r.output
    rows = _strict(r.stdout)["rows"]
    assert rows and all(set(x["certainty_domains"]) == {"risk_of_bias", "inconsistency", "indirectness",
                                                         "imprecision", "publication_bias"} for x in rows)
    assert all({"level", "reason"} == set(d) for x in rows for d in x["certainty_domains"].values())
    bad = run("sof", "--question", "nope")
    assert bad.exit_code == 2 and "--question" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_claims_json_flag_equals_format_json():
    a, b = run("claims", "--json"), run("claims", "--format", "json")
    assert a.exit_code == 0 and _strict(a.stdout) == _strict(b.stdout)


def test_reanalyze_refuses_a_continuous_change_in_one_line():
    r = run("reanalyze", "--trial", "ORATORIO", "--endpoint", "t25fw_pct_change_w120")
    assert r.exit_code == 2 and "continuous measure" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_pool_hk_adds_keys_and_keeps_the_old_ones():
    r = run("pool", "--trials", "OPERA_I", "OPERA_II", "--endpoint", "arr", "--hk", "--json")
    assert r.exit_code == 0, r.output
    out = _strict(r.stdout)
    assert {"estimate", "ci_low", "ci_high", "pi_low", "pi_high", "pi_reason", "hk_ci_low", "hk_ci_high"} <= set(out)
    assert out["pi_low"] is None and "k - 2 = 0" in out["pi_reason"] and out["hk_ci_low"] is not None
