"""Batched many-trial engine against lifelines; calibration from scratch before and after (issue 12).

    .venv/bin/python benchmarks/bench_simulate.py [--trials 10000] [--lifelines-subset 100] [--rows 1000000]
                                                  [--baseline-commit 2220a59] [--skip-calibration]

1. `--trials` ORATORIO-sized SYNTHETIC trials (732 patients, 2:1): simulation + Cox (Efron) + log-rank through
   `msevidence.designs`, against a loop of lifelines CoxPHFitter + logrank_test on `--lifelines-subset` of the
   same trials, extrapolated; every log HR of a subset checked against statsmodels PHReg (max relative diff).
2. A `--rows`-row treatment-only Cox fit: `msevidence.models.survival.CoxPH` (what `msevidence fit` uses)
   against lifelines CoxPHFitter on the same rows; and the whole `analyze` (what `msevidence fit` runs).
3. Calibration of ORATORIO from scratch (no cache): the code at `--baseline-commit` (extracted with git archive,
   run in a subprocess) and the current code, one after the other in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CALIBRATE = """
import importlib, json, sys, time
from msevidence.evidence import load_evidence
ev = load_evidence()
mod = importlib.import_module("msevidence.synthetic.calibrate")
t0 = time.perf_counter(); res = mod.calibrate(ev["ORATORIO"], ev); dt = time.perf_counter() - t0
res = res if isinstance(res, dict) else res.to_dict()
print(json.dumps({"seconds": dt, "calibrated": res["calibrated"],
                  "table": {r["target"]: r.get("achieved_mean") for r in res["table"]}}))
