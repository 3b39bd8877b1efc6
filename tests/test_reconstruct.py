"""Guyot reconstruction: round trip against lifelines, flat tails, last interval, inputs and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from msevidence.data.curve_cleaning import CleaningRules, check_against_at_risk, clean_curve
from msevidence.data.digitized import WEEKS_PER, parse_total_events, read_at_risk, read_curve
from msevidence.errors import NotFittedError, OptionError, ReconstructionError, TableError
from msevidence.reconstruct import KMReconstruction, guyot_arm, reconstruct_ipd
from msevidence.reconstruct.digitize import DigitizerSettings, digitize_trial
from msevidence.reconstruct.validation import cox_hr, round_trip, simulate_two_arm


@pytest.fixture(scope="module")
def trial():
    rng = np.random.default_rng(3)
    ipd = simulate_two_arm(rng, 300)
    curve, risk = digitize_trial(ipd, rng)
    return ipd, curve, risk


@pytest.fixture(scope="module")
def rec(trial):
    _, curve, risk = trial
    return KMReconstruction(endpoint="sim").fit(curve, risk)


def test_km_of_reconstruction_matches_lifelines_km_of_truth_at_reported_times(trial, rec):
    ipd, _, risk = trial
    for arm, g in ipd.groupby("arm"):
        w = risk.loc[risk["arm"] == arm, "time_weeks"].to_numpy()
        truth = KaplanMeierFitter().fit(g["time_weeks"], g["event"]).survival_function_at_times(w).to_numpy()
        r = rec.events_[rec.events_["arm"] == arm]
        rebuilt = KaplanMeierFitter().fit(r["time_weeks"], r["event"]).survival_function_at_times(w).to_numpy()
        assert np.max(np.abs(truth - rebuilt)) < 0.02
        assert len(r) == len(g)


def test_printed_numbers_at_risk_are_met_and_hr_close(trial, rec):
    ipd, _, _ = trial
    assert rec.quality_.at_risk_matches
    assert cox_hr(rec.events_) == pytest.approx(cox_hr(ipd), abs=0.03)


def test_round_trip_over_50_trials_meets_the_targets():
    trials, km = round_trip(50, seed=7)
    assert trials["abs_hr_error"].median() <= 0.02
    assert km.groupby(["time_weeks"])["abs_km_error"].median().max() <= 0.01
    assert (trials["at_risk_max_difference"] == 0).all()


def _flat_tail(noise: float, seed: int = 0):
    """Events up to week 100, none after; 60% of the patients still at risk censored between 110 and 200.

    The curve is clicked at each step and then every 5 weeks along the flat tail, each tail read off the level
    by up to `noise` (uniform, within the reading tolerance of one pixel)."""
    rng = np.random.default_rng(seed)
    n = 400
    t = rng.exponential(150, n)
    c = np.where(rng.random(n) < 0.6, rng.uniform(110, 200, n), 200.0)
    t = np.where(t > 100, np.inf, t)  # nobody has an event after week 100
    time = np.minimum(t, c)
    ev = (t <= c).astype(int)
    ipd = pd.DataFrame({"arm": "A", "time_weeks": np.round(time, 1), "event": ev})
    curve, risk = digitize_trial(ipd.assign(patient_id=range(n), endpoint="x"), rng,
                                 settings=DigitizerSettings(noise_sd=0.0005))
    steps = curve[curve["time_weeks"] <= 101]
    extra = pd.DataFrame({"arm": "A", "time_weeks": np.r_[np.arange(105, 200, 5.0), 200.0]})
    extra["survival"] = steps["survival"].iloc[-1] + rng.uniform(-noise, noise, len(extra))
    return ipd, pd.concat([steps, extra], ignore_index=True), risk


@pytest.mark.parametrize("noise", [0.0, 0.001])
@pytest.mark.parametrize("total", [False, True])
def test_flat_tail_with_heavy_late_censoring_invents_no_events(noise, total):
    for seed in range(10):
        ipd, curve, risk = _flat_tail(noise, seed)
        te = {"A": int(ipd["event"].sum())} if total else None
        rec = KMReconstruction(endpoint="x").fit(curve, risk, total_events=te)
        late = rec.events_[(rec.events_["time_weeks"] > 101) & (rec.events_["event"] == 1)]
        assert late.empty, f"seed {seed}: {len(late)} events invented on the flat tail"
        assert rec.quality_.at_risk_matches
        assert (rec.events_["event"] == 0).sum() >= (ipd["event"] == 0).sum() - 5  # the tail's patients censored


def test_last_interval_with_total_events_meets_the_total(trial):
    ipd, curve, risk = trial
    totals = ipd.groupby("arm")["event"].sum().astype(int).to_dict()
    rec = KMReconstruction(endpoint="sim").fit(curve, risk, total_events=totals)
    got = rec.events_.groupby("arm")["event"].sum().to_dict()
    for arm in totals:
        assert abs(got[arm] - totals[arm]) <= 1
    assert "published total" in rec.arms_["CTRL"].last_interval


def test_guyot_by_hand_without_censoring():
    # 10 patients, one event at weeks 1, 2, 3; nobody censored before the end at week 4.
    t = np.array([0, 1, 2, 3, 4.0])
    s = np.array([1, 0.9, 0.8, 0.7, 0.7])
    arm = guyot_arm(t, s, np.array([0.0, 2.0]), np.array([10, 9]))
    assert arm.events.tolist() == [0, 1, 1, 1, 0]  # the reported time 2 is already a click: nothing inserted
    df = arm.to_frame()
    assert int(df["event"].sum()) == 3 and len(df) == 10
    assert (df.loc[df["event"] == 0, "time_weeks"] == 4.0).all()


def test_shortcut_for_one_arm_and_not_fitted():
    curve = pd.DataFrame({"time_weeks": [0, 10, 20], "survival": [1, 0.9, 0.8]})
    risk = pd.DataFrame({"time_weeks": [0, 10], "n_at_risk": [10, 9]})
    assert int(reconstruct_ipd(curve, risk, arm="A")["event"].sum()) == 2
    with pytest.raises(NotFittedError):
        KMReconstruction().summary  # noqa: B018


def test_cleaning_records_every_change():
    raw = pd.DataFrame({"arm": "A", "time_weeks": [10, 5, 5, 20, 30, -0.1, 40, 50, 60],
                        "survival": [0.90, 0.95, 0.95, 0.905, 0.80, 1.004, 0.7995, 0.70, 0.7005]})
    out = clean_curve(raw, CleaningRules())
    kinds = set(out.to_frame()["kind"])
    assert {"sorted", "time_clipped", "clipped", "duplicate", "monotone", "level", "flat_end"} <= kinds
    assert out.curve["survival"].iloc[-2:].tolist() == [0.70, 0.70]  # the flat end held at its first read
    s = out.curve["survival"].to_numpy()
    assert (np.diff(s) <= 0).all() and s[0] == 1 and out.curve["time_weeks"].iloc[0] == 0
    anchored = clean_curve(pd.DataFrame({"arm": "A", "time_weeks": [3.0, 6.0], "survival": [0.9, 0.8]}))
    assert anchored.to_frame()["kind"].tolist() == ["anchored"]


def test_units_and_formats(tmp_path):
    assert WEEKS_PER["months"] == pytest.approx(52.1775 / 12)
    p = tmp_path / "wpd.csv"
    p.write_text("OCR,,PBO,\nX,Y,X,Y\n0,100,0,100\n6,90,6,80\n12,85,,\n")
    c = read_curve(p, time_unit="months", y_scale="percent")
    assert set(c["arm"]) == {"OCR", "PBO"} and len(c) == 5
    assert c["time_weeks"].max() == pytest.approx(12 * 52.1775 / 12)
    assert c["survival"].min() == pytest.approx(0.8)
    q = tmp_path / "ci.csv"
    q.write_text("arm,time_weeks,cumulative_incidence\nA,0,0\nA,12,0.1\n")
    assert read_curve(q)["survival"].tolist() == [1.0, 0.9]
    assert parse_total_events(["A=3", "B=0"]) == {"A": 3, "B": 0}


@pytest.mark.parametrize(("text", "kind", "match"), [
    ("arm,time_weeks,n_at_risk\nA,0,10\nA,12,12\n", "risk", r"arm A, week 12: .*never rise"),
    ("arm,time_weeks,n_at_risk\nA,12,10\n", "risk", "start at 0"),
    ("arm,time_weeks,n_at_risk\nA,0,10.5\n", "risk", "whole number"),
    ("arm,time_weeks,survival\nA,0,1\nA,12,0.8\nA,24,0.9\n", "curve", r"arm A, week 24: survival rises"),
    ("arm,time_weeks,survival\nA,0,1\nA,12,inf\n", "curve", "not a finite number"),
    ("arm,time_weeks,survival\nA,0,100\nA,12,80\n", "curve", "--y-scale percent"),
])
def test_bad_files_give_one_line_naming_arm_time_and_rule(tmp_path, text, kind, match):
    p = tmp_path / "x.csv"
    p.write_text(text)
    with pytest.raises(TableError, match=match) as err:
        if kind == "risk":
            read_at_risk(p)
        else:
            clean_curve(read_curve(p), source=str(p))
    assert "\n" not in str(err.value) and str(p) in str(err.value)


def test_inconsistent_files_are_named():
    curve = clean_curve(pd.DataFrame({"arm": "A", "time_weeks": [0, 10, 20], "survival": [1, 0.5, 0.5]})).curve
    with pytest.raises(ReconstructionError, match="same arms"):
        check_against_at_risk(curve, pd.DataFrame({"arm": "B", "time_weeks": [0], "n_at_risk": [10]}))
    with pytest.raises(ReconstructionError, match=r"arm A, week 15: 9 at risk.*curve can reach; check the typed"):
        check_against_at_risk(curve, pd.DataFrame({"arm": "A", "time_weeks": [0, 15], "n_at_risk": [10, 9]}))
    # a curve that stops (week 20) before the last printed time (week 30) is consistent: it is held flat
    check_against_at_risk(curve, pd.DataFrame({"arm": "A", "time_weeks": [0, 30], "n_at_risk": [10, 2]}))
    with pytest.raises(OptionError, match="ARM=N"):
        parse_total_events(["A:3"])


def test_plot_returns_three_axes_titled_with_the_label(rec):
    import matplotlib

    matplotlib.use("Agg")
    axes = rec.plot()
    assert len(axes) == 3 and "RECONSTRUCTED" in axes[0].figure._suptitle.get_text()
    assert "RECONSTRUCTED" in repr(rec) and set(rec.summary["arm"]) == {"CTRL", "OCR"}


def test_a_synthetic_curve_must_say_it_is_an_example(tmp_path):
    import shutil

    import yaml

    from msevidence import paths
    from msevidence.evidence import EvidenceFileError
    from msevidence.evidence.store import load_trial

    (tmp_path / "data" / "digitized").mkdir(parents=True)
    for f in (paths.digitized_dir()).glob("*synthetic-example*.csv"):
        shutil.copy(f, tmp_path / "data" / "digitized" / f.name)
    doc = yaml.safe_load((paths.evidence_dir() / "oratorio.yaml").read_text())
    assert load_trial_ok(doc, tmp_path, load_trial)
    doc["curves"][0]["example"] = False
    with pytest.raises(EvidenceFileError, match="synthetic data are labelled"):
        load_trial_ok(doc, tmp_path, load_trial)


def load_trial_ok(doc, folder, load_trial):
    p = folder / "oratorio.yaml"
    p.write_text(__import__("yaml").safe_dump(doc, sort_keys=False))
    return load_trial(p)
