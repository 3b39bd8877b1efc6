"""`msevidence walking`: T25FW walking speed from a visits table, kept apart from EDSS progression."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app
from msevidence.cli.fit import synthetic_label
from msevidence.cli.output import bold, console, dumps, estimability
from msevidence.data.t25fw import T25FW_RANGE_VAR, t25fw_range_s
from msevidence.errors import OptionError, TableError

if TYPE_CHECKING:
    from msevidence.models.walking import WalkingSummary

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
    t25fw_range: Annotated[str | None, typer.Option(
        "--t25fw-range", help="Plausible walk times MIN,MAX in seconds (default 1,600; outside = data error).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Walking speed (T25FW): % change, confirmed ≥20% worsening/improvement, mixed model, EDSS discordance.

    Example: `msevidence walking data/synthetic/ORATORIO-seed1/visits.csv --week 120 --t25fw-range 1,180`
    """
    if unconfirmed not in ("censor", "event"):
        raise OptionError("--unconfirmed", f"must be 'censor' or 'event', not {unconfirmed!r}")
    if not math.isfinite(week) or week < 0:
        raise OptionError("--week", f"must be a finite number of weeks >= 0, got {week:g}")
    previous = os.environ.get(T25FW_RANGE_VAR)
    if t25fw_range is not None:
        os.environ[T25FW_RANGE_VAR] = t25fw_range  # read by every validation of the table, here and in models
    try:
        try:
            t25fw_range_s()
        except OptionError as exc:
            raise OptionError("--t25fw-range" if t25fw_range is not None else exc.option, exc.rule) from None
        from msevidence.data.visits import read_visits
        from msevidence.models.walking import summarize_walking

        table = read_visits(visits)
        if provenance == UNSTATED:
            provenance = synthetic_label(visits) or UNSTATED
        if not (table["week"] == week).any():
            raise TableError(f"no visit at week {week:g} (weeks: "
                                   f"{', '.join(f'{w:g}' for w in sorted(table['week'].unique()))})",
                                   source=str(visits), column="week")
        res = summarize_walking(table, week=week, treatment=treatment, control=control,
                                unconfirmed_at_end=unconfirmed, data_provenance=provenance)
    finally:
        if t25fw_range is not None:
            if previous is None:
                os.environ.pop(T25FW_RANGE_VAR, None)
            else:
                os.environ[T25FW_RANGE_VAR] = previous
    if as_json:
        out = res.to_json()
        out["mixed_model"] = {**out.get("mixed_model", {}), **estimability(res.mixed_model)}
        typer.echo(dumps(out, indent=2))
    else:
        _print(res)


def _print(res: WalkingSummary) -> None:
    out = console()
    wk = f"{res.week:g}"
    out.print(Text.assemble(bold("Walking speed (T25FW)"), f" at week {wk}: {res.treatment} (treatment) vs "
                            f"{res.control} (control) — {res.data_provenance}"))
    t = Table(title=f"Change in 25-foot walk time, baseline to week {wk} (positive = slower)")
    t.add_column("quantity")
    for a in res.arms:
        t.add_column(f"{a.arm} ({a.role})", justify="right")
    rows = (("patients in arm", lambda a: str(a.n_patients)),
            (f"patients with a walk time at week {wk}", lambda a: str(a.n)),
            (f"patients who could not walk at week {wk}", lambda a: str(a.n_unable)),
            ("% change: geometric mean", lambda a: fmt.percent_change(a.geometric_mean_pct_change)),
            ("% change: arithmetic mean", lambda a: fmt.percent_change(a.mean_pct_change)),
            ("% change: median", lambda a: fmt.percent_change(a.median_pct_change)),
            ("≥20% slower, confirmed 12 weeks", lambda a: fmt.percent(a.worsened_20_confirmed_12w)),
            ("≥20% faster, confirmed 12 weeks", lambda a: fmt.percent(a.improved_20_confirmed_12w)),
            ("walking speed change, mean (ft/s)", lambda a: fmt.fixed(a.walking_speed_change_ft_s, 2, signed=True)),
            ("walking speed change, mean (m/s)", lambda a: fmt.fixed(a.walking_speed_change_m_s, 2, signed=True)))
    for name, cell in rows:
        t.add_row(name, *(cell(a) for a in res.arms))
    out.print(t)
    m = res.mixed_model
    head = (f"Mixed model (log T/T0, arm × week as a linear slope, random intercept and slope): walk-time "
            f"ratio {res.treatment}/{res.control} at week {wk}")
    if getattr(m, "estimable", True) and all(map(math.isfinite, (m.ratio, m.ci_low, m.ci_high))):
        out.print(f"{head} = {fmt.ratio(m.ratio)} (95% CI {fmt.interval(m.ci_low, m.ci_high)}), "
                  f"{fmt.p_value(m.p)}" + ("" if m.converged else " [model did not converge]"))
    else:
        out.print(f"{head}: not estimable: {getattr(m, 'reason', None) or 'the model did not converge'}")
    d = Table(title=f"EDSS CDP12 vs confirmed ≥20% T25FW worsening, onset by week {wk} (patients)")
    for col in ("arm", "both", "EDSS only", "T25FW only", "neither", "N", "agreement", "kappa"):
        d.add_column(col, justify="left" if col == "arm" else "right")
    for x in res.discordance:
        d.add_row(x.arm, str(x.both), str(x.edss_only), str(x.t25fw_only), str(x.neither), str(x.n),
                  fmt.percent(x.agreement, 0), fmt.fixed(x.kappa, 2))
    out.print(d)
    out.print(f"Worsening/improvement proportions are of all patients in the arm; unconfirmed onsets at the "
              f"end of follow-up: {res.unconfirmed_at_end}. A visit where the patient could not walk counts as "
              "≥20% worse; it has no time, so the % changes leave it out.")

