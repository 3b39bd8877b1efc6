"""Start-up of the command line: `msevidence --help`, `--version` and refusals of bad options, each in a fresh
process, against `python -c pass` measured in the same run (the machine's own floor).

Run: .venv/bin/python benchmarks/bench_startup.py [RUNS] [--compare OTHER_CHECKOUT]
With --compare, the other checkout's source (e.g. the commit before a change) is timed in the same run, the two
alternating run by run so that both see the same load.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = {
    "python -c pass (reference)": None,
    "msevidence --help": ["--help"],
    "msevidence --version": ["--version"],
    "refusal: fit --ties bad": ["fit", "events.csv", "--endpoint", "cdp12_edss", "--ties", "bad"],
    "refusal: walking --t25fw-range 5": ["walking", "visits.csv", "--t25fw-range", "5"],
    "refusal: synth --n-per-arm X": ["synth", "--trial", "ORATORIO", "--n-per-arm", "X"],
    "refusal: simulate --n-trials 0": ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss",
                                       "--n-trials", "0"],
    "refusal: unknown option": ["list", "--no-such-option"],
    "reads the store: list --trial ORATORIO": ["list", "--trial", "ORATORIO"],
    "refusal after the store: synth --trial NOPE": ["synth", "--trial", "NOPE"],
}
MAIN = "from msevidence.console import main; main()"  # what the console script runs


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _seconds(cmd: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; CPU time depends less on what else the machine is doing."""
    t0, c0 = time.perf_counter(), _cpu()
    subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0, _cpu() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="?", type=int, default=15)
    parser.add_argument("--compare", type=Path, help="another checkout whose src/ is timed alongside")
    args = parser.parse_args()
    trees = {"this tree": os.environ.copy()}
    if args.compare:
        trees[f"{args.compare}"] = os.environ | {"PYTHONPATH": str(args.compare.resolve() / "src")}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(args.runs):
            for case, words in CASES.items():
                for tree, env in trees.items():
                    cmd = [sys.executable, "-c", "pass"] if words is None else [sys.executable, "-c", MAIN, *words]
                    times.setdefault((case, tree), []).append(_seconds(cmd, cwd, env))
    print(f"median of {args.runs} runs, each in a new process; load average at the end: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for tree in trees:
        floor = statistics.median(w for w, _ in times[("python -c pass (reference)", tree)])
        print(f"-- {tree}: wall (x python -c pass), CPU")
        for case in CASES:
            wall = statistics.median(w for w, _ in times[(case, tree)])
            cpu = statistics.median(c for _, c in times[(case, tree)])
            print(f"{case:44s} {wall:6.3f} s ({wall / floor:5.1f}x)   CPU {cpu:6.3f} s")


if __name__ == "__main__":
    main()
