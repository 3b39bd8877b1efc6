"""`msevidence report`: render a report set of notebooks to HTML (see :mod:`msevidence.reports`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from msevidence import formatting as fmt
from msevidence.cli.app import EvidenceOption, app, use_evidence


@app.command()
def report(
    set_name: Annotated[str, typer.Option("--set", help="Report set: a name in reports/ or a YAML path.")] = "default",
    audience: Annotated[str | None, typer.Option(help="Override every run's audience: analyst, lay or both.")] = None,
    workers: Annotated[int | None, typer.Option(min=1, max=64, help="Notebooks executed at once (default: cores).")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default: reports/output/).")] = None,
    only: Annotated[list[str] | None, typer.Option(help="Render only these runs (repeat, or comma-separate).")] = None,
    timeout: Annotated[int, typer.Option(help="Seconds allowed per notebook cell.")] = 600,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print each lay page to a take-home PDF (headless "
                                                     "Chromium; the personal page prints its take-home part).")] = False,
    paper: Annotated[str, typer.Option(help="PDF paper size: A4 or Letter.")] = "A4",
    evidence: EvidenceOption = None,
) -> None:
    """Execute a report set with papermill in parallel into OUT/<set>/ (HTML, index.html, manifest.json) and
    list every set rendered in OUT in OUT/index.html.

    Example: `msevidence report --set teaching --only evidence-overview`
    """
    use_evidence(evidence)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from msevidence import paths
    from msevidence.cli.output import console
    from msevidence.errors import OptionError
    from msevidence.reports import load_report_set, render
    from msevidence.reports.guard import prepare_output

    err = console(stderr=True)
    if audience not in (None, "analyst", "lay", "both"):
        raise OptionError("--audience", f"must be analyst, lay or both, got {audience!r}")
    if timeout < 1:
        raise OptionError("--timeout", f"must be at least 1 second, got {timeout}")
    only = [x.strip() for o in only or [] for x in o.split(",") if x.strip()] or None
    if pdf:
        from msevidence.reports.pdf import paper_name

        paper_name(paper)  # refuse a bad --paper before rendering
    rs = load_report_set(set_name)
    n = len([r for r in rs.runs if not only or r.name in only])
    out_dir = prepare_output(Path(out or paths.output_dir()))  # refuse a bad --out before any progress bar
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task(f"report set {rs.name}", total=n)

        def done(r):
            mark = "ok" if r.status == "ok" else "FAILED"
            bar.console.print(f"  {mark:6} {r.name} ({fmt.fixed(r.duration_s)} s)" + (f": {r.error}" if r.error else ""))
            bar.advance(task)

        results = render(rs, audience=audience, workers=workers, out=out_dir, only=only, timeout=timeout,
                         on_done=done, on_message=bar.console.print)
    if pdf:
        from msevidence.reports.pdf import BrowserMissing, write_pdfs

        try:
            for f in write_pdfs(out_dir / rs.name, [r.name for r in results if r.status == "ok"], paper=paper):
                typer.echo(f"pdf: {f}")
        except BrowserMissing as exc:
            err.print(f"error: {exc}", markup=False, highlight=False)
            raise typer.Exit(1) from None
    failed = [r.name for r in results if r.status != "ok"]
    typer.echo(f"{len(results) - len(failed)} of {len(results)} runs ok; set: {out_dir / rs.name / 'index.html'}; "
               f"all sets: {out_dir / 'index.html'}")
    if failed:
        err.print(f"error: failed runs: {', '.join(failed)} (see their .failed.html in {out_dir / rs.name})")
        raise typer.Exit(1)
