"""Executing a report set: papermill in a bounded process pool, staging, and atomic publishing.

Outputs are written to a staging folder and moved into place with :func:`os.replace`, so a failed or
interrupted run never replaces a previous good report.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from msevidence import paths
from msevidence.errors import ReportSetError
from msevidence.presentation.record import recorded
from msevidence.reports.config import (
    KERNEL_NAME,
    ReportSet,
    effective_parameters,
    load_report_set,
    notebook_path,
)
from msevidence.reports.html import to_html
from msevidence.reports.manifest import RunResult, write_manifest


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
        os.replace(stage / fname, out / target)
        moved[kind] = target
    return moved


def render(report_set: ReportSet | str | Path = "default", *, audience: str | None = None,
           workers: int | None = None, out: str | Path | None = None, only: Iterable[str] | None = None,
           timeout: int = 600, on_done: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Execute the runs of a report set in parallel, convert them to HTML, update index and manifest.

    `audience` overrides each run's audience; `only` selects runs by name. Returns one result per run; a
    failed run does not stop the others (check ``status``).
    """
    rs = report_set if isinstance(report_set, ReportSet) else load_report_set(report_set)
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
    out = Path(out or paths.output_dir())
    out.mkdir(parents=True, exist_ok=True)
    base = Path(rs.path).resolve().parent.parent if rs.path else paths.home()
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out))
    t0 = time.perf_counter()
    results: list[RunResult] = []
    try:
        jobs = {r.name: {"name": r.name, "notebook": str(notebook_path(r.notebook, base)), "stage": str(stage),
                         "parameters": r.parameters, "audiences": r.audiences(), "title": r.title or r.name,
                         "timeout": timeout} for r in runs}
        n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        with ProcessPoolExecutor(max_workers=n, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_execute, job): name for name, job in jobs.items()}
            for fut in as_completed(futures):
                res = fut.result()
                run = next(r for r in runs if r.name == res["name"])
                res["outputs"] = _publish(res, stage, out)
                rr = RunResult(name=run.name, notebook=run.notebook, title=run.title or run.name,
                               parameters=run.parameters, audiences=run.audiences(), status=res["status"],
                               duration_s=res["duration_s"], started=res["started"], error=res["error"],
                               outputs=res["outputs"], recorded=res["recorded"],
                               effective_parameters=effective_parameters(jobs[run.name]["notebook"], run.parameters))
                results.append(rr)
                if on_done:
                    on_done(rr)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    order = [r.name for r in runs]
    results.sort(key=lambda r: order.index(r.name))
    write_manifest(rs, results, out, wall_s=time.perf_counter() - t0, workers=n)
    return results


