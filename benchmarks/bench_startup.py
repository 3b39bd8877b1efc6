"""Start-up of the command line: `msevidence --help`, `--version` and refusals of bad options, each in a fresh
process, against `python -c pass` measured in the same run (the machine's own floor).

Run: .venv/bin/python benchmarks/bench_startup.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

CASES = {
    "python -c pass (reference)": [sys.executable, "-c", "pass"],
    "msevidence --help": ["--help"],
    "msevidence --version": ["--version"],
    "refusal: fit --ties bad": ["fit", "events.csv", "--endpoint", "cdp12_edss", "--ties", "bad"],
    "refusal: walking --t25fw-range 5": ["walking", "visits.csv", "--t25fw-range", "5"],
    "refusal: synth --n-per-arm X": ["synth", "--trial", "ORATORIO", "--n-per-arm", "X"],
    "refusal: simulate --n-trials 0": ["simulate", "--trial", "ORATORIO", "--endpoint", "cdp12_edss",
                                       "--n-trials", "0"],
    "refusal: unknown option": ["list", "--no-such-option"],
}


def _command(args: list[str]) -> list[str]:
    if args[0] == sys.executable:
        return args
    return [sys.executable, "-c", "import sys; from msevidence.cli import main; main(sys.argv[1:])", *args]


def median_seconds(cmd: list[str], runs: int, cwd: str) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(runs: int = 15) -> None:
    with tempfile.TemporaryDirectory() as cwd:
        results = {name: median_seconds(_command(args), runs, cwd) for name, args in CASES.items()}
    floor = results["python -c pass (reference)"]
    print(f"median of {runs} runs, each in a new process (the console script does the same import and call)")
    for name, s in results.items():
        print(f"{name:36s} {s:6.3f} s   {s / floor:5.1f}x python -c pass")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
