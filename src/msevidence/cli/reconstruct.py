"""`msevidence reconstruct`: a RECONSTRUCTED events table from a digitized KM curve and its numbers at risk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app
from msevidence.cli.output import console, dumps, inert
from msevidence.errors import LimitError
from msevidence.safeio import atomic_output, check_output_file

if TYPE_CHECKING:
    from msevidence.reconstruct import KMReconstruction

QA_FORMATS = (".png", ".pdf", ".svg")


def _check_paths(curve: Path, at_risk: Path, out: Path, qa: Path | None) -> None:
    """--out, its sidecar and --qa: not an input, not a folder, writable, of a supported kind."""
    from msevidence.data.tables import sidecar_path

    check_output_file(out, option="--out", inputs=(curve, at_risk), suffixes=(".csv",))
    check_output_file(sidecar_path(out), option="--out", inputs=(curve, at_risk))
    if qa is not None:
        check_output_file(qa, option="--qa", inputs=(curve, at_risk, out, sidecar_path(out)), suffixes=QA_FORMATS)


def _write(rec: KMReconstruction, out: Path) -> None:
    """The events table and its sidecar, each moved into place only once completely written."""
    from msevidence.data.tables import sidecar_path

    with atomic_output(out) as tmp_csv, atomic_output(sidecar_path(out)) as tmp_side:
        try:
            rec.to_csv(tmp_csv)
            os.replace(sidecar_path(tmp_csv), tmp_side)
        finally:
            sidecar_path(tmp_csv).unlink(missing_ok=True)


@app.command("reconstruct")
def reconstruct_cmd(
    curve: Annotated[Path, typer.Option("--curve", help="Digitized curve: CSV arm,time_weeks,survival (or "
                                                       "cumulative_incidence), or a WebPlotDigitizer export.")],
    at_risk: Annotated[Path, typer.Option("--at-risk", help="Numbers at risk: CSV arm,time_weeks,n_at_risk.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Endpoint id written into the events table.")],
    out: Annotated[Path, typer.Option("--out", help="Events table to write (CSV; a .provenance.json sidecar "
                                                   "is written beside it).")],
    total_events: Annotated[list[str] | None, typer.Option("--total-events", help="Published total events, "
                                                                                  "ARM=N; repeat per arm.")] = None,
    qa: Annotated[Path | None, typer.Option("--qa", help="Write the three-panel quality figure (PNG).")] = None,
    time_unit: Annotated[str, typer.Option("--time-unit", help="Unit of a `time` or WebPlotDigitizer X column: "
                                                               "weeks, months, days, years.")] = "weeks",
    y_scale: Annotated[str, typer.Option("--y-scale", help="Readings as fraction (0-1) or percent (0-100).")]
    = "fraction",
    curve_kind: Annotated[str | None, typer.Option("--curve-kind", help="For a WebPlotDigitizer export: "
                                                                        "survival or cumulative_incidence.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the quality report as JSON.")] = False,
) -> None:
    """Rebuild patient-level events from a digitized Kaplan-Meier figure (Guyot et al. 2012), with a quality report.

    Example: `msevidence reconstruct --curve data/digitized/oratorio-cdp12_edss-synthetic-example-curve.csv --at-risk data/digitized/oratorio-cdp12_edss-synthetic-example-at-risk.csv --endpoint cdp12_edss --out reconstructed/events.csv`
    """
    from msevidence.data.digitized import MAX_AT_RISK, parse_total_events
    from msevidence.reconstruct import KMReconstruction

    totals = parse_total_events(total_events)
    for arm, n in totals.items():
        if n > MAX_AT_RISK:
            raise LimitError(f"--total-events: {arm}={n:,}; at most {MAX_AT_RISK:,} events per arm "
                             "(rule: numbers at risk)")
    _check_paths(curve, at_risk, out, qa)  # before any work: never overwrite an input, one line per problem
    rec = KMReconstruction(endpoint=endpoint, time_unit=time_unit, y_scale=y_scale, curve_kind=curve_kind)
    rec.fit(curve, at_risk, total_events=totals or None)
    _write(rec, out)
    if qa is not None:
        import matplotlib

        matplotlib.use("Agg")
        axes = rec.plot()
        with atomic_output(qa) as tmp:
            axes[0].figure.savefig(tmp, dpi=120, format=qa.suffix.lstrip(".").lower())
    doc = rec.to_json()
    doc["out"] = str(out)
    for d in doc["arms"].values():
        if d.get("total_events_published") is None:
            d["total_events_published_reason"] = "not given (--total-events ARM=N): the events follow the curve"
    if as_json:
        typer.echo(dumps(doc, indent=2))
        return
    c = console()
    c.print(Text(inert(rec.label_), style="bold"))
    if doc["assumption"]:
        c.print(Text(inert(doc["assumption"])), soft_wrap=True)
    t = Table(title="Reconstruction quality")
    for col in ("arm", "n", "events", "censored", "KM max |error|", "KM RMS error", "max at-risk difference",
                "cleaning changes"):
        t.add_column(col, justify="left" if col == "arm" else "right")
    for arm, d in doc["arms"].items():
        t.add_row(Text(inert(arm)), str(d["n"]), str(d["events"]), str(d["censored"]), fmt.number(d["km_max_abs_error"]),
                  fmt.number(d["km_rms_error"]), str(d["at_risk_max_abs_difference"]),
                  str(sum(d["cleaning_changes"].values())))
    c.print(t)
    for arm, d in doc["arms"].items():
        for note in d["notes"]:
            c.print(Text(inert(f"{arm}: {note}")))
    c.print(Text(inert(f"wrote {out} (and {out.name}.provenance.json)" + (f" and {qa}" if qa else ""))))
