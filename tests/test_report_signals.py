"""Ctrl-C or SIGTERM sent to `msevidence report` alone, at random moments: it always ends, with its workers and
kernels, and leaves only whole pages (published ones complete, staging removed)."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import psutil
import pytest

MSEVIDENCE = Path(sys.executable).with_name("msevidence")
TRIES = 10
NOTEBOOK = """\
# %% tags=["parameters"]
value = 0

# %%
import time

time.sleep(0.3)
print(f"value is {value}")
"""


@pytest.fixture
def report_set(tmp_path: Path) -> Path:
    nb = tmp_path / "tiny.ipynb"
    jupytext.write(jupytext.reads(NOTEBOOK, fmt="py:percent"), nb)
    f = tmp_path / "tiny.yaml"
    f.write_text("runs:\n" + "".join(f"  - {{name: r{i}, notebook: {nb}, parameters: {{value: {i}}}, "
                                     "audience: lay}\n" for i in range(2)))
    return f


def _kernels(tree: dict[int, psutil.Process]) -> int:
    n = 0
    for p in list(tree.values()):
        with contextlib.suppress(psutil.Error):
            n += "ipykernel" in " ".join(p.cmdline())
    return n


def _watch(p: subprocess.Popen, tree: dict[int, psutil.Process], until: float, kernels: int = 0) -> None:
    """Record every descendant of `p` until `until` (or until `kernels` kernels were seen, if given)."""
    while time.monotonic() < until and p.poll() is None:
        try:
            for c in psutil.Process(p.pid).children(recursive=True):
                tree.setdefault(c.pid, c)
        except psutil.NoSuchProcess:
            return
        if kernels and _kernels(tree) >= kernels:
            return
        time.sleep(0.05)


def _alive(procs, timeout: float) -> list[psutil.Process]:
    end = time.monotonic() + timeout
    while True:
        alive = [q for q in procs if q.is_running() and q.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.1)


def _whole_pages(set_dir: Path) -> list[str]:
    """Problems with what a reader can open: staging or temporary files left, a page cut short, a broken link."""
    if not set_dir.exists():
        return []
    problems = [str(f) for f in set_dir.rglob(".staging-*")] + [str(f) for f in set_dir.rglob(".*.tmp-*")]
    for page in set_dir.glob("*.html"):
        if not page.read_text(encoding="utf-8").rstrip().endswith("</html>"):
            problems.append(f"{page.name} is cut short")
    manifest = set_dir / "manifest.json"
    if manifest.exists():
        for run in json.loads(manifest.read_text())["runs"]:
            problems += [f"{run['name']}: {f} listed but missing" for f in run["outputs"].values()
                         if not (set_dir / f).is_file()]
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("i", range(TRIES))
def test_random_interrupts_end_the_runner_and_its_kernels_and_leave_whole_pages(i, report_set, tmp_path):
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    # one try per test: SIGINT on even tries, SIGTERM on odd ones; tries 2 and 6 wait for a kernel to run
    out = tmp_path / "out"
    sig = signal.SIGINT if i % 2 == 0 else signal.SIGTERM
    p = subprocess.Popen([str(MSEVIDENCE), "report", "--set", str(report_set), "--out", str(out), "--workers",
                          "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)  # so the signal reaches the runner alone
    tree: dict[int, psutil.Process] = {}
    if i % 10 in (2, 6):  # two tries in ten: once a kernel runs, at a random moment of its work
        _watch(p, tree, time.monotonic() + 60, kernels=1)
        _watch(p, tree, time.monotonic() + rng.uniform(0.0, 1.0))
    else:  # the others at a random moment from start-up on (imports, lock, pool start, kernels, publishing)
        _watch(p, tree, time.monotonic() + rng.uniform(0.3, 3.5))
    where = f"try {i} (seed {seed}, {sig.name}, {len(tree)} descendants, {_kernels(tree)} kernels seen)"
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        p.kill()
        for q in tree.values():
            q.kill()
        pytest.fail(f"{where}: the runner was still alive 15 s after the signal")
    assert p.returncode in (0, 130, -sig), f"{where}: exit code {p.returncode}\n{err[-2000:]}"
    assert _alive(tree.values(), timeout=5) == [], f"{where}: processes outlived the runner"
    assert _whole_pages(out / "tiny") == [], where
    if p.returncode == 130:
        assert "Traceback" not in err, f"{where}\n{err[-2000:]}"


def test_kill_tree_kills_grandchildren_and_leaves_our_children_for_us_to_reap():
    """The cause of the runner that said "stopped" and stayed: the pool's workers were reaped by psutil, so
    ``multiprocessing`` (whose wait then fails) believed them alive forever and its manager thread never ended."""
    from msevidence.reports.guard import kill_tree

    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); " \
             "time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", script])
    end = time.monotonic() + 30
    while not (grandchildren := psutil.Process(child.pid).children()) and time.monotonic() < end:
        time.sleep(0.05)
    assert grandchildren, "the child did not start its own child"
    kill_tree([child.pid])
    assert _alive(grandchildren, timeout=5) == []  # the kernel-like grandchild is dead
    assert child.wait(timeout=5) == -signal.SIGKILL  # and the child is still ours to reap, with its exit status
