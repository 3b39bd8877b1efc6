"""Executing a report set: papermill in a few worker processes, staging, and atomic publishing.

A set renders into its own folder, ``<out>/<set>/``; ``<out>/index.html`` lists every set there. Outputs are
written to a staging folder and moved into place with :func:`os.replace`, so a failed or interrupted run never
replaces a previous good report; the set's manifest is updated after each published run, so it always agrees
with the pages. One render at a time per output folder (:func:`msevidence.reports.guard.output_lock`); Ctrl-C
and SIGTERM kill the workers and their kernels and remove staging; staging left by a killed run is removed by
the next one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from msevidence import paths
from msevidence.errors import OutputError, ReportSetError
from msevidence.evidence import load_evidence
from msevidence.presentation.record import recorded
from msevidence.reports.config import (
    KERNEL_NAME,
    ReportSet,
    effective_parameters,
    load_report_set,
    notebook_path,
)
from msevidence.reports.guard import (
    STAGING_PREFIX,
    clean_stale,
    kill_tree,
    output_lock,
    prepare_output,
    signals_deferred,
    sigterm_as_interrupt,
    worker_init,
)
from msevidence.reports.html import to_html
from msevidence.reports.manifest import RunResult, load_manifest, write_manifest, write_top_index

SET_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
# A kernel that exits before its first reply ran nothing: two kernels starting at once can be given the same free
# TCP port (jupyter_client picks ports, then the kernel binds them), and the loser dies with "Address already in
# use". Such a start is tried again, up to this many times in all; any later failure is the page's error.
KERNEL_START_TRIES = 3
DIED_AT_START = "Kernel died before replying to kernel_info"


def _execute(job: dict[str, Any]) -> dict[str, Any]:
    """Worker: execute one notebook into the staging folder and convert it; never raises."""
    import papermill as pm

    from msevidence.reports.kernel import RunnerKernelManager

    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # Agg-based, PNG inline
    stage, name = Path(job["stage"]), job["name"]
    out_nb = stage / f"{name}.ipynb"
    started, t0 = dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), time.perf_counter()
    for _ in range(KERNEL_START_TRIES):
        error = None
        try:
            pm.execute_notebook(job["notebook"], str(out_nb), parameters=job["parameters"], kernel_name=KERNEL_NAME,
                                language="python", progress_bar=False, cwd=str(stage),
                                execution_timeout=job["timeout"], kernel_manager_class=RunnerKernelManager)
        except pm.PapermillExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}".strip()
        except Exception as exc:  # noqa: BLE001 - any failure is reported in the index, not raised
            error = f"{type(exc).__name__}: {exc}"
            if DIED_AT_START in str(exc):
                continue
        break
    outputs: dict[str, str] = {}
    values: dict[str, Any] = {}
    if out_nb.is_file():
        outputs["notebook"] = out_nb.name
        try:
            values = recorded(out_nb)
            audiences = job["audiences"] if error is None else ["analyst"]
            for aud in audiences:
                f = stage / f"{name}.{aud}.html"
                f.write_text(to_html(out_nb, aud, job["title"]), encoding="utf-8")
                outputs[aud] = f.name
        except Exception as exc:  # noqa: BLE001
            error = error or f"HTML conversion failed: {type(exc).__name__}: {exc}"
    return {"name": name, "status": "ok" if error is None else "failed", "error": error, "outputs": outputs,
            "recorded": values, "started": started, "duration_s": round(time.perf_counter() - t0, 2)}


def _serve(conn: Connection) -> None:
    """Worker process: execute the jobs received on `conn` until it is closed or sends None."""
    worker_init()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(_execute(job))


class _Workers:
    """Worker processes (spawned, so no state is shared with the parent), each fed over its own pipe."""

    def __init__(self) -> None:
        self.ctx, self.idle, self.busy = get_context("spawn"), [], {}
        self.procs: list[Any] = []

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        with signals_deferred():  # a process is recorded as soon as it exists, or not started at all
            p = self.ctx.Process(target=_serve, args=(child,), daemon=True, name="msevidence-report")
            p.start()
            self.procs.append(p)
        child.close()
        self.idle.append((p, parent))

    def send(self, job: dict[str, Any]) -> None:
        p, conn = self.idle.pop()
        conn.send(job)
        self.busy[conn] = (p, job, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), time.perf_counter())

    def results(self) -> Iterable[dict[str, Any]]:
        """Results as they arrive; a worker that died fails its job and is replaced."""
        for conn in wait(list(self.busy)):
            p, job, started, t0 = self.busy.pop(conn)
            try:
                res = conn.recv()
                self.idle.append((p, conn))
            except EOFError:
                p.join()
                res = {"name": job["name"], "status": "failed", "outputs": {}, "recorded": {}, "started": started,
                       "duration_s": round(time.perf_counter() - t0, 2),
                       "error": f"the worker process ended unexpectedly (exit code {p.exitcode})"}
                self.start()
            yield res

    def close(self) -> None:
        for _, conn in self.idle:
            conn.send(None)
        for p in self.procs:
            p.join(timeout=10)
        self.kill()

    def kill(self) -> None:
        """Kill every worker and kernel now, then reap the workers."""
        kill_tree([p.pid for p in self.procs if p.exitcode is None])  # not reaped yet: the pid is still ours
        for p in self.procs:
            p.join()


def _publish(res: dict[str, Any], stage: Path, out: Path) -> dict[str, str]:
    """Move a run's staged files into `out` atomically; a failed run only writes ``<name>.failed.*``."""
    name, moved = res["name"], {}
    for f in out.glob(f"{name}.failed.*"):
        f.unlink()
    for kind, fname in res["outputs"].items():
        ext = fname.split(".", 1)[1]
        target = f"{name}.{ext}" if res["status"] == "ok" else f"{name}.failed.{ext}"
        try:
            os.replace(stage / fname, out / target)
        except OSError as exc:
            raise OutputError.from_os(out / target, exc) from None
        moved[kind] = target
    return moved


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def render(report_set: ReportSet | str | Path = "default", *, audience: str | None = None,
           workers: int | None = None, out: str | Path | None = None, only: Iterable[str] | None = None,
           timeout: int = 600, on_done: Callable[[RunResult], None] | None = None,
           on_message: Callable[[str], None] | None = None) -> list[RunResult]:
    """Execute the runs of a report set in parallel into ``<out>/<set>/``; update its manifest and index and
    the top index of `out` (every set rendered there).

    `audience` overrides each run's audience; `only` selects runs by name. Returns one result per run; a
    failed run does not stop the others (check ``status``). `on_message` receives waiting and recovery notices
    (default: stderr).
    """
    rs = report_set if isinstance(report_set, ReportSet) else load_report_set(report_set)
    if not SET_NAME.match(rs.name):
        raise ReportSetError(f"{rs.path or rs.name}: set name {rs.name!r} must use letters, digits, - and _ "
                             "(rule: a set's name is its output folder)")
    runs = rs.runs
    if only:
        only = list(only)
        unknown = sorted(set(only) - {r.name for r in runs})
        if unknown:
            raise ReportSetError(f"{rs.path or rs.name}: no run named {', '.join(unknown)} "
                                 f"(runs: {', '.join(r.name for r in runs)})")
        runs = [r for r in runs if r.name in only]
    if audience is not None:
        runs = [r.model_copy(update={"audience": audience}) for r in runs]
    say = on_message or _stderr
    load_evidence()  # invalid evidence is one clear error now, not a failure inside every notebook
    root = prepare_output(Path(out or paths.output_dir()))
    base = Path(rs.path).resolve().parent.parent if rs.path else paths.home()
    with output_lock(root, say), sigterm_as_interrupt():
        stale = clean_stale(root)
        if stale:
            say(f"removed {stale} staging folder(s) left in {root} by an interrupted run")
        set_dir = root / rs.name
        try:
            set_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError.from_os(set_dir, exc, "cannot create the set's folder") from None
        load_manifest(set_dir, rs.name, say)  # a corrupt manifest is rebuilt before anything is published
        write_top_index(root, say)
        try:
            stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=set_dir))
        except OSError as exc:
            raise OutputError.from_os(set_dir, exc, "cannot create the staging folder") from None
        results = _run_all(rs, runs, base, stage, set_dir, root, workers, timeout, on_done, say)
    return results


