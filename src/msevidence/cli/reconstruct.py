"""`msevidence reconstruct`: a RECONSTRUCTED events table from a digitized KM curve and its numbers at risk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from msevidence.cli.app import app
from msevidence.cli.errors import output_error


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
    from msevidence.data.digitized import parse_total_events
    from msevidence.reconstruct import KMReconstruction

    totals = parse_total_events(total_events)
    rec = KMReconstruction(endpoint=endpoint, time_unit=time_unit, y_scale=y_scale, curve_kind=curve_kind)
    rec.fit(curve, at_risk, total_events=totals or None)
    try:
        rec.to_csv(out)
        if qa is not None:
            import matplotlib

            matplotlib.use("Agg")
            axes = rec.plot()
            qa.parent.mkdir(parents=True, exist_ok=True)
            axes[0].figure.savefig(qa, dpi=120)
    except OSError as exc:
        raise output_error(exc.filename or out, exc) from None
    doc = rec.to_json()
    doc["out"] = str(out)
    if as_json:
        typer.echo(json.dumps(doc, indent=2, allow_nan=False))
        return
    console = Console()
    console.print(Text(rec.label_, style="bold"))
    t = Table(title="Reconstruction quality")
    for col in ("arm", "n", "events", "censored", "KM max |error|", "KM RMS error", "max at-risk difference",
                "cleaning changes"):
        t.add_column(col, justify="left" if col == "arm" else "right")
    for arm, d in doc["arms"].items():
        t.add_row(Text(arm), str(d["n"]), str(d["events"]), str(d["censored"]), f"{d['km_max_abs_error']:.4f}",
                  f"{d['km_rms_error']:.4f}", str(d["at_risk_max_abs_difference"]),
                  str(sum(d["cleaning_changes"].values())))
    console.print(t)
    for arm, d in doc["arms"].items():
        for note in d["notes"]:
            console.print(Text(f"{arm}: {note}"))
    console.print(Text(f"wrote {out} (and {out.name}.provenance.json)" + (f" and {qa}" if qa else "")))
