"""Executing a report set: papermill in a bounded process pool, staging, and atomic publishing.

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
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
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
    sigterm_as_interrupt,
    worker_init,
)
from msevidence.reports.html import to_html
from msevidence.reports.manifest import RunResult, load_manifest, write_manifest, write_top_index

SET_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


def _execute(job: dict[str, Any]) -> dict[str, Any]:
    """Worker: execute one notebook into the staging folder and convert it; never raises."""
    import papermill as pm

    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"  # Agg-based, PNG inline
    stage, name = Path(job["stage"]), job["name"]
    out_nb = stage / f"{name}.ipynb"
    started, t0 = dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), time.perf_counter()
    error = None
    try:
        pm.execute_notebook(job["notebook"], str(out_nb), parameters=job["parameters"], kernel_name=KERNEL_NAME,
                            language="python",
                            progress_bar=False, cwd=str(stage), execution_timeout=job["timeout"])
    except pm.PapermillExecutionError as exc:
        error = f"{exc.ename}: {exc.evalue}".strip()
    except Exception as exc:  # noqa: BLE001 - any failure is reported in the index, not raised
        error = f"{type(exc).__name__}: {exc}"
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
    pool = ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn"), initializer=worker_init)
    try:
        futures = {pool.submit(_execute, job): name for name, job in jobs.items()}
        for fut in as_completed(futures):
            res = fut.result()
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
    except BaseException as exc:  # Ctrl-C, SIGTERM or an output error: stop every worker and kernel now
        kill_tree(list(getattr(pool, "_processes", None) or {}))
        pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, KeyboardInterrupt):
            say(f"stopped: workers and kernels ended, staging removed; {len(results)} of {len(runs)} runs were "
                f"published and are listed in {set_dir / 'manifest.json'}")
        raise
    pool.shutdown(wait=True)
    shutil.rmtree(stage, ignore_errors=True)
    return results
