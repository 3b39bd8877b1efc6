"""Round trip of the Guyot reconstruction: simulate -> KM + numbers at risk -> digitize -> reconstruct -> refit.

Prints, over N simulated two-arm trials (default 50; `python benchmarks/bench_reconstruct.py 100`), the
absolute HR error, the KM error at every reported time and the at-risk agreement, with time per trial.
Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time

from msevidence.reconstruct.validation import round_trip

LITERATURE = (
    "Guyot et al. 2012 (abstract, as read): no material systematic error, high reproducibility; accuracy "
    "excellent for survival probabilities and medians; reasonable HR accuracy only when numbers at risk or the "
    "total number of events are reported. IPDfromKM: its published accuracy figures were not verified here."
)


def main(n: int = 50) -> None:
    t0 = time.perf_counter()
    trials, km = round_trip(n)
    wall = time.perf_counter() - t0
    by_time = km.groupby("time_weeks")["abs_km_error"]
    print(f"round trip over {n} simulated two-arm trials (300 per arm), {wall:.1f} s ({wall / n:.2f} s per trial)")
    print(f"  |HR error|: median {trials['abs_hr_error'].median():.4f}, 90th pct "
          f"{trials['abs_hr_error'].quantile(0.9):.4f}, max {trials['abs_hr_error'].max():.4f}")
    print(f"  |KM error| at reported times: worst median over times {by_time.median().max():.4f}, "
          f"worst 90th pct {by_time.quantile(0.9).max():.4f}, max {km['abs_km_error'].max():.4f}")
    print(f"  numbers at risk equal to the printed ones in {(trials['at_risk_max_difference'] == 0).sum()}/{n} "
          "trials (every reported time, both arms)")
    print(f"  events: median |reconstructed - true| "
          f"{(trials['events_reconstructed'] - trials['events_true']).abs().median():.0f}")
    print(f"  literature: {LITERATURE}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
