"""`msevidence synth`: write a SYNTHETIC trial (visits.csv, events.csv, calibration.json) calibrated to evidence."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from msevidence.cli.app import EvidenceOption, app, use_evidence
from msevidence.evidence import EvidenceFileError, load_evidence


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _parse_sizes(items: list[str] | None) -> dict[str, int] | None:
    if not items:
        return None
    out = {}
    for item in items:
        arm, _, n = item.partition("=")
        if not arm or not n.isdigit() or int(n) < 1:
            raise _fail(f"--n-per-arm {item!r}: expected ARM=N with N a positive integer (e.g. OCR=100)")
        out[arm] = int(n)
    return out


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3g}" if isinstance(x, float) else str(x)


@app.command("synth")
def synth_cmd(
    trial: Annotated[str, typer.Option("--trial", help="Trial id in the evidence store, e.g. ORATORIO.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 1,
    n_per_arm: Annotated[list[str] | None, typer.Option("--n-per-arm", help="Arm size override, ARM=N.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default data/synthetic/<TRIAL>-seed<N>/).")] = None,
    unconfirmed: Annotated[str | None, typer.Option(
        help="Unconfirmed progression at end of follow-up: event or censor (default: the trial's rule).")] = None,
    evidence: EvidenceOption = None,
) -> None:
    """Simulate SYNTHETIC patient-level data calibrated to a trial's published summaries."""
    from msevidence.synthetic import CalibrationError, simulate_trial

    sizes = _parse_sizes(n_per_arm)
    if unconfirmed not in (None, "event", "censor"):
        raise _fail(f"--unconfirmed {unconfirmed!r}: expected 'event' or 'censor'")
    try:
        use_evidence(evidence)
        ev = load_evidence()
        if trial not in ev:
            raise _fail(f"--trial {trial!r}: not in the evidence store (known: {', '.join(ev.ids)})")
        st = simulate_trial(trial, seed=seed, n_per_arm=sizes, evidence=ev, unconfirmed_progression=unconfirmed,
                            progress=True)
    except (CalibrationError, EvidenceFileError, ValueError) as exc:
        raise _fail(f"msevidence synth: {' '.join(str(exc).split())}") from None
    path = st.to_dir(out or Path("data") / "synthetic" / f"{trial}-seed{seed}")
    console = Console()
    console.print(f"[bold]{st.label}[/bold]")
    table = Table(title="Calibration (SYNTHETIC vs published)")
    for col in ("target", "status", "published", "achieved: mean over replicates (2.5-97.5th percentile of single "
                "synthetic trials)", "tolerance", "met"):
        table.add_column(col)
    for r in st.calibration.to_dict("records"):
        ach = (f"{_fmt(r['achieved_mean'])} ({_fmt(r['achieved_low'])}-{_fmt(r['achieved_high'])})"
               if r["achieved_mean"] is not None and not _isnan(r["achieved_mean"]) else "-")
        table.add_row(r["target"], r["status"], _fmt(r["published"]), ach, _fmt(r["tolerance"]),
                      _fmt(r["met"]) if r["status"] == "calibrated" else "-")
    console.print(table)
    console.print(f"unconfirmed progression at end of follow-up: {st.metadata['unconfirmed_progression']}")
    if not st.all_targets_met:
        console.print("[bold red]WARNING: not every calibration target was met (see the 'met' column)[/bold red]")
    console.print(f"wrote {path / 'visits.csv'}, {path / 'events.csv'}, {path / 'calibration.json'}")


def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)
