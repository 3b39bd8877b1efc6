"""'Could not walk': synthetic walks stay within the protocol's time limit, the patient is recorded as unable beyond
it, and the T25FW summaries treat that as trials did (worse for confirmed worsening, left out of % change)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msevidence.data.visits import UNABLE_COLUMN, read_visits, walking_events
from msevidence.errors import TableError
from msevidence.evidence import load_evidence
from msevidence.models.walking import summarize_walking
from msevidence.synthetic import simulate_trial
from msevidence.synthetic.model import endpoints


@pytest.fixture(scope="module")
def ev():
    return load_evidence()


@pytest.fixture(scope="module")
def big(ev):
    """Enough synthetic patients that some pass the limit (the calibrated generator, a large trial)."""
    return simulate_trial("ORATORIO", seed=3, evidence=ev, n_per_arm={"OCR": 3000, "PBO": 3000})


def test_the_limit_is_a_documented_assumption(ev, big):
    a = ev["ORATORIO"].assumption("t25fw_time_limit_s")
    assert a.provenance == "assumption" and a.unit == "seconds" and "could not" in a.rationale
    assert big.metadata["assumptions"]["t25fw_time_limit_s"]["value"] == a.value


def test_synthetic_walks_stay_within_the_limit_and_unable_is_recorded_beyond_it(ev, big):
    limit = ev["ORATORIO"].assumption("t25fw_time_limit_s").value
    v = big.visits
    assert v["t25fw_s"].max() <= limit
    unable = v[v[UNABLE_COLUMN]]
    assert len(unable) > 0, "a large synthetic trial has patients who can no longer walk"
    assert unable["t25fw_s"].isna().all() and (unable["week"] > 0).all()
    # unable is kept: after a patient's first unable visit, every later assessed visit is unable too
    first = unable.groupby("patient_id")["week"].min()
    later = v[v["patient_id"].isin(first.index)].assign(first=lambda d: d["patient_id"].map(first))
    assert later.loc[later["week"] >= later["first"], UNABLE_COLUMN].all()
    assert len(read_visits(v, t25fw_range=(0.1, limit))) == len(v)


def test_a_protocol_range_accepts_the_synthetic_trial_at_its_published_size(ev):
    """`msevidence walking --t25fw-range 1,180` on the project's own synthetic visits (seed 1, as `make synth`)."""
    st = simulate_trial("ORATORIO", seed=1, evidence=ev)
    limit = st.metadata["assumptions"]["t25fw_time_limit_s"]["value"]
    assert len(read_visits(st.visits, t25fw_range=(1.0, limit))) == len(st.visits)


def test_unable_counts_as_confirmed_worsening_in_the_generator():
    weeks = np.array([0.0, 12.0, 24.0, 36.0])
    nan = np.nan
    sim = {"edss": np.array([[3.0, 3.0, 3.0, 3.0]] * 2),
           "t25fw_s": np.array([[8.0, 9.0, nan, nan], [8.0, 9.0, nan, nan]]),
           "t25fw_unable": np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, nan, nan]]),  # patient 2: visits missed
           "nhpt_s": np.array([[20.0] * 4] * 2)}
    out = endpoints(sim, weeks, "censor", only={"t25fw20_cp12"})
    time, event = out["t25fw20_cp12"]
    assert list(event) == [1, 0] and time[0] == 24.0  # unable at 24, confirmed unable at 36


def _visits(unable_rows: dict[tuple[str, int], bool], times: dict[tuple[str, int], float]) -> pd.DataFrame:
    rows = []
    for (pid, week), t in times.items():
        arm = "OCR" if pid.startswith("O") else "PBO"
        rows.append({"patient_id": pid, "arm": arm, "week": week, "edss": 4.0, "t25fw_s": t,
                     UNABLE_COLUMN: unable_rows.get((pid, week), False)})
    return pd.DataFrame(rows)


def _trial_visits() -> pd.DataFrame:
    nan = np.nan
    times = {}
    for i, pid in enumerate(["O1", "O2", "O3", "P1", "P2", "P3"]):
        base = 8.0 + i
        for week, factor in ((0, 1.0), (12, 1.1), (24, 1.25), (36, 1.3)):
            times[(pid, week)] = base * factor
    times[("P3", 24)] = times[("P3", 36)] = nan  # P3 could not walk from week 24
    return _visits({("P3", 24): True, ("P3", 36): True}, times)


def test_reader_accepts_the_unable_column_and_checks_it():
    v = read_visits(_trial_visits())
    assert v[UNABLE_COLUMN].dtype == bool and v[UNABLE_COLUMN].sum() == 2
    assert not read_visits(_trial_visits().drop(columns=UNABLE_COLUMN))[UNABLE_COLUMN].any()
    bad = _trial_visits()
    bad.loc[(bad["patient_id"] == "P3") & (bad["week"] == 24), "t25fw_s"] = 30.0
    with pytest.raises(TableError, match="could not walk has no walk time"):
        read_visits(bad)
    bad = _trial_visits()
    bad[UNABLE_COLUMN] = bad[UNABLE_COLUMN].astype(object)
    bad.loc[0, UNABLE_COLUMN] = "maybe"
    with pytest.raises(TableError, match="'maybe' is not true or false"):
        read_visits(bad)
    bad = _trial_visits()
    bad.loc[(bad["patient_id"] == "O1") & (bad["week"] == 0), [UNABLE_COLUMN, "t25fw_s"]] = [True, np.nan]
    with pytest.raises(TableError, match="t25fw_unable"):
        read_visits(bad)


def test_unable_is_worse_for_confirmed_worsening_and_left_out_of_the_percent_change():
    v = read_visits(_trial_visits())
    ev = walking_events(v).set_index(["patient_id", "endpoint"])
    assert ev.loc[("P3", "t25fw20_cp12"), "event"] == 1 and ev.loc[("P3", "t25fw20_cp12"), "time_weeks"] == 24
    assert ev.loc[("P3", "t25fw20_improved_cp12"), "event"] == 0
    res = summarize_walking(v, week=36, treatment="OCR", control="PBO")
    pbo = res.arm("PBO")
    assert pbo.n_unable == 1 and pbo.n == 2 and pbo.n_patients == 3
    # hand computation: P1 and P2 walk 30% slower at week 36; P3 has no time and is left out
    assert pbo.mean_pct_change == pytest.approx(30.0) and pbo.geometric_mean_pct_change == pytest.approx(30.0)
    # every PBO patient is confirmed >= 20% worse at week 24 (P3 through being unable at 24 and 36)
    assert pbo.worsened_20_confirmed_12w == pytest.approx(1.0)
    doc = res.to_json()
    assert doc["arms"]["PBO"]["n_unable"] == 1 and "leave them out" in doc["definitions"]["n_unable"]