"""


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def many_trials(n_trials: int, subset: int) -> dict:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test
    from statsmodels.duration.hazard_regression import PHReg

    from msevidence.designs import design_from_trial, operating_characteristics
    from msevidence.designs.operating import chunk_rng
    from msevidence.models.survival.batched import fit_many

    design = design_from_trial("ORATORIO", "cdp12_edss")
    assert design.n == 732
    t_engine, oc = best(lambda: operating_characteristics(design, n_trials, seed=1), repeat=3)
    print(f"[1] {n_trials} ORATORIO-sized trials ({design.n_control}:{design.n_treated}), simulate + Cox + "
          f"log-rank: {t_engine:.2f} s (best of 3); power {oc.power:.3f}, mean HR {oc.mean_hr:.3f}")
    t, e, x = design.simulate(chunk_rng(1, 0, 0), subset)
    rows = [pd.DataFrame({"T": t[i].astype(float), "E": e[i].astype(int), "x": x[i].astype(float)})
            for i in range(subset)]
    t0 = time.perf_counter()
    ll_beta = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, df in enumerate(rows):
            ll_beta.append(CoxPHFitter().fit(df, "T", "E").params_["x"])
            logrank_test(t[i][x[i]], t[i][~x[i]], e[i][x[i]], e[i][~x[i]])
    per_trial = (time.perf_counter() - t0) / subset
    t_lifelines = per_trial * n_trials
    print(f"    lifelines loop (CoxPHFitter + logrank_test): {1000 * per_trial:.1f} ms per trial on {subset} trials "
          f"-> {t_lifelines:.0f} s extrapolated to {n_trials}; ratio {t_lifelines / t_engine:.0f}x")
    r = fit_many(t, e, x)
    ref = np.array([PHReg(t[i].astype(float), x[i][:, None].astype(float), status=e[i].astype(int),
                          ties="efron").fit().params[0] for i in range(subset)])
    rel = float(np.max(np.abs(r.log_hr - ref) / np.abs(ref)))
    rel_ll = float(np.max(np.abs(r.log_hr - np.array(ll_beta)) / np.abs(ref)))
    print(f"    max relative difference of log HR vs statsmodels PHReg on {subset} trials: {rel:.1e} "
          f"(vs lifelines: {rel_ll:.1e})")
    return {"trials": n_trials, "engine_s": t_engine, "lifelines_ms_per_trial": 1000 * per_trial,
            "lifelines_extrapolated_s": t_lifelines, "ratio": t_lifelines / t_engine, "max_rel_vs_phreg": rel}


def big_fit(n_rows: int) -> dict:
    from lifelines import CoxPHFitter

    from msevidence.designs import design_from_trial
    from msevidence.designs.operating import chunk_rng
    from msevidence.models.survival import CoxPH, analyze

    design = design_from_trial("ORATORIO", "cdp12_edss").with_total(n_rows)
    t, e, x = design.simulate(chunk_rng(2, 0, 0), 1)
    events = pd.DataFrame({"patient_id": np.arange(n_rows), "arm": np.where(x[0], "OCR", "PBO"),
                           "endpoint": "cdp12_edss", "time_weeks": t[0].astype(float), "event": e[0].astype(int)})
    t_ours, cox = best(lambda: CoxPH().fit(events, "OCR", "PBO"), repeat=3)
    df = pd.DataFrame({"T": events["time_weeks"], "E": events["event"], "x": x[0].astype(float)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_ll, ll = best(lambda: CoxPHFitter().fit(df, "T", "E"), repeat=1)
    t_analyze, _ = best(lambda: analyze(events, "cdp12_edss", treatment="OCR", control="PBO"), repeat=1)
    diff = abs(cox.result_.log_hr - ll.params_["x"]) / abs(ll.params_["x"])
    print(f"[2] {n_rows:,}-row treatment-only Cox fit: msevidence {t_ours:.3f} s (best of 3), lifelines "
          f"CoxPHFitter {t_ll:.2f} s; ratio {t_ll / t_ours:.0f}x; log HR relative difference {diff:.1e}")
    print(f"    whole analysis as `msevidence fit` runs it (KM, log-rank, Cox, PH test, RMST, absolute): "
          f"{t_analyze:.2f} s")
    return {"rows": n_rows, "msevidence_s": t_ours, "lifelines_s": t_ll, "ratio": t_ll / t_ours,
            "analyze_s": t_analyze}


def calibration(baseline: str, repeats: int = 2) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(f"git -C {ROOT} archive {baseline} src | tar -x -C {tmp}", shell=True, check=True)
        env = {**os.environ, "MSEVIDENCE_HOME": str(ROOT), "MSEVIDENCE_CACHE": str(Path(tmp) / "cache")}
        out: dict[str, dict] = {}
        for _ in range(repeats):  # interleaved, best of `repeats` each (the machine's load varies)
            for label, path in ((f"before ({baseline})", str(Path(tmp) / "src")),
                                ("after (this tree)", str(ROOT / "src"))):
                proc = subprocess.run([sys.executable, "-c", CALIBRATE], env={**env, "PYTHONPATH": path},
                                      capture_output=True, text=True, check=True)
                got = json.loads(proc.stdout.strip().splitlines()[-1])
                print(f"    {label}: {got['seconds']:.1f} s", flush=True)
                if label not in out or got["seconds"] < out[label]["seconds"]:
                    out[label] = got
    (b, before), (a, after) = out.items()
    moved = {k: after["table"][k] - v for k, v in before["table"].items()
             if v is not None and after["table"].get(k) is not None}
    print(f"[3] ORATORIO calibration from scratch (best of {repeats}): {b} {before['seconds']:.1f} s, {a} "
          f"{after['seconds']:.1f} s; "
          f"ratio {before['seconds'] / after['seconds']:.1f}x; largest change of an achieved value "
          f"{max(abs(v) for v in moved.values()):.1e}")
    return {"before_s": before["seconds"], "after_s": after["seconds"],
            "ratio": before["seconds"] / after["seconds"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trials", type=int, default=10_000)
    p.add_argument("--lifelines-subset", type=int, default=100)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--baseline-commit", default="2220a59")
    p.add_argument("--skip-calibration", action="store_true")
    p.add_argument("--calibration-repeats", type=int, default=2)
    p.add_argument("--only-calibration", action="store_true")
    args = p.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    if not args.only_calibration:
        many_trials(args.trials, args.lifelines_subset)
        big_fit(args.rows)
    if not args.skip_calibration:
        calibration(args.baseline_commit, args.calibration_repeats)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
