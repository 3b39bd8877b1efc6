"""The typed answer: computed once, consistent with the Summary of Findings, JSON documented and versioned;
one main-effect rule, one absolute-effect rule, one number formatter."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import msevidence as mse
from msevidence import formatting as fmt
from msevidence.answers.trial_answer import SCHEMA_VERSION, _reproduction, trial_answer
from msevidence.cli import app
from msevidence.judgement.absolute_effects import KM, PERIOD, absolute_effect, table_basis
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.sof import summary_of_findings
from msevidence.synthetic.result import CalibrationRow


@pytest.fixture(scope="module")
def ev():
    return mse.load_evidence()


@pytest.mark.parametrize("trial", ["ORATORIO", "ORATORIO_HAND", "ORATORIO_OLE", "OPERA_POOLED"])
def test_answer_matches_summary_of_findings(ev, trial):
    a = trial_answer(ev, trial)
    rows = {r.endpoint: r for r in summary_of_findings(ev, [trial]).rows}
    assert {e.endpoint for e in a.endpoints} == set(rows)
    for e in a.endpoints:
        r = rows[e.endpoint]
        assert (e.verdict, e.certainty, e.certainty_reasons) == (r.verdict, r.certainty, r.certainty_reasons)
        assert e.absolute.kind == r.absolute_kind
        for mine, theirs in ((e.absolute.control_risk, r.control_risk_per_1000),
                             (e.absolute.treatment_risk, r.intervention_risk_per_1000),
                             (e.absolute.difference, r.difference_per_1000)):
            assert (mine is None and theirs is None) or 1000 * mine == pytest.approx(theirs)
    assert len({e.absolute.basis for e in a.endpoints}) == 1  # one control-risk basis per trial


def test_json_is_versioned_and_clean(ev):
    d = trial_answer(ev, "ORATORIO").to_json()
    text = json.dumps(d, allow_nan=False)
    assert d["schema_version"] == SCHEMA_VERSION and d["brand"].startswith("Ocrevus")
    assert {"domains", "endpoints", "absolute_basis", "comparison", "reproduction"} <= set(d)
    assert "NaN" not in text and "Infinity" not in text


def test_main_effect_is_one_rule(ev):
    ep = ev["ORATORIO"].endpoint("cdp12_edss")
    assert main_effect(ep).statistic == "hazard_ratio"  # a HR beats the relative reduction read from it
    hand = ev["ORATORIO_HAND"].endpoint("cdp12_edss")
    assert [e.statistic for e in hand.effects] == ["relative_reduction"]
    assert main_effect(hand) is hand.effects[0]
    assert main_effect(None) is None


def test_observed_risks_are_the_published_ones_and_derived_is_the_formula(ev):
    t = ev["ORATORIO"]
    ep = t.endpoint("cdp12_edss")
    rc, rt = (ep.result(a, "proportion_with_event").value for a in ("PBO", "OCR"))
    hr = ep.effect("hazard_ratio")
    ab = absolute_effect(t, ep, hr, PERIOD)
    assert ab.kind == "observed" and (ab.control_risk, ab.treatment_risk) == (rc, rt)
    assert ab.derived_treatment_risk == pytest.approx(1 - (1 - rc) ** hr.estimate)  # by hand
    km = absolute_effect(t, ep, hr, KM)
    assert km.kind == "observed" and km.week == ep.result("PBO", "km_proportion_at_week").week
    # cdp24 has no Kaplan-Meier risk: on the KM basis it says so instead of switching basis
    other = absolute_effect(t, t.endpoint("cdp24_edss"), t.endpoint("cdp24_edss").effect("hazard_ratio"), KM)
    assert other.kind == "none" and "basis" in other.reason
    assert table_basis(t, [ep, t.endpoint("cdp24_edss")]) == PERIOD


def test_reproduction_says_when_calibration_misses():
    rows = (CalibrationRow("HR", "calibrated", "", 0.76, 0.77, tolerance=0.03, met=True),
            CalibrationRow("share with any progression, PBO", "check", "", 0.709, 0.853))
    r = _reproduction(SimpleNamespace(calibration_result=SimpleNamespace(table=rows)), "SYNTHETIC x")
    assert not r.agrees and r.calibrated == r.met == 1 and len(r.misses) == 1
    assert "71% published, 85% simulated" in r.note and "illustration" in r.note
    ok = _reproduction(SimpleNamespace(calibration_result=SimpleNamespace(table=rows[:1])), "SYNTHETIC x")
    assert ok.agrees and not ok.misses


@pytest.mark.parametrize(("rc", "rt", "crosses", "expected"), [
    (0.34, 0.27, False, "15"),  # 1 / 0.07 = 14.3 -> 15 whole people (rounded up)
    (0.3, 0.2159, False, "12"),  # 11.9 -> 12
    (0.34, 0.27, True, "not estimable"), (0.3, 0.3, False, "not estimable"), (0.2, 0.3, False, "harm: 10"),
])
def test_nnt_whole_people_rounded_up(rc, rt, crosses, expected):
    assert fmt.nnt(rc, rt, crosses) == expected


def test_formatter_never_prints_nan():
    nan = float("nan")
    assert fmt.ratio(nan) == "—" and fmt.interval(nan, 1.0) == "not published" and fmt.percent(None) == "n/a"
    assert fmt.p_value(0.00004) == "p < 0.001" and fmt.number(0.855604) == "0.856"


def test_cli_answer_json_and_errors():
    r = CliRunner().invoke(app, ["answer", "--trial", "ORATORIO_HAND", "--json", "--no-reproduce"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["trial"] == "ORATORIO_HAND"
    bad = CliRunner().invoke(app, ["answer", "--trial", "NOPE"])
    assert bad.exit_code == 2 and "--trial" in bad.output
