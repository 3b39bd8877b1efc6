"""`msevidence report`: render a report set of notebooks to HTML (see :mod:`msevidence.reports`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from msevidence.cli.app import EvidenceOption, app, use_evidence


@app.command()
def report(
    set_name: Annotated[str, typer.Option("--set", help="Report set: a name in reports/ or a YAML path.")] = "default",
    audience: Annotated[str | None, typer.Option(help="Override every run's audience: analyst, lay or both.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Notebooks executed at once (default: cores).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: reports/output/).")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Render only these runs (repeat, or comma-separate).")] = None,
    timeout: Annotated[int, typer.Option(help="Seconds allowed per notebook cell.")] = 600,
    evidence: EvidenceOption = None,
) -> None:
    """Execute a report set with papermill in parallel and write HTML, index.html and manifest.json."""
    use_evidence(evidence)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from msevidence import paths
    from msevidence.reports import ReportSetError, load_report_set, render

    err = Console(stderr=True)
    if audience not in (None, "analyst", "lay", "both"):
        err.print(f"error: --audience must be analyst, lay or both, got {audience!r}", markup=False)
        raise typer.Exit(1)
    only = [x.strip() for o in only or [] for x in o.split(",") if x.strip()] or None
    try:
        rs = load_report_set(set_name)
        n = len([r for r in rs.runs if not only or r.name in only])
        out_dir = out or paths.output_dir()
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err) as bar:
            task = bar.add_task(f"report set {rs.name}", total=n)

            def done(r):
                mark = "ok" if r.status == "ok" else "FAILED"
                bar.console.print(f"  {mark:6} {r.name} ({r.duration_s:.1f} s)" + (f": {r.error}" if r.error else ""),
                                  markup=False)
                bar.advance(task)

            results = render(rs, audience=audience, workers=workers, out=out_dir, only=only, timeout=timeout,
                             on_done=done)
    except ReportSetError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    failed = [r.name for r in results if r.status != "ok"]
    typer.echo(f"{len(results) - len(failed)} of {len(results)} runs ok; index: {Path(out_dir) / 'index.html'}")
    if failed:
        err.print(f"error: failed runs: {', '.join(failed)} (see their .failed.html in {out_dir})", markup=False)
        raise typer.Exit(1)
