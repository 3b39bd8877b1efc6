"""`msevidence walking`: T25FW walking speed from a visits table, kept apart from EDSS progression."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from msevidence.cli.app import app
from msevidence.cli.fit import synthetic_label
from msevidence.data.visits import VisitsTableError, read_visits
from msevidence.models.walking import WalkingSummary, summarize_walking

UNSTATED = "visits table of unstated provenance"


@app.command()
def walking(
    visits: Annotated[Path, typer.Argument(help="Visits table (.csv or .parquet): patient_id, arm, week, edss, "
                                                "t25fw_s; baseline = week 0.")],
    week: Annotated[float, typer.Option(help="Week at which to summarize walking.")] = 120,
    treatment: Annotated[str | None, typer.Option(help="Treatment arm (inferred when there are two arms).")] = None,
    control: Annotated[str | None, typer.Option(help="Control arm (inferred when there are two arms).")] = None,
    unconfirmed: Annotated[str, typer.Option(help="Onset not confirmable before follow-up ended: censor or "
                                                  "event.")] = "censor",
    provenance: Annotated[str, typer.Option(help="Label of the data, e.g. 'SYNTHETIC data calibrated to "
                                                 "ORATORIO (seed 1)'; default: the label in a "
                                                 "calibration.json next to the file, if any.")] = UNSTATED,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Walking speed (T25FW): % change, confirmed ≥20% worsening/improvement, mixed model, EDSS discordance."""
    try:
        if unconfirmed not in ("censor", "event"):
            raise VisitsTableError(f"--unconfirmed must be 'censor' or 'event', not {unconfirmed!r}")
        table = read_visits(visits)
        if provenance == UNSTATED:
            provenance = synthetic_label(visits) or UNSTATED
        if not (table["week"] == week).any():
            raise VisitsTableError(f"no visit at week {week:g} (weeks: "
                                   f"{', '.join(f'{w:g}' for w in sorted(table['week'].unique()))})",
                                   source=str(visits), column="week")
        res = summarize_walking(table, week=week, treatment=treatment, control=control,
                                unconfirmed_at_end=unconfirmed, data_provenance=provenance)
    except (VisitsTableError, ValueError) as exc:
        msg = str(exc).replace("visits table: ", "")
        typer.echo(f"error: {msg}" if str(visits) in msg else f"error: {visits}: {msg}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(res.to_json(), indent=2))
    else:
        _print(res)


def _print(res: WalkingSummary) -> None:
    console = Console()
    wk = f"{res.week:g}"
    console.print(f"[bold]Walking speed (T25FW)[/bold] at week {wk}: {res.treatment} (treatment) vs "
                  f"{res.control} (control) — {res.data_provenance}")
    t = Table(title=f"Change in 25-foot walk time, baseline to week {wk} (positive = slower)")
    t.add_column("quantity")
    for a in res.arms:
        t.add_column(f"{a.arm} ({a.role})", justify="right")
    rows = (("patients in arm", lambda a: str(a.n_patients)),
            (f"patients with a walk time at week {wk}", lambda a: str(a.n)),
            ("% change: geometric mean", lambda a: f"{a.geometric_mean_pct_change:+.1f}%"),
            ("% change: arithmetic mean", lambda a: f"{a.mean_pct_change:+.1f}%"),
            ("% change: median", lambda a: f"{a.median_pct_change:+.1f}%"),
            ("≥20% slower, confirmed 12 weeks", lambda a: f"{100 * a.worsened_20_confirmed_12w:.1f}%"),
            ("≥20% faster, confirmed 12 weeks", lambda a: f"{100 * a.improved_20_confirmed_12w:.1f}%"),
            ("walking speed change, mean (ft/s)", lambda a: f"{a.walking_speed_change_ft_s:+.2f}"),
            ("walking speed change, mean (m/s)", lambda a: f"{a.walking_speed_change_m_s:+.3f}"))
    for name, cell in rows:
        t.add_row(name, *(cell(a) for a in res.arms))
    console.print(t)
    m = res.mixed_model
    console.print(f"Mixed model (log T/T0, arm × week as a linear slope, random intercept and slope): walk-time "
                  f"ratio {res.treatment}/{res.control} at week {wk} = {m.ratio:.3f} "
                  f"(95% CI {m.ci_low:.3f}–{m.ci_high:.3f}), p = {m.p:.3g}"
                  + ("" if m.converged else " [model did not converge]"))
    d = Table(title=f"EDSS CDP12 vs confirmed ≥20% T25FW worsening, onset by week {wk} (patients)")
    for col in ("arm", "both", "EDSS only", "T25FW only", "neither", "N", "agreement", "kappa"):
        d.add_column(col, justify="left" if col == "arm" else "right")
    for x in res.discordance:
        d.add_row(x.arm, str(x.both), str(x.edss_only), str(x.t25fw_only), str(x.neither), str(x.n),
                  f"{x.agreement:.2f}", f"{x.kappa:.2f}")
    console.print(d)
    console.print(f"Worsening/improvement proportions are of all patients in the arm; unconfirmed onsets at the "
                  f"end of follow-up: {res.unconfirmed_at_end}.")