def _run_all(rs: ReportSet, runs, base: Path, stage: Path, set_dir: Path, root: Path, workers: int | None,
             timeout: int, on_done, say) -> list[RunResult]:
    t0 = time.perf_counter()
    results: list[RunResult] = []
    jobs = {r.name: {"name": r.name, "notebook": str(notebook_path(r.notebook, base)), "stage": str(stage),
                     "parameters": r.parameters, "audiences": r.audiences(), "title": r.title or r.name,
                     "timeout": timeout} for r in runs}
    n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    order = [r.name for r in runs]
    pending = [jobs[name] for name in order]
    pool = _Workers()
    try:
        for _ in range(n):
            pool.start()
        while pending or pool.busy:
            while pending and pool.idle:
                pool.send(pending.pop(0))
            for res in pool.results():
                run = next(r for r in runs if r.name == res["name"])
                res["outputs"] = _publish(res, stage, set_dir)
                rr = RunResult(name=run.name, notebook=run.notebook, title=run.title or run.name,
                               parameters=run.parameters, audiences=run.audiences(), status=res["status"],
                               duration_s=res["duration_s"], started=res["started"], error=res["error"],
                               outputs=res["outputs"], recorded=res["recorded"],
                               effective_parameters=effective_parameters(jobs[run.name]["notebook"], run.parameters))
                results.append(rr)
                results.sort(key=lambda r: order.index(r.name))
                write_manifest(rs, results, set_dir, wall_s=time.perf_counter() - t0, workers=n, say=say)
                write_top_index(root, say)
                if on_done:
                    on_done(rr)
        pool.close()
    except BaseException as exc:  # Ctrl-C, SIGTERM or an output error: stop every worker and kernel now
        with signals_deferred(reraise=False):  # a second Ctrl-C does not interrupt the cleanup
            pool.kill()
            shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            say(f"stopped: workers and kernels ended, staging removed; {len(results)} of {len(runs)} runs were "
                f"published and are listed in {set_dir / 'manifest.json'}")
        raise
    shutil.rmtree(stage, ignore_errors=True)
    return results
