"""Guyot reconstruction checked by a round trip: IPD -> KM + numbers at risk -> reconstructed IPD."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter

from msevidence.reconstruct.guyot import ReconstructionError, reconstruct_ipd


def _arm(rng, n, hazard, arm):
    t = rng.exponential(1 / hazard, n)
    c = rng.uniform(100, 200, n)
    return pd.DataFrame({"arm": arm, "time_weeks": np.minimum(t, c), "event": (t <= c).astype(int)})


def _digitize(ipd):
    km = KaplanMeierFitter().fit(ipd["time_weeks"], ipd["event"])
    curve = km.survival_function_.reset_index()
    curve.columns = ["time_weeks", "survival"]
    grid = np.arange(0, 200, 12.0)
    at_risk = pd.DataFrame({"time_weeks": grid,
                            "n_at_risk": [(ipd["time_weeks"] >= g).sum() for g in grid]})
    return curve, at_risk[at_risk["n_at_risk"] > 0], km


@pytest.fixture(scope="module")
def trial():
    rng = np.random.default_rng(3)
    return pd.concat([_arm(rng, 400, 0.004, "OCR"), _arm(rng, 200, 0.006, "PBO")], ignore_index=True)


def test_round_trip_km_and_hr(trial):
    rebuilt = []
    for arm, ipd in trial.groupby("arm"):
        curve, at_risk, km = _digitize(ipd)
        rec = reconstruct_ipd(curve, at_risk, arm=arm, endpoint="cdp12_edss")
        assert len(rec) == len(ipd)
        km2 = KaplanMeierFitter().fit(rec["time_weeks"], rec["event"])
        grid = np.arange(0, 190, 6.0)
        assert np.max(np.abs(km.survival_function_at_times(grid).to_numpy()
                             - km2.survival_function_at_times(grid).to_numpy())) < 0.01
        assert abs(rec["event"].sum() - ipd["event"].sum()) <= 0.03 * ipd["event"].sum() + 1
        rebuilt.append(rec)
    rec = pd.concat(rebuilt)

    def hr(df):
        d = df.assign(trt=(df["arm"] == "OCR").astype(int))[["time_weeks", "event", "trt"]]
        return float(np.exp(CoxPHFitter().fit(d, "time_weeks", "event").params_["trt"]))

    assert hr(rec) == pytest.approx(hr(trial), abs=0.03)


def test_digitizing_noise_is_monotonised(trial):
    ipd = trial[trial["arm"] == "PBO"]
    curve, at_risk, _ = _digitize(ipd)
    noisy = curve.assign(survival=np.clip(curve["survival"] + np.random.default_rng(0).normal(0, 0.003, len(curve)),
                                          0, 1))
    rec = reconstruct_ipd(noisy, at_risk, arm="PBO")
    assert len(rec) == len(ipd)
    assert set(rec["event"].unique()) <= {0, 1}


@pytest.mark.parametrize(("at_risk", "message"), [
    (pd.DataFrame({"time_weeks": [12, 24], "n_at_risk": [10, 8]}), "start at time_weeks 0"),
    (pd.DataFrame({"time_weeks": [0, 12], "n_at_risk": [10, 12]}), "never increase"),
    (pd.DataFrame({"time": [0], "n": [10]}), "columns time_weeks, n_at_risk"),
])
def test_bad_inputs_are_named(at_risk, message):
    curve = pd.DataFrame({"time_weeks": [0, 10, 20], "survival": [1, 0.9, 0.8]})
    with pytest.raises(ReconstructionError, match=message):
        reconstruct_ipd(curve, at_risk)
