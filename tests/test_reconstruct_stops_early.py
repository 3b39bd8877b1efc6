"""Curves whose last click comes before the last printed at-risk time (the usual digitization): accepted, held flat
after the last click (no events there, the patients leaving the risk set censored), every printed number at risk
met; round trips against the true hazard ratio and Kaplan-Meier curve (lifelines); what stays refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from typer.testing import CliRunner

from msevidence import paths
from msevidence.cli import app
from msevidence.data.curve_cleaning import check_against_at_risk, clean_curve
from msevidence.data.digitized import read_at_risk
from msevidence.errors import ReconstructionError, TableError
from msevidence.reconstruct import KMReconstruction
from msevidence.reconstruct.digitize import DigitizerSettings, digitize_trial
from msevidence.reconstruct.validation import accuracy, round_trip_stops_early, simulate_stops_early

STOPS_EARLY = DigitizerSettings(click_flat_end=False)
runner = CliRunner()


def _trial(seed: int, flat_after: float | None = None):
    rng = np.random.default_rng([24, seed])
    ipd = simulate_stops_early(rng, 300, 120.0, flat_after=flat_after)
    curve, risk = digitize_trial(ipd, rng, settings=STOPS_EARLY)
    return ipd, curve, risk


def _lifelines_hr(events: pd.DataFrame) -> float:
    d = events.assign(trt=(events["arm"] == "OCR").astype(int))[["time_weeks", "event", "trt"]]
    return float(np.exp(CoxPHFitter().fit(d, "time_weeks", "event").params_["trt"]))


@pytest.mark.parametrize(("seed", "flat_after"), [(0, None), (1, None), (2, 40.0), (3, 40.0)])
def test_stops_early_round_trip_matches_the_truth(seed, flat_after):
    ipd, curve, risk = _trial(seed, flat_after)
    last = curve.groupby("arm")["time_weeks"].max()
    assert (last < 120).all() and (risk.groupby("arm")["time_weeks"].max() == 120).all()  # the usual shape
    rec = KMReconstruction(endpoint="sim").fit(curve, risk)
    ev = rec.events_
    assert abs(_lifelines_hr(ev) - _lifelines_hr(ipd)) <= 0.02
    weeks = np.arange(0, 121, 1.0)
    for arm, g in ipd.groupby("arm"):
        r = ev[ev["arm"] == arm]
        truth = KaplanMeierFitter().fit(g["time_weeks"], g["event"]).survival_function_at_times(weeks).to_numpy()
        rebuilt = KaplanMeierFitter().fit(r["time_weeks"], r["event"]).survival_function_at_times(weeks).to_numpy()
        assert np.abs(truth - rebuilt).max() <= 0.02, arm
        assert len(r) == len(g) and abs(int(r["event"].sum()) - int(g["event"].sum())) <= 2
        assert not ((r["time_weeks"] > last[arm]) & (r["event"] == 1)).any(), f"{arm}: events after the last click"
        printed = risk[risk["arm"] == arm]
        for w, n in zip(printed["time_weeks"], printed["n_at_risk"], strict=True):  # also after the last click
            assert int((r["time_weeks"] >= w).sum()) == n, f"{arm} week {w:g}"
    if flat_after is not None:
        assert last["OCR"] < flat_after + 1  # one arm flat from week 40 to 120: its tail is censored only
        tail = ev[(ev["arm"] == "OCR") & (ev["time_weeks"] > last["OCR"])]
        assert len(tail) > 100 and (tail["event"] == 0).all()


def test_round_trips_over_seeds_and_both_arms_meet_the_targets():
    trips = round_trip_stops_early(12, seed=24)
    assert (trips["last_click"] < 120).all() and trips["flat_tail"].sum() == 3
    assert trips["abs_hr_error"].median() <= 0.02
    assert trips["km_max_error"].median() <= 0.01
    assert (trips["at_risk_reproduced"] == trips["at_risk_printed"]).all()
    assert (trips["events_after_last_click"] == 0).all()
    acc = accuracy(3, seed=24)
    assert acc.at_risk_reproduced == 1.0 and acc.events_after_last_click == 0
    assert acc.median_abs_hr_error == pytest.approx(trips["abs_hr_error"].iloc[:3].median())
    assert len(acc.to_frame()) == 6


def _click_the_tail(curve: pd.DataFrame, rng: np.random.Generator, noise: float) -> pd.DataFrame:
    """The same digitization with the flat end clicked every 5 weeks to week 120 (reads off by up to `noise`)."""
    parts = [curve]
    for arm, g in curve.groupby("arm"):
        t0, level = g["time_weeks"].iloc[-1], g["survival"].iloc[-1]
        tt = np.r_[np.arange(np.ceil(t0 / 5) * 5, 120, 5.0), 120.0]
        tt = tt[tt > t0]
        parts.append(pd.DataFrame({"arm": arm, "time_weeks": tt, "survival": level + rng.uniform(-noise, noise,
                                                                                                  len(tt))}))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 55, 99])  # 55, 99: the last step within a pixel read of the level
def test_a_clicked_flat_tail_gives_the_same_result_as_an_unclicked_one(seed):
    ipd, curve, risk = _trial(seed, 40.0 if seed % 2 else None)
    rng = np.random.default_rng(seed)
    unclicked = KMReconstruction().fit(curve, risk)
    clicked = KMReconstruction().fit(_click_the_tail(curve, rng, 0.0), risk)
    pd.testing.assert_frame_equal(unclicked.events_, clicked.events_)
    assert unclicked.quality_.assumption is not None and clicked.quality_.assumption is None
    beyond = _click_the_tail(curve, rng, 0.0)  # clicked past the last printed time, to the end of the axis
    beyond.loc[beyond["time_weeks"] == 120, "time_weeks"] = 125.0
    further = KMReconstruction().fit(beyond, risk)
    pd.testing.assert_frame_equal(further.events_.query("event == 1"), unclicked.events_.query("event == 1"))
    assert further.quality_.at_risk_matches and len(further.events_) == len(unclicked.events_)
    noisy = KMReconstruction().fit(_click_the_tail(curve, rng, 0.001), risk)  # tail reads within a pixel
    assert noisy.quality_.at_risk_matches
    last = curve.groupby("arm")["time_weeks"].max()
    ev = noisy.events_
    assert not any(((ev["arm"] == a) & (ev["time_weeks"] > t) & (ev["event"] == 1)).any() for a, t in last.items())
    assert abs(_lifelines_hr(noisy.events_) - _lifelines_hr(unclicked.events_)) <= 0.02


def test_the_assumption_is_one_line_of_output_and_in_the_sidecar_json_and_qa(tmp_path):
    _, curve, risk = _trial(5)
    curve.to_csv(tmp_path / "curve.csv", index=False)
    risk.to_csv(tmp_path / "risk.csv", index=False)
    args = ["reconstruct", "--curve", str(tmp_path / "curve.csv"), "--at-risk", str(tmp_path / "risk.csv"),
            "--endpoint", "sim", "--out", str(tmp_path / "ev.csv"), "--qa", str(tmp_path / "qa.png")]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    lines = [x for x in r.output.splitlines() if "held at its last value" in x]
    assert len(lines) == 1 and lines[0].startswith("Curve stops before the last numbers-at-risk time (CTRL: last")
    assert "no events are placed there" in lines[0] and "censored" in lines[0]
    side = json.loads((tmp_path / "ev.csv.provenance.json").read_text())
    assert side["assumption"] == lines[0] and side["metadata"]["assumption"] == lines[0]
    doc = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert doc["assumption"] == lines[0]
    for arm, a in doc["arms"].items():
        assert a["last_click_weeks"] < a["last_at_risk_weeks"] == 120 and a["events_after_last_click"] == 0
        assert a["censored_after_last_click"] > 0 and a["at_risk_max_abs_difference"] == 0, arm


def test_the_qa_figure_draws_the_flat_tail_and_states_the_assumption():
    import matplotlib

    matplotlib.use("Agg")
    _, curve, risk = _trial(2, 40.0)
    rec = KMReconstruction().fit(curve, risk)
    axes = rec.plot()
    fig = axes[0].figure
    assert "held at its last value" in fig._supxlabel.get_text()
    labels = [ln.get_label() for ln in axes[0].get_lines()]
    assert "OCR after the last click: held flat" in labels
    held = axes[0].get_lines()[labels.index("OCR after the last click: held flat")]
    assert held.get_xdata()[-1] == 120 and held.get_ydata()[0] == held.get_ydata()[-1]


def test_the_shipped_example_stops_before_its_last_at_risk_time():
    d = paths.digitized_dir()
    stem = "oratorio-cdp12_edss-synthetic-example"
    rec = KMReconstruction(endpoint="cdp12_edss").fit(d / f"{stem}-curve.csv", d / f"{stem}-at-risk.csv")
    arms = rec.quality_.arms.set_index("arm")
    gap = arms["last_at_risk_weeks"] - arms["last_click_weeks"]
    assert (gap > 0.05 * arms["last_at_risk_weeks"]).any()  # at least one arm stops weeks before
    assert rec.quality_.at_risk_matches and (arms["events_after_last_click"] == 0).all()
    assert rec.quality_.assumption is not None and "SYNTHETIC" in rec.label_
    assert json.loads((d / f"{stem}.json").read_text())["digitizer"]["click_flat_end"] is False


@pytest.mark.parametrize(("survival", "risk", "error", "match"), [
    ([1, 0.5, 0.5], [10, 12, 12], TableError, r"arm A, week 12: 12 at risk after 10.*never rise; check the typed"),
    ([1, 0.5, 0.5], [10, 9, 9], ReconstructionError,
     r"arm A, week 12: 9 at risk.*leaving at most 6 even with no censoring.*check the typed counts, the clicks"),
    ([1, 0.5, 0.8], [10, 5, 5], TableError, r"arm A, week 11: survival rises.*re-click that step"),
    ([1, 0.5, 0.0], [10, 1, 1], ReconstructionError,
     r"arm A, week 24: 1 at risk, but the curve has fallen to 0 before week 12.*check the typed count"),
])
def test_truly_inconsistent_input_is_refused_with_a_fix(tmp_path, survival, risk, error, match):
    c = pd.DataFrame({"arm": "A", "time_weeks": [0, 10, 11], "survival": survival})
    p = tmp_path / "risk.csv"
    p.write_text("arm,time_weeks,n_at_risk\n" + "".join(f"A,{w},{n}\n" for w, n in zip((0, 12, 24), risk,
                                                                                         strict=True)))
    with pytest.raises(error, match=match) as err:
        check_against_at_risk(clean_curve(c, source=str(p)).curve, read_at_risk(p), at_risk_source=str(p))
    assert "\n" not in str(err.value) and str(p) in str(err.value)


def test_cli_refuses_unreachable_counts_in_one_line(tmp_path):
    (tmp_path / "c.csv").write_text("arm,time_weeks,survival\nA,0,1\nA,10,0.5\nA,11,0.5\n")
    (tmp_path / "r.csv").write_text("arm,time_weeks,n_at_risk\nA,0,10\nA,12,9\nA,24,9\n")
    r = runner.invoke(app, ["reconstruct", "--curve", str(tmp_path / "c.csv"), "--at-risk", str(tmp_path / "r.csv"),
                            "--endpoint", "x", "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 2 and r.output.strip().count("\n") == 0 and "Traceback" not in r.output
    assert "curve can reach; check the typed counts" in r.output


def test_published_totals_do_not_place_events_after_the_last_click():
    ipd, curve, risk = _trial(7, 40.0)
    plain = KMReconstruction().fit(curve, risk).events_
    totals = ipd.groupby("arm")["event"].sum().astype(int).to_dict()
    for shift in (0, 5):
        rec = KMReconstruction().fit(curve, risk, total_events={a: n + shift for a, n in totals.items()})
        pd.testing.assert_frame_equal(rec.events_, plain)  # the printed numbers at risk fix the events
        assert rec.quality_.at_risk_matches and "held flat" in rec.arms_["OCR"].last_interval
        differ = [n for a in rec.arms_.values() for n in a.notes if "differ from the published total" in n]
        assert (len(differ) == 2) == (shift == 5)
