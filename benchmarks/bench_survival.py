"""Timing of the hand-written KM, log-rank and RMST vs lifelines, measured in the same run.

Run: .venv/bin/python benchmarks/bench_survival.py
"""

from __future__ import annotations

import timeit
import warnings

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as ll_logrank
from lifelines.utils import restricted_mean_survival_time

from msevidence.models.survival import km_table, logrank_test, rmst_arm


def main(n: int = 20_000, repeat: int = 5) -> None:
    warnings.simplefilter("ignore")  # lifelines RMST variance integrates numerically and warns
    rng = np.random.default_rng(0)
    t = np.ceil(rng.exponential(150, n) / 12) * 12 + rng.integers(0, 3, n)
    e = rng.integers(0, 2, n)
    arm = np.where(rng.integers(0, 2, n) == 1, "OCR", "PBO")
    df = pd.DataFrame({"arm": arm, "time_weeks": t, "event": e})
    a, b = df[df["arm"] == "OCR"], df[df["arm"] == "PBO"]
    cases = {
        "KM table": (lambda: km_table(t, e), lambda: KaplanMeierFitter().fit(t, e)),
        "log-rank": (lambda: logrank_test(df), lambda: ll_logrank(a["time_weeks"], b["time_weeks"], a["event"], b["event"])),
        "RMST (+SE)": (lambda: rmst_arm(t, e, 200.0),
                       lambda: restricted_mean_survival_time(KaplanMeierFitter().fit(t, e), t=200.0, return_variance=True)),
    }
    print(f"n = {n}, best of {repeat}")
    for name, (ours, ref) in cases.items():
        t_ours = min(timeit.repeat(ours, number=1, repeat=repeat))
        t_ref = min(timeit.repeat(ref, number=1, repeat=repeat))
        print(f"{name:12s} msevidence {1e3 * t_ours:8.2f} ms   lifelines {1e3 * t_ref:8.2f} ms   ratio {t_ref / t_ours:6.1f}x")


if __name__ == "__main__":
    main()
