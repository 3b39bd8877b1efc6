"""Time `make report` (the default set) and the whole test suite for two revisions, in one run.

    .venv/bin/python benchmarks/bench_restructure.py [BEFORE [AFTER]]   (defaults: b164ae4 HEAD)

Each revision is checked out into a temporary folder (`git worktree`-free: `git archive`), and run with this
checkout's `.venv` interpreter (PYTHONPATH pointing at the revision's `src/`), so both use the same packages. The
two revisions run one after the other on the same machine; the figures are wall times of one run each and their
ratio (after / before).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def export(rev: str, dest: Path) -> None:
    data = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="fully_trusted")


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    last = (res.stdout.strip().splitlines() or [""])[-1]
    return time.perf_counter() - t0, res.returncode, last


def main(before: str = "b164ae4", after: str = "HEAD") -> None:
    rows = []
    for rev in (before, after):
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "tree"
            export(rev, tree)
            env = {**os.environ, "PYTHONPATH": str(tree / "src"), "MPLBACKEND": "Agg"}
            env.pop("MSEVIDENCE_EVIDENCE", None)
            rep = timed([str(BIN / "msevidence"), "report", "--set", "default"], tree, env)
            tst = timed([str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"], tree, env)
            rows.append((rev, rep, tst))
            print(f"{rev}: make report {rep[0]:.1f} s (exit {rep[1]}); tests {tst[0]:.1f} s (exit {tst[1]}): {tst[2]}",
                  flush=True)
    (_, (r0, *_), (t0, *_)), (_, (r1, *_), (t1, *_)) = rows
    print(f"ratio after/before: report {r1 / r0:.2f}, tests {t1 / t0:.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
