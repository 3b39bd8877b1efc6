"""Round trips of the Guyot reconstruction: simulate -> KM + numbers at risk -> digitize -> reconstruct -> refit.

Two designs over N simulated two-arm trials each (default 50; `python benchmarks/bench_reconstruct.py 100`):

1. curves that stop before the last printed at-risk time (the usual digitization: follow-up to week 120, the
   flat end not clicked, numbers at risk every 12 weeks to week 120, every fourth trial with one arm flat after
   week 40): |HR error| (median, 90th percentile), each trial's largest KM error against the true KM (median,
   maximum), the share of printed numbers at risk reproduced, events placed after the last click;
2. curves clicked to their end (heavy late censoring): |HR error| and the KM error at the reported times.

Record the figures in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time

from msevidence.reconstruct.validation import round_trip, round_trip_stops_early

LITERATURE = (
    "Guyot et al. 2012 (abstract, as read): no material systematic error, high reproducibility; accuracy "
    "excellent for survival probabilities and medians; reasonable HR accuracy only when numbers at risk or the "
    "total number of events are reported. IPDfromKM: its published accuracy figures were not verified here."
)


def stops_early(n: int) -> None:
    t0 = time.perf_counter()
    r = round_trip_stops_early(n)
    wall = time.perf_counter() - t0
    hr, km, km_any = r["abs_hr_error"], r["km_max_error"], r["km_max_error_any_time"]
    print(f"1. curves that stop before the last at-risk time: {n} simulated two-arm trials (300 per arm; last "
          f"click at weeks {r['last_click'].min():.1f}-{r['last_click'].max():.1f}, numbers at risk to week 120; "
          f"{int(r['flat_tail'].sum())} with one arm flat after week 40), {wall:.1f} s ({wall / n:.2f} s per trial)")
    print(f"  |HR error|: median {hr.median():.4f}, 90th pct {hr.quantile(0.9):.4f}, max {hr.max():.4f}")
    print(f"  largest KM error per trial (every week, both arms): median {km.median():.4f}, max {km.max():.4f}")
    print(f"  largest KM error per trial at any time (a step drawn a fraction of a pixel off counts in full): "
          f"median {km_any.median():.4f}, max {km_any.max():.4f}")
    print(f"  printed numbers at risk reproduced: {int(r['at_risk_reproduced'].sum())}/"
          f"{int(r['at_risk_printed'].sum())} (every printed time, both arms, including after the last click)")
    print(f"  events placed after the last click: {int(r['events_after_last_click'].sum())}")


def clicked_to_end(n: int) -> None:
    t0 = time.perf_counter()
    trials, km = round_trip(n)
    wall = time.perf_counter() - t0
    by_time = km.groupby("time_weeks")["abs_km_error"]
    print(f"2. curves clicked to their end: {n} simulated two-arm trials (300 per arm), {wall:.1f} s "
          f"({wall / n:.2f} s per trial)")
    print(f"  |HR error|: median {trials['abs_hr_error'].median():.4f}, 90th pct "
          f"{trials['abs_hr_error'].quantile(0.9):.4f}, max {trials['abs_hr_error'].max():.4f}")
    print(f"  |KM error| at reported times: worst median over times {by_time.median().max():.4f}, "
          f"worst 90th pct {by_time.quantile(0.9).max():.4f}, max {km['abs_km_error'].max():.4f}")
    print(f"  numbers at risk equal to the printed ones in {(trials['at_risk_max_difference'] == 0).sum()}/{n} "
          "trials (every reported time, both arms)")
    print(f"  events: median |reconstructed - true| "
          f"{(trials['events_reconstructed'] - trials['events_true']).abs().median():.0f}")


def main(n: int = 50) -> None:
    stops_early(n)
    clicked_to_end(n)
    print(f"literature: {LITERATURE}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
