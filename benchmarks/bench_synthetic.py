"""Time per synthetic ORATORIO replicate (simulation + all 8 endpoints) and per calibration evaluation.

Run: .venv/bin/python benchmarks/bench_synthetic.py
"""

from __future__ import annotations

import time

import numpy as np

import msevidence
from msevidence.synthetic.cache import load_or_calibrate
from msevidence.synthetic.design import assumptions_for, design_for
from msevidence.synthetic.model import GeneratorParams, draws, endpoints, simulate
from msevidence.synthetic.solver import _setup


def main(n_rep: int = 20) -> None:
    ev = msevidence.load_evidence()
    tr = ev["ORATORIO"]
    gp = GeneratorParams()
    cal = load_or_calibrate(tr, ev, gp).calibrated
    a_full = assumptions_for(tr, ev)
    a = {k: v["value"] for k, v in a_full.items()}
    design, _ = design_for(tr, a_full)
    treated = np.repeat([False, True], design.n)
    t0 = time.perf_counter()
    for seed in range(n_rep):
        d = draws(np.random.default_rng(seed), len(treated), len(design.weeks))
        endpoints(simulate(d, treated, design, cal, gp, a), design.weeks, design.unconfirmed)
    per_rep = (time.perf_counter() - t0) / n_rep
    s = _setup(design, gp.replicates)
    t0 = time.perf_counter()
    sim = simulate(s.draws, s.treated, design, cal, gp, a)
    endpoints(sim, design.weeks, design.unconfirmed, only={"cdp12_edss", "cdp24_edss"})
    per_eval = time.perf_counter() - t0
    print(f"one ORATORIO replicate ({sum(design.n)} patients x {len(design.weeks)} visits, 8 endpoints): "
          f"{per_rep * 1000:.1f} ms")
    print(f"one calibration evaluation ({gp.replicates} replicates, EDSS endpoints, no Cox): {per_eval * 1000:.0f} ms")


if __name__ == "__main__":
    main()
