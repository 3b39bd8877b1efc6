"""`msevidence fit`: JSON reproduces independent computations (lifelines, hand survRM2) to 1e-6; clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from typer.testing import CliRunner

from msevidence.cli import app

runner = CliRunner()


def survrm2_rmst1(time, status, tau):
    """Transcription of survRM2's R function rmst1 (area and Greenwood-type variance), loop by loop."""
    kmf = KaplanMeierFitter().fit(time, status)
    tab = kmf.event_table.iloc[1:] if kmf.event_table.index[0] == 0 else kmf.event_table
    surv = kmf.survival_function_.iloc[:, 0]
    times = [t for t in tab.index if t <= tau]
    wk_time = sorted([*times, tau])
    wk_surv = [surv.loc[t] for t in times]
    diffs = np.diff([0.0, *wk_time])
    areas = diffs * np.array([1.0, *wk_surv])
    var = []
    for t in times:
        n, d = tab.loc[t, "at_risk"], tab.loc[t, "observed"]
        var.append(0.0 if n - d == 0 else d / (n * (n - d)))
    var = [*var, 0.0]
    rev_areas = np.cumsum(areas[1:][::-1])
    rmst_var = np.sum(rev_areas**2 * np.array(var[::-1][1:]))
    return areas.sum(), np.sqrt(rmst_var)


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory):
    rng = np.random.default_rng(20240611)
    n = 80
    arm = np.repeat(["Ocrelizumab", "Placebo"], n // 2)
    t = np.ceil(rng.exponential(np.where(arm == "Ocrelizumab", 160, 110)) / 12) * 12  # 12-week visit grid
    cens = rng.choice([108, 120, 132], n) + rng.integers(0, 4, n)
    event = (t <= cens).astype(int)
    df = pd.DataFrame({"patient_id": [f"P{i}" for i in range(n)], "arm": arm, "endpoint": "CDP12",
                       "time_weeks": np.where(event == 1, t, cens), "event": event})
    df = pd.concat([df, df.assign(endpoint="CDP24", event=0)])  # a second endpoint, never selected
    path = tmp_path_factory.mktemp("fit") / "events.csv"
    df.to_csv(path, index=False)
    return path, df[df["endpoint"] == "CDP12"]


def test_fit_json_reproduces_reference_values(events_csv):
    path, df = events_csv
    out = runner.invoke(app, ["fit", str(path), "--endpoint", "CDP12", "--at", "48", "--at", "96", "--json"])
    assert out.exit_code == 0, out.output
    js = json.loads(out.stdout)
    tr, co = df[df["arm"] == "Ocrelizumab"], df[df["arm"] == "Placebo"]
    assert js["n"] == {"Ocrelizumab": 40, "Placebo": 40}
    assert js["events"] == {"Ocrelizumab": int(tr["event"].sum()), "Placebo": int(co["event"].sum())}

    cph = CoxPHFitter().fit(pd.DataFrame({"T": df["time_weeks"], "E": df["event"],
                                          "x": (df["arm"] == "Ocrelizumab").astype(float)}), "T", "E",
                            fit_options={"precision": 1e-14, "r_precision": 1e-16, "max_steps": 500})
    row = cph.summary.loc["x"]
    assert js["cox"]["ties"] == "efron"
    for key, ref in (("hr", "exp(coef)"), ("ci_low", "exp(coef) lower 95%"), ("ci_high", "exp(coef) upper 95%"),
                     ("p", "p")):
        assert js["cox"][key] == pytest.approx(row[ref], abs=1e-6), key

    lr = logrank_test(tr["time_weeks"], co["time_weeks"], tr["event"], co["event"])
    assert js["logrank"]["chi2"] == pytest.approx(lr.test_statistic, abs=1e-6)
    assert js["logrank"]["p"] == pytest.approx(lr.p_value, abs=1e-6)

    for arm, sub in (("Ocrelizumab", tr), ("Placebo", co)):
        kmf = KaplanMeierFitter().fit(sub["time_weeks"], sub["event"])
        for week in (48, 96):
            assert js["km"][arm][str(week)] == pytest.approx(float(kmf.predict(week)), abs=1e-6)

    tau = min(tr["time_weeks"].max(), co["time_weeks"].max())
    ref = {arm: survrm2_rmst1(sub["time_weeks"].to_numpy(), sub["event"].to_numpy(), tau)
           for arm, sub in (("Ocrelizumab", tr), ("Placebo", co))}
    for arm, (est, se) in ref.items():
        assert js["rmst"][arm]["estimate"] == pytest.approx(est, abs=1e-6)
        assert js["rmst"][arm]["se"] == pytest.approx(se, abs=1e-6)
    diff = ref["Ocrelizumab"][0] - ref["Placebo"][0]
    se = np.hypot(ref["Ocrelizumab"][1], ref["Placebo"][1])
    assert js["rmst_difference"]["tau"] == tau
    assert js["rmst_difference"]["estimate"] == pytest.approx(diff, abs=1e-6)
    assert js["rmst_difference"]["ci_low"] == pytest.approx(diff - 1.959963984540054 * se, abs=1e-6)

    risk = {a: 1 - float(KaplanMeierFitter().fit(s["time_weeks"], s["event"]).predict(96))
            for a, s in (("Ocrelizumab", tr), ("Placebo", co))}
    assert js["absolute"]["at_week"] == 96
    assert js["absolute"]["risk_treatment"] == pytest.approx(risk["Ocrelizumab"], abs=1e-6)
    assert js["absolute"]["nnt"] == pytest.approx(1 / (risk["Placebo"] - risk["Ocrelizumab"]), abs=1e-6)
    assert 0 <= js["ph_test"]["p"] <= 1


def test_fit_breslow_and_readable_output(events_csv):
    path, _ = events_csv
    out = runner.invoke(app, ["fit", str(path), "--endpoint", "CDP12", "--ties", "breslow", "--json"])
    assert json.loads(out.stdout)["cox"]["ties"] == "breslow"
    out = runner.invoke(app, ["fit", str(path), "--endpoint", "CDP12", "--treatment", "Ocrelizumab",
                              "--control", "Placebo", "--tau", "100"])
    assert out.exit_code == 0, out.output
    assert "Hazard ratio" in out.stdout and "RMST difference" in out.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--endpoint", "EDSS99"], "column 'endpoint': unknown endpoint 'EDSS99'"),
    (["--endpoint", "CDP24"], "column 'event': endpoint 'CDP24' has no events"),
    (["--endpoint", "CDP12", "--tau", "999"], "tau = 999 weeks is beyond the last follow-up"),
    (["--endpoint", "CDP12", "--treatment", "OCR"], "treatment arm 'OCR' not found"),
])
def test_fit_bad_input_one_line_exit_1(events_csv, args, message):
    path, _ = events_csv
    out = runner.invoke(app, ["fit", str(path), *args])
    assert out.exit_code == 2
    assert message in out.stderr and str(path) in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_fit_negative_time_names_file_column_and_rule(tmp_path, events_csv):
    _, df = events_csv
    bad = tmp_path / "bad.csv"
    df.assign(time_weeks=df["time_weeks"].where(df.index != 3, -5)).to_csv(bad, index=False)
    out = runner.invoke(app, ["fit", str(bad), "--endpoint", "CDP12"])
    assert out.exit_code == 2
    assert out.stderr.strip() == f"error: {bad}: column 'time_weeks': must not be negative; row 3 has -5"


def test_fit_labels_synthetic_events_from_their_sidecar(events_csv, tmp_path):
    """Numbers computed from `msevidence synth` output are labelled SYNTHETIC in the readable output."""
    _, df = events_csv
    df.to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "calibration.json").write_text(json.dumps(
        {"label": "SYNTHETIC data calibrated to X (seed 9)", "metadata": {"provenance": "synthetic"}}))
    res = runner.invoke(app, ["fit", str(tmp_path / "events.csv"), "--endpoint", "CDP12"])
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC data calibrated to X (seed 9)" in " ".join(res.stdout.split())
    plain = runner.invoke(app, ["fit", str(events_csv[0]), "--endpoint", "CDP12"])
    assert "SYNTHETIC" not in plain.stdout
