"""`msevidence fit`: KM, log-rank, Cox, RMST and absolute effects of one endpoint of an events table."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app
from msevidence.cli.output import bold, console, dumps, estimability
from msevidence.errors import InputError, MsEvidenceError, OptionError

if TYPE_CHECKING:
    from msevidence.models.survival import SurvivalAnalysis


@app.command()
def fit(
    events: Annotated[Path, typer.Argument(help="Events table (.csv or .parquet): patient_id, arm, endpoint, "
                                                "time_weeks, event.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Endpoint to analyse (the table's `endpoint` "
                                                                        "column), e.g. cdp12_edss.")],
    treatment: Annotated[str | None, typer.Option(help="Treatment arm (inferred when there are two arms).")] = None,
    control: Annotated[str | None, typer.Option(help="Control arm (inferred when there are two arms).")] = None,
    tau: Annotated[float | None, typer.Option(help="RMST horizon in weeks (default: shortest last follow-up).")] = None,
    at: Annotated[list[float] | None, typer.Option("--at", help="Week(s) for KM and absolute risks, e.g. "
                                                               "--at 48 120. Default 120 or tau.")] = None,
    strata: Annotated[list[str] | None, typer.Option("--strata", help="Stratum column(s); repeat.")] = None,
    ties: Annotated[str, typer.Option(help="Ties in the Cox model: efron or breslow.")] = "efron",
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Fit time-to-progression models for one endpoint: KM, log-rank, Cox HR, PH test, RMST, absolute risk.

    Example: `msevidence fit data/synthetic/ORATORIO-seed1/events.csv --endpoint cdp12_edss --at 48 120`
    """
    if tau is not None and not (math.isfinite(tau) and tau > 0):
        raise OptionError("--tau", f"must be a finite number of weeks > 0, got {tau:g}")
    for w in at or ():
        if not (math.isfinite(w) and w >= 0):
            raise OptionError("--at", f"weeks must be finite and >= 0, got {w:g}")
    if ties not in ("efron", "breslow"):
        raise OptionError("--ties", f"must be efron or breslow, got {ties!r}")
    from msevidence.models.survival import analyze

    try:
        res = analyze(events, endpoint, treatment=treatment, control=control, tau=tau, at=at or None,
                      strata=strata or None, ties=ties, data_provenance=synthetic_label(events))
    except ValueError as exc:  # the analysis refuses a request the data cannot answer (e.g. --at beyond follow-up)
        if isinstance(exc, MsEvidenceError) and str(events) in str(exc):
            raise
        raise InputError(f"{events}: {exc}") from None
    if as_json:
        typer.echo(dumps(fit_json(res), indent=2))
    else:
        _print(res)


def fit_json(res: SurvivalAnalysis) -> dict:
    """``res.to_json()`` with ``estimable``/``reason`` for every model and the data provenance."""
    out = res.to_json()
    for key, part in (("cox", res.cox), ("logrank", res.logrank), ("ph_test", res.ph_test)):
        out[key] = {**out.get(key, {}), **estimability(part)}
    out.setdefault("data_provenance", res.data_provenance)
    return out


def synthetic_label(path: Path) -> str | None:
    """The data's label: its synth sidecar or its ``provenance`` column (:func:`msevidence.data.tables.provenance_label`);
    read within the limits of :mod:`msevidence.safeio` (a hostile file is reported by the reader itself)."""
    import pandas as pd

    from msevidence.data.tables import provenance_label
    from msevidence.safeio import MAX_TABLE_BYTES, check_table_shape, read_bytes

    head = None
    if Path(path).suffix.lower() == ".csv":
        try:
            data = read_bytes(path, MAX_TABLE_BYTES)
            check_table_shape(data, str(path))
            head = pd.read_csv(io.BytesIO(data), nrows=1000)
        except (InputError, ValueError):
            head = None
    return provenance_label(path, head)


def _print(res: SurvivalAnalysis) -> None:
    out = console()
    tr, co = res.treatment, res.control
    out.print(Text.assemble(bold(res.endpoint), f": {tr} (treatment) vs {co} (control)"
                            + (f" — {res.data_provenance}" if res.data_provenance else "")))
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
                         else f"{fmt.percent(r['survival'])} ({fmt.percent_interval(r['ci_low'], r['ci_high'])})")
        m = med.loc[arm, "time"]
        t.add_row(arm, str(res.n[arm]), str(res.events[arm]), *cells, "not reached" if m != m else fmt.number(m))
    out.print(t)

    c, lr, r, a = res.cox, res.logrank, res.rmst, res.absolute
    e = Table(title="Treatment effect")
    for col in ("quantity", "estimate (95% CI)", "p"):
        e.add_column(col, justify="left" if col == "quantity" else "right")
    hr_name = f"Hazard ratio ({c.ties} ties{', stratified' if c.strata else ''})"
    if getattr(c, "estimable", True) and all(map(_finite, (c.hr, c.ci_low, c.ci_high))):
        e.add_row(hr_name, f"{fmt.ratio(c.hr)} ({fmt.interval(c.ci_low, c.ci_high)})",
                  f"{fmt.p_value(c.p)} (likelihood ratio {fmt.p_value(c.p_lr)})")
    else:
        e.add_row(hr_name, _why(c), "")
    if getattr(lr, "estimable", True) and _finite(lr.chi2):
        e.add_row("Log-rank" + (" (stratified)" if lr.strata else ""), f"χ² = {fmt.fixed(lr.chi2, 2)}",
                  fmt.p_value(lr.p))
    else:
        e.add_row("Log-rank" + (" (stratified)" if lr.strata else ""), _why(lr), "")
    for arm in (r.treatment, r.control):
        e.add_row(f"RMST {arm.arm} to {r.tau:g} wk", f"{fmt.fixed(arm.estimate)} (SE {fmt.fixed(arm.se)})", "")
    e.add_row("RMST difference (weeks)", f"{fmt.fixed(r.difference, signed=True)} "
              f"({fmt.interval(r.ci_low, r.ci_high, digits=1)})", fmt.p_value(r.p) if _finite(r.p) else "")
    e.add_row(f"Risk at week {a.at_week:g}: {tr} / {co}",
              f"{fmt.percent(a.risk_treatment)} / {fmt.percent(a.risk_control)}", "")
    e.add_row("Risk difference (per 1,000)", f"{fmt.per_difference(a.difference)} "
              f"({fmt.per_difference(a.ci_low)} to {fmt.per_difference(a.ci_high)})", "")
    crosses = not (_finite(a.ci_low) and _finite(a.ci_high)) or a.ci_low <= 0 <= a.ci_high
    e.add_row("Number needed to treat (whole people)",
              fmt.nnt(a.risk_control, a.risk_treatment, crosses_no_effect=crosses), "")
    ph = res.ph_test
    if getattr(ph, "estimable", True) and _finite(ph.chi2):
        e.add_row("PH test (scaled Schoenfeld, km)", f"χ² = {fmt.fixed(ph.chi2, 2)}", fmt.p_value(ph.p))
    else:
        e.add_row("PH test (scaled Schoenfeld, km)", _why(ph), "")
    out.print(e)
    out.print(a.note)
    out.print(res.ph_test.message)


def _finite(x) -> bool:
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def _why(result) -> str:
    reason = getattr(result, "reason", None)
    return f"not estimable: {reason}" if reason else "not estimable"
