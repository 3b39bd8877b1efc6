"""The trial_design notebook (the shipped teaching run, rendered once per session by tests/conftest.py): its
recorded numbers equal an independent run of the same designs."""

from __future__ import annotations

import ast

import pytest

import msevidence as mse
from msevidence import reports
from msevidence.designs import design_from_trial, operating_characteristics

RUN = "teaching/trial-design-oratorio"


@pytest.mark.slow
def test_trial_design_notebook_runs_and_records(shipped):
    run = shipped(RUN)
    defaults = {k: ast.literal_eval(v) for k, v in reports.notebook_parameters(reports.notebook_path("trial_design")).items()}
    rec, p = run.recorded, {**defaults, **run.spec.parameters}
    ev = mse.load_evidence()
    grid = {(r["n_total"], r["true_hr"]): r for r in rec["power_grid"]}
    assert set(grid) == {(n, hr) for n in p["sizes"] for hr in p["true_hrs"]}
    big, small = max(p["sizes"]), min(p["sizes"])
    strong, none = min(p["true_hrs"]), max(p["true_hrs"])
    assert none == 1.0 and grid[(big, strong)]["power"] > grid[(small, strong)]["power"] > grid[(small, none)]["power"]
    published = ev[p["trial"]].endpoint(p["endpoint"]).effect("hazard_ratio").estimate
    assert rec["sampling"]["published"] == published and rec["sampling"]["true_hr"] == published
    direct = operating_characteristics(design_from_trial(p["trial"], p["endpoint"], true_hr=published, evidence=ev),
                                       p["n_trials"], p["seed"])
    assert rec["sampling"]["power"] == direct.power and rec["sampling"]["coverage"] == direct.coverage
    assert [r["power"] for r in rec["what_if"]][0] == round(
        operating_characteristics(design_from_trial(p["trial"], p["what_if"][0], evidence=ev), p["n_trials"],
                                  p["seed"]).power, 3)
    lay = run.text("lay")
    assert "SYNTHETIC" in lay and "ocrelizumab" in lay.lower()
    for bad in ("NaN", "Traceback", "import msevidence"):
        assert bad not in lay
