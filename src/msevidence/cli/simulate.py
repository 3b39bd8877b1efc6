"""`msevidence simulate`: power, type I error, bias and coverage of what-if designs from many SYNTHETIC trials."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app, wall_seconds
from msevidence.cli.output import NOT_ESTIMABLE, console, dumps, finite, inert
from msevidence.errors import OptionError
from msevidence.safeio import atomic_output, check_output_file


def parse_sizes(items: list[str] | None, maximum: int | None = None) -> dict[str, int] | None:
    """``--n-per-arm ARM=N`` items -> {arm: n}; N a positive integer, at most `maximum` when given."""
    if not items:
        return None
    out = {}
    for item in items:
        arm, _, n = item.partition("=")
        if not arm or not n.isdigit() or int(n) < 1:
            raise OptionError("--n-per-arm", f"{item!r}: expected ARM=N with N a positive integer (e.g. OCR=100)")
        if maximum is not None and int(n) > maximum:
            raise OptionError("--n-per-arm", f"{item!r}: at most {maximum:,} patients per arm "
                                             "(rule: synthetic trial size)")
        out[arm] = int(n)
    return out


def parse_range(option: str, text: str | None, integer: bool = False,
                bounds: tuple[float, float] = (0.0, math.inf)) -> list[float] | None:
    """``a,b,c`` or ``start:stop:step`` (stop included) -> values, each within `bounds` (the lower bound
    excluded when it is 0), at most :data:`~msevidence.limits.MAX_GRID_VALUES` of them."""
    from msevidence.limits import MAX_GRID_VALUES, grid_count

    if text is None:
        return None
    import numpy as np

    try:
        if ":" in text:
            start, stop, step = (float(v) for v in text.split(":"))
            if not all(map(math.isfinite, (start, stop, step))) or step <= 0 or stop < start:
                raise ValueError
        else:
            values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise OptionError(option, f"{text!r}: expected a list a,b,c or a range start:stop:step") from None
    if ":" in text:
        grid_count(option, start, stop, step)  # refused before the values are made
        values = list(np.round(np.arange(start, stop + step / 2, step), 10))
    if len(values) > MAX_GRID_VALUES:
        raise OptionError(option, f"{len(values):,} values; the limit is {MAX_GRID_VALUES} (rule: grid size)")
    lo, hi = bounds
    if not values or any(not math.isfinite(v) or v < lo or (lo == 0 and v <= 0) or v > hi for v in values):
        what = f"from {lo:g} to {hi:g}" if lo > 0 else f"positive, at most {hi:g}"
        raise OptionError(option, f"{text!r}: values must be {what}")
    if integer and any(v != int(v) for v in values):
        raise OptionError(option, f"{text!r}: values must be whole numbers")
    return [int(v) for v in values] if integer else [float(v) for v in values]


def _fmt(x, digits: int = 3) -> str:
    return fmt.fixed(x, digits) if finite(x) else NOT_ESTIMABLE


@app.command("simulate")
def simulate_cmd(
    trial: Annotated[str, typer.Option("--trial", help="Trial id in the evidence store, e.g. ORATORIO.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Synthetic endpoint, e.g. cdp12_edss, cdp24_edss, "
                                                              "t25fw20_cp12.")],
    n_trials: Annotated[int, typer.Option("--n-trials", help="Simulated trials per design.")] = 1000,
    n_per_arm: Annotated[list[str] | None, typer.Option("--n-per-arm", help="Arm size, ARM=N (repeat).")] = None,
    hr: Annotated[float | None, typer.Option("--hr", help="True hazard ratio (default: that of the synthetic "
                                                          "trial; 1 gives the type I error).")] = None,
    confirmation_weeks: Annotated[int | None, typer.Option(
        "--confirmation-weeks", help="Confirmation window in weeks (default: the endpoint's).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same numbers however the work is split).")] = 1,
    dask: Annotated[str | None, typer.Option("--dask", help="Dask scheduler address, e.g. tcp://host:8786.")] = None,
    processes: Annotated[int | None, typer.Option(help="Local worker processes (default: 1 for one design, the "
                                                       "CPU count for --grid).")] = None,
    alpha: Annotated[float, typer.Option(help="Two-sided significance level.")] = 0.05,
    test: Annotated[str, typer.Option(help="Test that decides success: logrank or wald (Cox).")] = "logrank",
    grid_mode: Annotated[bool, typer.Option("--grid", help="Run a grid of designs and write a tidy CSV.")] = False,
    grid_n: Annotated[str | None, typer.Option("--grid-n", help="Total sizes for --grid: a,b,c or start:stop:step "
                                                                "(allocation kept).")] = None,
    grid_hr: Annotated[str | None, typer.Option("--grid-hr", help="True HRs for --grid, e.g. 0.6:1.0:0.1.")] = None,
    grid_confirmation: Annotated[str | None, typer.Option("--grid-confirmation",
                                                          help="Confirmation windows for --grid, e.g. 12,24.")] = None,
    out: Annotated[Path | None, typer.Option(help="CSV written by --grid (default simulate-grid.csv).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
) -> None:
    """Simulate many SYNTHETIC trials of a what-if design: power (or type I error), mean HR, coverage.

    Example: `msevidence simulate --trial ORATORIO --endpoint cdp12_edss --n-trials 200 --hr 0.75`
    """
    _run(trial, endpoint, n_trials, n_per_arm, hr, confirmation_weeks, seed, dask, processes, alpha, test,
         grid_mode, grid_n, grid_hr, grid_confirmation, out, as_json)


def _run(trial, endpoint, n_trials, n_per_arm, hr, confirmation_weeks, seed, dask, processes, alpha, test,
         grid_mode, grid_n, grid_hr, grid_confirmation, out, as_json) -> None:
    from msevidence import limits as lim

    # every option is checked before any work (limits: msevidence.limits, listed in the README)
    sizes = parse_sizes(n_per_arm, maximum=lim.MAX_PER_ARM)
    lim.check_n_trials(n_trials)
    if hr is not None:
        lim.check_hr(hr)
    if confirmation_weeks is not None:
        lim.check_confirmation(confirmation_weeks)
    from msevidence.designs.operating import check_settings

    check_settings(alpha, test, seed, processes)
    if not grid_mode and any(v is not None for v in (grid_n, grid_hr, grid_confirmation)):
        raise OptionError("--grid-n/--grid-hr/--grid-confirmation", "only with --grid")
    if out is not None and not grid_mode:
        raise OptionError("--out", "only with --grid (the single-design result is printed)")
    ns = parse_range("--grid-n", grid_n, integer=True, bounds=(2, 2 * lim.MAX_PER_ARM))
    hrs = parse_range("--grid-hr", grid_hr, bounds=lim.HR_RANGE)
    cws = parse_range("--grid-confirmation", grid_confirmation, integer=True,
                      bounds=(0, lim.MAX_CONFIRMATION_WEEKS))
    cells = len(ns or [0]) * len(hrs or [0]) * len(cws or [0])
    lim.check_work(n_trials, max([*(ns or []), sum((sizes or {}).values()), 1]), cells)
    path = check_output_file(out or Path("simulate-grid.csv"), option="--out", suffixes=(".csv",)) \
        if grid_mode else None
    client = lim.connect_dask(dask) if dask else None
    try:
        _work(trial, endpoint, n_trials, sizes, hr, confirmation_weeks, seed, client, processes, alpha, test,
              grid_mode, ns, hrs, cws, path, as_json)
    finally:
        if client is not None:
            client.close()


def _work(trial, endpoint, n_trials, sizes, hr, confirmation_weeks, seed, dask, processes, alpha, test,
          grid_mode, ns, hrs, cws, path, as_json) -> None:
    from msevidence.designs import design_from_trial, grid, operating_characteristics
    from msevidence.evidence import load_evidence

    ev = load_evidence()
    if not grid_mode:
        design = design_from_trial(trial, endpoint, n_per_arm=sizes, true_hr=hr,
                                   confirmation_weeks=confirmation_weeks, evidence=ev)
        oc = operating_characteristics(design, n_trials, seed, alpha=alpha, test=test, client=dask,
                                       processes=processes if processes is not None else 1,
                                       progress=not as_json and n_trials >= 5000)
        elapsed = wall_seconds()
        doc = {**oc.to_dict(), "elapsed_s": elapsed, "simulation_s": oc.elapsed_s, "label": design.label,
               "true_hr_note": design.notes.get("true_hr")}
        if as_json:
            typer.echo(dumps(doc, indent=2))
        else:
            _print(oc, doc)
        return
    cache: dict = {}

    def base(cw):
        if cw not in cache:
            cache[cw] = design_from_trial(trial, endpoint, n_per_arm=sizes, true_hr=hr,
                                          confirmation_weeks=None if cw is None else int(cw), evidence=ev)
        return cache[cw]

    res = grid(base, n_total=ns, true_hr=hrs, confirmation_weeks=cws, n_trials=n_trials, seed=seed, alpha=alpha,
               test=test, client=dask, processes=processes, progress=not as_json)
    frame = res.to_frame().assign(trial=trial, endpoint=endpoint)
    with atomic_output(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g", lineterminator="\n")
    elapsed = wall_seconds()
    if as_json:
        typer.echo(dumps({"csv": str(path), "n_cells": len(frame), "n_trials": n_trials, "elapsed_s": elapsed,
                          "data_provenance": "synthetic"}))
    else:
        console().print(Text(inert(f"wrote {path}: {len(frame)} designs x {n_trials} SYNTHETIC trials in "
                                   f"{fmt.fixed(elapsed)} s")))


def _print(oc, doc: dict) -> None:
    c = console()
    c.print(Text(inert(doc["label"]), style="bold"))
    c.print(Text(inert(f"control arm: {oc.design.control.source}")))
    t = Table(title=f"{oc.n_trials} simulated trials (seed {oc.seed})")
    for col in ("quantity", "value", "Monte-Carlo SE"):
        t.add_column(col, justify="left" if col == "quantity" else "right")
    what = "Type I error (true HR = 1)" if oc.is_null else f"Power (true HR {fmt.ratio(oc.design.true_hr)})"
    t.add_row(Text(f"{what}, {oc.test} p < {oc.alpha:g}"), _fmt(oc.power), _fmt(oc.power_mc_se))
    t.add_row("Mean estimated HR", _fmt(oc.mean_hr), _fmt(oc.mean_hr_mc_se))
    t.add_row("Median estimated HR", _fmt(oc.median_hr), "")
    t.add_row("Bias of log HR", _fmt(oc.bias_log_hr, 4), _fmt(oc.bias_mc_se, 4))
    t.add_row(f"Coverage of the {95:d}% CI", _fmt(oc.coverage), _fmt(oc.coverage_mc_se))
    t.add_row("Trials with an estimable HR", f"{oc.n_estimable} of {oc.n_trials}", "")
    t.add_row("Mean number of events", fmt.fixed(oc.mean_events), "")
    c.print(t)
    for reason in dict.fromkeys(v for k, v in oc.reasons().items() if k != "type_i_error"):
        c.print(Text(f"not estimable: {reason}"))
    c.print(Text(f"elapsed: {fmt.fixed(doc['elapsed_s'], 2)} s since the command started (simulation and "
                 f"fits: {fmt.fixed(oc.elapsed_s, 2)} s)"))
