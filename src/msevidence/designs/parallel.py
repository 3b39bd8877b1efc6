"""Running independent tasks locally (a process pool, or in-process) or on a Dask distributed cluster.

Results come back in task order whatever the executor, so a computation split into seeded tasks gives the same
numbers however the work is spread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed


def _progress(total: int, label: str, enabled: bool):
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    p = Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                 disable=not enabled, transient=False)
    return p, p.add_task(label, total=total)


def run_tasks(fn: Callable, args: Sequence[tuple], *, client=None, processes: int | None = None,
              progress: bool = False, label: str = "Simulating") -> list:
    """``[fn(*a) for a in args]``, in order: on a Dask `client` (a ``distributed.Client`` or a scheduler address),
    else in `processes` local worker processes (default: the CPU count; 1 runs in this process)."""
    if not args:
        return []
    bar, task = _progress(len(args), label, progress)
    with bar:
        if client is not None:
            return _run_dask(fn, args, client, bar, task)
        workers = processes if processes is not None else (os.cpu_count() or 1)
        if workers <= 1 or len(args) == 1:
            out = []
            for a in args:
                out.append(fn(*a))
                bar.advance(task)
            return out
        out = [None] * len(args)
        with ProcessPoolExecutor(max_workers=min(workers, len(args))) as pool:
            futures = {pool.submit(fn, *a): i for i, a in enumerate(args)}
            for f in as_completed(futures):
                out[futures[f]] = f.result()
                bar.advance(task)
        return out


def _run_dask(fn, args, client, bar, task):
    from distributed import as_completed as dask_completed

    from msevidence.limits import connect_dask

    own = isinstance(client, str)
    c = connect_dask(client) if own else client
    try:
        futures = [c.submit(fn, *a, pure=False) for a in args]
        index = {f.key: i for i, f in enumerate(futures)}
        out = [None] * len(args)
        for f in dask_completed(futures):
            out[index[f.key]] = f.result()
            bar.advance(task)
        return out
    finally:
        if own:
            c.close()
