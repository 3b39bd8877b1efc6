"""Synthetic trials: calibration to the evidence, endpoint derivation, reproducibility, labelling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import msevidence
from msevidence.synthetic import (
    CalibrationError,
    CalibrationResult,
    GeneratorParams,
    calibrate,
    simulate_trial,
    targets,
)
from msevidence.synthetic.model import edss_distribution
from msevidence.synthetic.trial import make_label


@pytest.fixture(scope="module")
def ev():
    return msevidence.load_evidence()


@pytest.fixture(scope="module")
def ora(ev):
    return simulate_trial("ORATORIO", seed=1, evidence=ev)


def test_baseline_edss_distribution_matches_mean_and_sd():
    grid, p = edss_distribution(2.5, 7.0, 4.7, 1.2)
    assert np.allclose(grid % 0.5, 0) and grid.min() == 2.5 and grid.max() == 7.0
    m = p @ grid
    assert m == pytest.approx(4.7, abs=1e-6) and np.sqrt(p @ (grid - m) ** 2) == pytest.approx(1.2, abs=1e-6)


def test_targets_are_read_from_the_evidence(ev):
    tr = ev["ORATORIO"]
    got = {t.name: t.published for t in targets(tr) if t.status == "calibrated"}
    cdp12 = tr.find_endpoint(scale="EDSS", analysis="time_to_event", confirmation_weeks=12)
    t25 = tr.find_endpoint(scale="T25FW", analysis="change_from_baseline")
    assert got["CDP12 EDSS proportion with event, PBO"] == cdp12.result("PBO", "proportion_with_event").value
    assert got["CDP12 EDSS proportion with event, OCR"] == cdp12.result("OCR", "proportion_with_event").value
    assert got["CDP12 EDSS hazard ratio OCR vs PBO"] == cdp12.effect("hazard_ratio").estimate
    assert got["T25FW % change at week 120, OCR"] == t25.result("OCR", "mean_pct_change").value
    assert any("geometric-mean" in t.summary for t in targets(tr) if t.kind == "pct_change")


def test_trial_without_targets_raises_clear_error(ev):
    bare = ev["ORATORIO"].model_copy(update={"endpoints": []})
    with pytest.raises(CalibrationError, match="ORATORIO: no usable calibration targets"):
        targets(bare)


def test_oratorio_calibration_meets_tolerances(ev, ora):
    cal = ora.calibration
    rows = cal[cal["status"] == "calibrated"].set_index("target")
    assert len(rows) >= 8 and rows["met"].astype(bool).all()
    tr = ev["ORATORIO"]
    cdp12 = tr.find_endpoint(scale="EDSS", analysis="time_to_event", confirmation_weeks=12)
    hr = rows.loc["CDP12 EDSS hazard ratio OCR vs PBO"]
    assert abs(hr["achieved_mean"] - cdp12.effect("hazard_ratio").estimate) <= 0.03
    for arm in ("PBO", "OCR"):
        r = rows.loc[f"CDP12 EDSS proportion with event, {arm}"]
        assert abs(r["achieved_mean"] - cdp12.result(arm, "proportion_with_event").value) <= 0.02
        t = rows.loc[f"T25FW % change at week 120, {arm}"]
        t_pub = tr.find_endpoint(scale="T25FW", analysis="change_from_baseline").result(arm, "mean_pct_change")
        assert abs(t["achieved_mean"] - t_pub.value) <= 3.0
        assert t["achieved_low"] <= t["achieved_mean"] <= t["achieved_high"]


def test_done_when_seed1_cdp12_hr_inside_published_ci(ev, ora):
    from msevidence.models.survival import analyze

    eff = ev["ORATORIO"].find_endpoint(scale="EDSS", confirmation_weeks=12).effect("hazard_ratio")
    cox = analyze(ora.events, "cdp12_edss", treatment="OCR", control="PBO").to_json()["cox"]
    assert eff.ci_low <= cox["hr"] <= eff.ci_high
    assert ora.all_targets_met


def _naive_first_confirmed(rows: pd.DataFrame, col: str, crit, cw: int, at_end: str) -> tuple[float, int]:
    """Independent per-patient implementation of the DESIGN.md rule on the visits table (rows = visits)."""
    weeks, vals = rows["week"].tolist(), rows[col].tolist()
    base = vals[0]
    for i in range(1, len(weeks)):
        if not crit(vals[i], base):
            continue
        later = [j for j in range(i + 1, len(weeks)) if weeks[j] >= weeks[i] + cw]
        stop = later[0] if later else len(weeks) - 1
        if all(crit(vals[j], base) for j in range(i, stop + 1)):
            if later or at_end == "event":
                return float(weeks[i]), 1
            return float(weeks[-1]), 0
    return float(weeks[-1]), 0


def test_events_follow_the_rule_on_the_visits_table(ora):
    def edss_rule(v, b):
        return v - b >= (1.0 if b <= 5.5 else 0.5)

    def pct_rule(v, b):
        return v >= 1.2 * b * (1 - 1e-9)

    rule = ora.metadata["unconfirmed_progression"]
    ids = ora.visits["patient_id"].unique()[::7]
    ev = ora.events.set_index(["patient_id", "endpoint"])
    for pid in ids:
        rows = ora.visits[ora.visits["patient_id"] == pid]
        for endpoint, col, crit, cw in (("cdp12_edss", "edss", edss_rule, 12), ("cdp24_edss", "edss", edss_rule, 24),
                                        ("t25fw20_cp12", "t25fw_s", pct_rule, 12),
                                        ("nhpt20_cp24", "nhpt_s", pct_rule, 24)):
            got = ev.loc[(pid, endpoint)]
            assert (got["time_weeks"], got["event"]) == _naive_first_confirmed(rows, col, crit, cw, rule), (pid, endpoint)
        comp = ev.loc[pid].loc[["cdp12_edss", "t25fw20_cp12", "nhpt20_cp12"]]
        first = comp.loc[comp["event"] == 1, "time_weeks"].min() if comp["event"].any() else None
        assert ev.loc[(pid, "ccdp12"), "event"] == int(first is not None)
        if first is not None:
            assert ev.loc[(pid, "ccdp12"), "time_weeks"] == first


def test_visits_table_shape_and_baseline(ev, ora):
    v = ora.visits
    assert list(v.columns) == ["patient_id", "arm", "week", "edss", "t25fw_s", "t25fw_unable", "nhpt_s"]
    assert set(v["week"] % 12) == {0}
    base = v[v["week"] == 0]
    assert len(base) == sum(a.n_randomized for a in ev["ORATORIO"].arms)
    assert np.allclose(base["edss"] % 0.5, 0)
    pub = ev["ORATORIO"].baseline_of("edss", "PBO")
    assert abs(base["edss"].mean() - pub.mean) < 0.15 and abs(base["edss"].std() - pub.sd) < 0.15
    assert set(ora.events["endpoint"]) == set(ora.metadata["endpoints"]) and len(ora.metadata["endpoints"]) == 8
    # transient (unconfirmed) worsening exists: some EDSS increase that later returns to baseline
    e = v.pivot(index="patient_id", columns="week", values="edss")
    up = e.sub(e[0], axis=0) >= 0.5
    assert ((up.cumsum(axis=1) > 0) & (e.sub(e[0], axis=0) <= 0)).any().any()


def test_metadata_is_labelled_synthetic_with_assumptions(ev, ora):
    m = ora.metadata
    assert m["provenance"] == "synthetic" and ora.label.startswith("SYNTHETIC") and "ORATORIO" in ora.label
    assert m["unconfirmed_progression"] == ev["ORATORIO"].design.unconfirmed_progression
    assert m["evidence_sha256"] == ev.sha256("ORATORIO")
    assert all(a["rationale"] and a["from"] == "ORATORIO" for a in m["assumptions"].values())
    assert m["generator_params"] == GeneratorParams().to_dict()
    assert "SYNTHETIC" in repr(ora) and "targets met" in repr(ora)


def test_same_seed_same_bytes_and_different_seed_differs(ev, ora, tmp_path):
    again = simulate_trial("ORATORIO", seed=1, evidence=ev)
    a, b = ora.to_dir(tmp_path / "a"), again.to_dir(tmp_path / "b")
    for name in ("visits.csv", "events.csv", "calibration.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    other = simulate_trial("ORATORIO", seed=2, evidence=ev)
    assert not other.visits.equals(ora.visits)


def test_n_per_arm_and_censor_rule(ev):
    small = simulate_trial("ORATORIO", seed=4, evidence=ev, n_per_arm={"OCR": 60, "PBO": 40})
    assert small.visits.groupby("arm")["patient_id"].nunique().to_dict() == {"OCR": 60, "PBO": 40}
    cens = simulate_trial("ORATORIO", seed=4, evidence=ev, n_per_arm={"OCR": 60, "PBO": 40},
                          unconfirmed_progression="censor")
    assert cens.metadata["unconfirmed_progression"] == "censor"
    assert cens.visits.equals(small.visits)
    assert cens.events["event"].sum() < small.events["event"].sum()
    with pytest.raises(CalibrationError, match="unknown arm"):
        simulate_trial("ORATORIO", evidence=ev, n_per_arm={"XYZ": 3})


def test_active_comparator_label(ev):
    active = ev["ORATORIO"].model_copy(update={"comparator": "active"})
    assert "active comparator: placebo" in make_label(active, 3)  # names the control drug
    assert "active" not in make_label(ev["ORATORIO"], 3)


def test_hand_calibration_records_no_target_rows(ev):
    st = simulate_trial("ORATORIO_HAND", seed=1, evidence=ev)
    cal = st.calibration
    assert (cal["status"] == "no target").any()
    assert cal.loc[cal["status"] == "calibrated", "met"].astype(bool).all()
    assert any("fallback" in a["from"] for a in st.metadata["assumptions"].values())


@pytest.mark.slow
def test_calibration_from_scratch_meets_tolerances(ev):
    res = calibrate(ev["ORATORIO"], ev, GeneratorParams(replicates=20))
    rows = [r for r in res.table if r.status == "calibrated"]
    assert rows and all(r.met for r in rows)
    assert CalibrationResult.from_dict(json.loads(json.dumps(res.to_dict()))) == res


def test_event_driven_up_to_follow_up_is_a_maximum(ev):
    """'Up to N weeks or until K events' (no minimum stated): nobody is followed beyond N weeks."""
    from msevidence.synthetic.design import assumptions_for, design_for

    for tid in ("ORATORIO", "ORATORIO_HAND"):
        if tid not in ev:
            continue
        tr = ev[tid]
        design, notes = design_for(tr, assumptions_for(tr, ev))
        if tr.design.min_follow_up_weeks is not None:  # "at least N weeks": N is the minimum
            assert design.min_follow_up == tr.design.min_follow_up_weeks
        elif tr.design.event_driven:
            assert design.weeks.max() <= tr.design.treatment_weeks and "maximum" in notes["follow_up"]


def test_cache_is_stale_when_assumptions_or_design_change(ev, tmp_path, monkeypatch):
    import importlib

    cache_mod = importlib.import_module("msevidence.synthetic.cache")
    solver_mod = importlib.import_module("msevidence.synthetic.solver")

    tr = ev["ORATORIO"]
    real = json.loads(cache_mod.cache_path("ORATORIO", ev).read_text())
    path = cache_mod.cache_path("ORATORIO", ev, tmp_path)
    monkeypatch.setattr(solver_mod, "calibrate", lambda *a, **k: "recalibrated")
    path.write_text(json.dumps(real))
    assert cache_mod.load_or_calibrate(tr, ev, cache_dir=tmp_path, write=False) == CalibrationResult.from_dict(real)
    stale = json.loads(json.dumps(real))
    stale["assumptions"]["dropout_per_year"]["value"] += 0.01  # e.g. ORATORIO's fallback assumption edited
    path.write_text(json.dumps(stale))
    assert cache_mod.load_or_calibrate(tr, ev, cache_dir=tmp_path, write=False) == "recalibrated"
    stale = json.loads(json.dumps(real))
    stale["design_notes"]["follow_up"] = "something else"
    path.write_text(json.dumps(stale))
    assert cache_mod.load_or_calibrate(tr, ev, cache_dir=tmp_path, write=False) == "recalibrated"
    path.write_text("{not json")
    assert cache_mod.load_or_calibrate(tr, ev, cache_dir=tmp_path, write=False) == "recalibrated"


def test_geo_pct_change_is_at_the_exact_week_only():
    from msevidence.synthetic.solver import geo_pct_change

    t = np.array([[10.0, 11.0, 12.5], [8.0, 8.0, 10.0], [9.0, np.nan, np.nan]])
    weeks = np.array([0.0, 12.0, 24.0])
    # hand computation: patients 1-2 assessed at week 24, ratios 1.25 and 1.25 -> +25%
    assert geo_pct_change(t, weeks, 24) == pytest.approx(25.0)
    with pytest.raises(CalibrationError, match="week 20 is not a simulated visit week"):
        geo_pct_change(t, weeks, 20)  # used to silently pick week 24


@pytest.mark.parametrize("tid", ["ORATORIO", "ORATORIO_HAND"])
def test_shipped_cache_matches_the_current_generator(ev, tid):
    """The cached 'achieved' columns are the mean and 2.5/97.5th percentiles over the calibration replicates of
    the *current* generator with the cached parameters (a generator change without a cache refresh fails here)."""
    import importlib

    cal_mod = importlib.import_module("msevidence.synthetic.solver")
    cache_mod = importlib.import_module("msevidence.synthetic.cache")
    design_mod = importlib.import_module("msevidence.synthetic.design")
    from msevidence.synthetic.model import Calibrated

    tr = ev[tid]
    cache = json.loads(cache_mod.cache_path(tid, ev).read_text())
    a_full = design_mod.assumptions_for(tr, ev)
    design, _ = design_mod.design_for(tr, a_full)
    gp = GeneratorParams(**cache["generator_params"])
    c = cache["calibrated"]
    cal = Calibrated(**c)
    s = cal_mod._setup(design, cache["replicates"], cache["calibration_seed"])
    got = cal_mod.replicate_stats(s, cal, gp, {k: v["value"] for k, v in a_full.items()}, cal_mod.targets(tr))
    rows = {r["target"]: r for r in cache["table"]}
    assert got and set(got) <= set(rows)
    for name, vals in got.items():
        assert len(vals) == cache["replicates"]
        r = rows[name]
        assert r["achieved_mean"] == pytest.approx(np.mean(vals), abs=1e-9), name
        assert (r["achieved_low"], r["achieved_high"]) == pytest.approx(
            (np.percentile(vals, 2.5), np.percentile(vals, 97.5)), abs=1e-9), name


def test_oratorio_composite_hazard_ratio_targets_are_met_in_the_shipped_cache(ev):
    """cCDP12/cCDP24 hazard ratios are calibrated targets (walking-progressor mixture) within 0.03 of the evidence."""
    import importlib

    cache_mod = importlib.import_module("msevidence.synthetic.cache")
    tr = ev["ORATORIO"]
    cache = json.loads(cache_mod.cache_path("ORATORIO", ev).read_text())
    rows = {r["target"]: r for r in cache["table"]}
    for cw in (12, 24):
        ep = tr.find_endpoint(scale="composite", analysis="time_to_event", confirmation_weeks=cw)
        r = rows[f"cCDP{cw} hazard ratio (EDSS/T25FW/9HPT) OCR vs PBO"]
        assert r["status"] == "calibrated" and r["published"] == ep.effect("hazard_ratio").estimate
        assert abs(r["achieved_mean"] - r["published"]) <= 0.03 and r["met"] is True
    # the "no evidence of progression" rows stay checks (reported, not fitted)
    assert all(r["status"] == "check" for name, r in rows.items() if "1 - published" in name)


def test_walking_progressor_share_matches_calibrated_pi(ev):
    """Per arm, the share of walking progressors is pi (control) and pi*omega (treatment), omega < 1 for ORATORIO;
    progressors are more frail, and their fitted log T25FW slopes average the calibrated mu_p."""
    import importlib
    from dataclasses import replace

    from msevidence.synthetic.model import Calibrated, draws, simulate, walking_progressors

    cache_mod = importlib.import_module("msevidence.synthetic.cache")
    design_mod = importlib.import_module("msevidence.synthetic.design")
    tr = ev["ORATORIO"]
    cal = Calibrated(**json.loads(cache_mod.cache_path("ORATORIO", ev).read_text())["calibrated"])
    pi, omega = cal.walking_progressor_prob, cal.walking_progressor_ratio
    assert 0 < pi < 1 and 0 < omega < 1
    a_full = design_mod.assumptions_for(tr, ev)
    a = {k: v["value"] for k, v in a_full.items()}
    design, _ = design_mod.design_for(tr, a_full, {"PBO": 3000, "OCR": 3000})
    design = replace(design, extra_follow_up_max=0.0)
    treated = np.repeat([False, True], 3000)
    d = draws(np.random.default_rng(11), 6000, len(design.weeks))
    prog = walking_progressors(d, treated, cal, GeneratorParams())
    for arm, p in ((~treated, pi), (treated, pi * omega)):
        assert abs(prog[arm].mean() - p) < 4 * np.sqrt(p * (1 - p) / 3000)
    assert d["z_frail"][prog].mean() > d["z_frail"][~prog].mean() + 0.3
    # independent: least-squares slope of log T25FW on years per patient (complete cases, no noise-free shortcut)
    sim = simulate(d, treated, design, cal, GeneratorParams(), a)
    yrs = design.weeks / 52.1775
    y = np.log(sim["t25fw_s"])
    for arm, role in ((~treated, "control"), (treated, "treatment")):
        m = arm & prog & ~np.isnan(y).any(axis=1)
        x = yrs - yrs.mean()
        slopes = (y[m] - y[m].mean(axis=1, keepdims=True)) @ x / (x @ x)
        assert slopes.mean() == pytest.approx(cal.t25fw_progressor_log_change_per_year[role], abs=0.02)
        m0 = arm & ~prog & ~np.isnan(y).any(axis=1)
        slopes0 = (y[m0] - y[m0].mean(axis=1, keepdims=True)) @ x / (x @ x)
        assert slopes0.mean() == pytest.approx(a["t25fw_stable_log_change_per_year"], abs=0.02)


def test_hand_without_walking_targets_has_no_treatment_effect_on_walking(ev):
    import importlib

    cache_mod = importlib.import_module("msevidence.synthetic.cache")
    cache = json.loads(cache_mod.cache_path("ORATORIO_HAND", ev).read_text())
    c = cache["calibrated"]
    assert c["walking_progressor_ratio"] == 1.0
    assert c["t25fw_progressor_log_change_per_year"]["control"] == c["t25fw_progressor_log_change_per_year"]["treatment"]
    assert any(r["status"] == "no target" and r["target"].startswith("walking progressor") for r in cache["table"])


def test_hand_composite_check_uses_only_edss_and_9hpt(ev):
    from msevidence.synthetic.model import endpoints

    tr = ev["ORATORIO_HAND"]
    ep = tr.find_endpoint(scale="composite", analysis="time_to_event", confirmation_weeks=12)
    [t] = [t for t in targets(tr) if t.endpoint.startswith("ccdp")]
    assert set(ep.definition.components) == {"EDSS", "9HPT"} and "(EDSS/9HPT)" in t.name and t.status == "check"
    st = simulate_trial("ORATORIO_HAND", seed=2, evidence=ev, n_per_arm={"OCR": 80, "PBO": 80})
    wide = {c: st.visits.pivot(index="patient_id", columns="week", values=c) for c in ("edss", "t25fw_s", "nhpt_s")}
    sim = {c: w.to_numpy() for c, w in wide.items()}
    weeks = wide["edss"].columns.to_numpy(float)
    rule = st.metadata["unconfirmed_progression"]
    time, event = endpoints(sim, weeks, rule, only={t.composite})[t.endpoint]
    # independent: first event of the events table's EDSS CDP12 and >=20% 9HPT CP12 rows
    e = st.events.set_index(["endpoint", "patient_id"])
    parts = [e.loc[name].reindex(wide["edss"].index) for name in ("cdp12_edss", "nhpt20_cp12")]
    first = np.fmin(*[np.where(p["event"] == 1, p["time_weeks"], np.nan) for p in parts])
    assert np.array_equal(event, (~np.isnan(first)).astype(int))
    assert np.array_equal(time[event == 1], first[event == 1])
    # walking plays no part: a large T25FW worsening changes the three-component composite, not this one
    slow = {**sim, "t25fw_s": sim["t25fw_s"] * np.where(weeks > 0, 2.0, 1.0)}
    got = endpoints(slow, weeks, rule, only={t.composite, "ccdp12"})
    assert np.array_equal(got[t.endpoint][1], event) and np.array_equal(got[t.endpoint][0], time)
    assert got["ccdp12"][1].sum() > event.sum()


def test_no_evidence_of_progression_is_a_derived_check_row(ev):
    """ORATORIO's post hoc NEP (free of the 3-scale composite at week 120) is shown as 1 - NEP, never fitted."""
    tr = ev["ORATORIO"]
    nep = tr.find_endpoint(scale="composite", analysis="proportion_at_week", confirmation_weeks=12)
    rows = [t for t in targets(tr) if "1 - published" in t.name]
    assert {t.role for t in rows} == {"control", "treatment"}
    for t in rows:
        arm = tr.control.id if t.role == "control" else tr.treatment.id
        assert t.published == pytest.approx(1 - nep.result(arm, "proportion").value)
        assert t.status == "check" and t.week == nep.definition.week and t.summary.startswith("derived")
