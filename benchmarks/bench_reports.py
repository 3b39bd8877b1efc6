"""Time to render the default report set vs executing the same number of notebooks that only import the stack.

Usage: .venv/bin/python benchmarks/bench_reports.py [--workers N]
The difference is the cost of the reports themselves (simulation, models, figures, HTML); the baseline is the
fixed cost of papermill, a kernel start and the imports.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import jupytext

from msevidence import reports

IMPORTS_ONLY = """\
# %% tags=["parameters"]
trial = "ORATORIO"  # unused

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import lifelines
import statsmodels.api as sm

import msevidence as mse
from msevidence import narrative, reports
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    rs = reports.load_report_set("default")
    n_runs, n_html = len(rs.runs), sum(len(r.audiences()) for r in rs.runs)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        res = reports.render(rs, out=tmp / "default", workers=args.workers)
        t_default = time.perf_counter() - t0
        nb = tmp / "imports_only.ipynb"
        jupytext.write(jupytext.reads(IMPORTS_ONLY, fmt="py:percent"), nb)
        base = reports.ReportSet(name="baseline", runs=[
            reports.Run(name=f"imports-{i}", notebook=str(nb), audience=r.audience) for i, r in enumerate(rs.runs)])
        t0 = time.perf_counter()
        reports.render(base, out=tmp / "baseline", workers=args.workers)
        t_base = time.perf_counter() - t0
    print(f"cores: {os.cpu_count()}, workers: {args.workers}")
    print(f"default set: {n_runs} notebooks, {n_html} HTML files, "
          f"{sum(r.status == 'ok' for r in res)} ok: {t_default:.1f} s wall")
    for r in res:
        print(f"  {r.name}: {r.duration_s:.1f} s")
    print(f"baseline ({n_runs} import-only notebooks, same audiences): {t_base:.1f} s wall")
    print(f"cost of the reports themselves: {t_default - t_base:.1f} s")


if __name__ == "__main__":
    main()
