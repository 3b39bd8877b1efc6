"""`msevidence synth`: write a SYNTHETIC trial (visits.csv, events.csv, calibration.json) calibrated to evidence."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import EvidenceOption, app, use_evidence
from msevidence.cli.errors import output_error
from msevidence.cli.output import bold, console
from msevidence.cli.simulate import parse_sizes
from msevidence.errors import OptionError, OutputError
from msevidence.safeio import MAX_PER_ARM

FILES = ("visits.csv", "events.csv", "calibration.json")


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return fmt.number(x) if isinstance(x, float) else str(x)


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
    """Simulate SYNTHETIC patient-level data calibrated to a trial's published summaries.

    Example: `msevidence synth --trial ORATORIO --seed 1`
    """
    sizes = parse_sizes(n_per_arm, MAX_PER_ARM)
    if unconfirmed not in (None, "event", "censor"):
        raise OptionError("--unconfirmed", f"{unconfirmed!r}: expected 'event' or 'censor'")
    from msevidence.evidence import load_evidence
    from msevidence.synthetic import simulate_trial

    target = out or Path("data") / "synthetic" / f"{trial}-seed{seed}"
    _check_output_folder(target)
    use_evidence(evidence)
    ev = load_evidence()
    if trial not in ev:
        raise OptionError("--trial", f"{trial!r}: not in the evidence store (known: {', '.join(ev.ids)})")
    st = simulate_trial(trial, seed=seed, n_per_arm=sizes, evidence=ev, unconfirmed_progression=unconfirmed,
                        progress=True)
    path = _write(st, target)
    out_ = console()
    out_.print(bold(st.label))
    table = Table(title="Calibration (SYNTHETIC vs published)")
    for col in ("target", "status", "published", "achieved: mean over replicates (2.5-97.5th percentile of single "
                "synthetic trials)", "tolerance", "met"):
        table.add_column(col)
    for r in st.calibration.to_dict("records"):
        ach = (f"{_fmt(r['achieved_mean'])} ({_fmt(r['achieved_low'])}-{_fmt(r['achieved_high'])})"
               if r["achieved_mean"] is not None and not _isnan(r["achieved_mean"]) else "-")
        table.add_row(r["target"], r["status"], _fmt(r["published"]), ach, _fmt(r["tolerance"]),
                      _fmt(r["met"]) if r["status"] == "calibrated" else "-")
    out_.print(table)
    out_.print(f"unconfirmed progression at end of follow-up: {st.metadata['unconfirmed_progression']}")
    if not st.all_targets_met:
        out_.print(Text("WARNING: not every calibration target was met (see the 'met' column)", style="bold red"))
    out_.print(f"wrote {path / 'visits.csv'}, {path / 'events.csv'}, {path / 'calibration.json'}")


def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _check_output_folder(path: Path) -> None:
    """Refuse at once an --out that is a file, sits under a file, or cannot be written (before simulating)."""
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                raise OutputError(p, "is a file, not a folder (rule: --out is a folder)")
            if not os.access(p, os.W_OK | os.X_OK):
                raise OutputError(p, "not writable (rule: writable output path)")
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(path, exc, "cannot create the output folder") from None


def _write(st, target: Path) -> Path:
    """Write the three files into a staging folder inside `target`, then move each into place (atomic per file)."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".synth-", dir=target))
    except OSError as exc:
        raise output_error(target, exc) from None
    try:
        st.to_dir(stage)
        for name in FILES:
            os.replace(stage / name, target / name)
    except OSError as exc:
        raise output_error(target, exc) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return target
