"""`msevidence fit`: KM, log-rank, Cox, RMST and absolute effects of one endpoint of an events table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from msevidence.cli.app import app
from msevidence.data.events import EventsTableError
from msevidence.data.tables import provenance_label
from msevidence.models.survival import SurvivalAnalysis, analyze
from msevidence.models.survival.rmst import TauError


@app.command()
def fit(
    events: Annotated[Path, typer.Argument(help="Events table (.csv or .parquet): patient_id, arm, endpoint, "
                                                "time_weeks, event.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Endpoint to analyse, e.g. CDP12.")],
    treatment: Annotated[str | None, typer.Option(help="Treatment arm (inferred when there are two arms).")] = None,
    control: Annotated[str | None, typer.Option(help="Control arm (inferred when there are two arms).")] = None,
    tau: Annotated[float | None, typer.Option(help="RMST horizon in weeks (default: shortest last follow-up).")] = None,
    at: Annotated[list[float] | None, typer.Option("--at", help="Week(s) for KM and absolute risks, e.g. "
                                                               "--at 48 120. Default 120 or tau.")] = None,
    strata: Annotated[list[str] | None, typer.Option("--strata", help="Stratum column(s); repeat.")] = None,
    ties: Annotated[str, typer.Option(help="Ties in the Cox model: efron or breslow.")] = "efron",
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Fit time-to-progression models for one endpoint: KM, log-rank, Cox HR, PH test, RMST, absolute risk."""
    try:
        res = analyze(events, endpoint, treatment=treatment, control=control, tau=tau, at=at or None,
                      strata=strata or None, ties=ties, data_provenance=synthetic_label(events))
    except (EventsTableError, TauError, ValueError) as exc:
        typer.echo(f"error: {events}: {exc}" if str(events) not in str(exc) else f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(res.to_json(), indent=2))
    else:
        _print(res)


def synthetic_label(path: Path) -> str | None:
    """The data's label: its synth sidecar or its ``provenance`` column (:func:`msevidence.data.tables.provenance_label`)."""
    try:
        head = pd.read_csv(path, nrows=1000) if Path(path).suffix.lower() == ".csv" else None
    except (OSError, ValueError):
        head = None
    return provenance_label(path, head)


def _print(res: SurvivalAnalysis) -> None:
    console = Console()
    tr, co = res.treatment, res.control
    console.print(f"[bold]{res.endpoint}[/bold]: {tr} (treatment) vs {co} (control)"
                  + (f" — {res.data_provenance}" if res.data_provenance else ""))
    t = Table(title="Kaplan-Meier: proportion without event")
    t.add_column("arm")
    t.add_column("n", justify="right")
    t.add_column("events", justify="right")
    s = res.km_at()
    for w in res.at:
        t.add_column(f"week {w:g} (95% CI)", justify="right")
    med = res.km.median().set_index("arm")
    t.add_column("median (wk)", justify="right")
    for arm in (tr, co):
        cells = []
        for w in res.at:
            r = s[(s["arm"] == arm) & (s["week"] == w)].iloc[0]
            cells.append("beyond follow-up" if r["survival"] != r["survival"]
                         else f"{r['survival']:.3f} ({r['ci_low']:.3f}–{r['ci_high']:.3f})")
        m = med.loc[arm, "time"]
        t.add_row(arm, str(res.n[arm]), str(res.events[arm]), *cells, "not reached" if m != m else f"{m:g}")
    console.print(t)

    c, lr, r, a = res.cox, res.logrank, res.rmst, res.absolute
    e = Table(title="Treatment effect")
    for col in ("quantity", "estimate (95% CI)", "p"):
        e.add_column(col, justify="left" if col == "quantity" else "right")
    e.add_row(f"Hazard ratio ({c.ties} ties{', stratified' if c.strata else ''})",
              f"{c.hr:.3f} ({c.ci_low:.3f}–{c.ci_high:.3f})", f"{c.p:.4g} (LR {c.p_lr:.4g})")
    e.add_row("Log-rank" + (" (stratified)" if lr.strata else ""), f"χ² = {lr.chi2:.3f}", f"{lr.p:.4g}")
    for arm in (r.treatment, r.control):
        e.add_row(f"RMST {arm.arm} to {r.tau:g} wk", f"{arm.estimate:.2f} (SE {arm.se:.2f})", "")
    e.add_row("RMST difference (weeks)", f"{r.difference:.2f} ({r.ci_low:.2f} to {r.ci_high:.2f})", f"{r.p:.4g}")
    e.add_row(f"Risk at week {a.at_week:g}: {tr} / {co}",
              f"{a.risk_treatment:.3f} / {a.risk_control:.3f}", "")
    e.add_row("Risk difference (per 1,000)", f"{1000 * a.difference:+.0f} ({1000 * a.ci_low:+.0f} to "
              f"{1000 * a.ci_high:+.0f})", "")
    e.add_row("PH test (scaled Schoenfeld, km)", f"χ² = {res.ph_test.chi2:.3f}", f"{res.ph_test.p:.4g}")
    console.print(e)
    console.print(a.note)
    console.print(res.ph_test.message)
