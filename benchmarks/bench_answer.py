"""Render time of the default report set before and after the typed answer (issue 18), in one run.

    .venv/bin/python benchmarks/bench_answer.py [BEFORE [AFTER]] [--keep DIR]   (defaults: e2b34eb HEAD)

Both revisions are exported with `git archive` and rendered with this checkout's interpreter (PYTHONPATH at the
revision's `src/`), in the order BEFORE, AFTER, AFTER, BEFORE so that a drift in machine load hits both alike.
Prints each wall time and CPU time (the command and every process it waited for: workers, kernels; CPU time is
what load on a shared machine disturbs least) and the ratios of the means (after / before). `--keep DIR` keeps the last AFTER pages.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_restructure import export  # noqa: E402  (one way to check out a revision)


def render(tree: Path, out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and every process it waited for: workers and kernels)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "MPLBACKEND": "Agg"}
    env.pop("MSEVIDENCE_EVIDENCE", None)
    r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    res = subprocess.run([str(BIN / "msevidence"), "report", "--set", "default", "--out", str(out)], cwd=tree,
                         env=env, capture_output=True, text=True)
    wall, r1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode:
        raise SystemExit(f"render failed in {tree}: {res.stderr[-500:]}")
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def main(argv: list[str]) -> None:
    keep = None
    if "--keep" in argv:
        i = argv.index("--keep")
        keep, argv = Path(argv[i + 1]), argv[:i] + argv[i + 2:]
    before, after = (argv + ["e2b34eb", "HEAD"][len(argv):])[:2]
    times: dict[str, list[tuple[float, float]]] = {before: [], after: []}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {}
        for rev in (before, after):
            trees[rev] = Path(tmp) / rev
            export(rev, trees[rev])
        for k, rev in enumerate((before, after, after, before)):
            out = Path(tmp) / f"out{k}"
            times[rev].append(render(trees[rev], out))
            wall, cpu = times[rev][-1]
            print(f"{rev}: default set rendered in {wall:.1f} s wall, {cpu:.1f} s CPU (load {os.getloadavg()[0]:.1f})",
                  flush=True)
            if keep and rev == after:
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(out, keep)
    for i, what in ((0, "wall"), (1, "CPU")):
        mb, ma = (sum(x[i] for x in times[r]) / len(times[r]) for r in (before, after))
        print(f"mean {what}: before {mb:.1f} s, after {ma:.1f} s; ratio after/before {ma / mb:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
