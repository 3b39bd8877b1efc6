"""The trial_design notebook runs through the report runner; its recorded numbers equal an independent run."""

from __future__ import annotations

import pytest

import msevidence as mse
from msevidence import reports

PARAMS = {"trial": "ORATORIO", "n_trials": 200, "seed": 3, "sizes": [300, 732], "true_hrs": [0.7, 1.0],
          "what_if": ["cdp12_edss", "cdp24_edss"], "processes": 1}


@pytest.mark.slow
def test_trial_design_notebook_runs_and_records(tmp_path):
    run = reports.Run(name="design", notebook="trial_design", parameters=PARAMS, audience="both")
    [res] = reports.render(reports.ReportSet(name="design-test", runs=[run]), out=tmp_path, workers=1)
    assert res.status == "ok", res.error
    rec = res.recorded
    from msevidence.designs import design_from_trial, operating_characteristics

    ev = mse.load_evidence()
    grid = {(r["n_total"], r["true_hr"]): r for r in rec["power_grid"]}
    assert set(grid) == {(300, 0.7), (300, 1.0), (732, 0.7), (732, 1.0)}
    assert grid[(732, 0.7)]["power"] > grid[(300, 0.7)]["power"] > grid[(300, 1.0)]["power"]
    published = ev["ORATORIO"].endpoint("cdp12_edss").effect("hazard_ratio").estimate
    assert rec["sampling"]["published"] == published and rec["sampling"]["true_hr"] == published
    direct = operating_characteristics(design_from_trial("ORATORIO", "cdp12_edss", true_hr=published, evidence=ev),
                                       200, 3)
    assert rec["sampling"]["power"] == direct.power and rec["sampling"]["coverage"] == direct.coverage
    assert [r["power"] for r in rec["what_if"]][0] == round(
        operating_characteristics(design_from_trial("ORATORIO", "cdp12_edss", evidence=ev), 200, 3).power, 3)
    lay = next(tmp_path.rglob("design.lay.html")).read_text()
    assert "SYNTHETIC" in lay and "ocrelizumab" in lay.lower()
    for bad in ("NaN", "Traceback", "import msevidence"):
        assert bad not in lay
