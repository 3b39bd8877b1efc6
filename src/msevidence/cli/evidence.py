"""`msevidence validate | list | schema`: check, browse and describe the evidence store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_args

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app
from msevidence.cli.errors import EXIT_INPUT, output_error
from msevidence.cli.output import console, dumps
from msevidence.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd

TABLE_COLUMNS = ["trial", "comparator", "endpoint", "domain", "arm or effect", "statistic", "value", "CI", "p",
                 "provenance", "citation"]
INT_COLUMNS = {"n", "n_treatment", "n_control", "events", "confirmation_weeks"}


@app.command("validate")
def validate_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="Evidence files or folders (default: the store).")] = None,
) -> None:
    """Check evidence files (trials, claims, and the store of other interventions in `interventions/`); print
    `FILE:LINE: FIELD: problem` lines and a summary. Exit 2 if any problem.

    Example: `msevidence validate`
    """
    from msevidence.evidence import validate
    from msevidence.evidence.intervention_claims import validate_store
    from msevidence.evidence.interventions import CLAIMS_FILE, FOLDER, default_dir, study_files
    from msevidence.evidence.store import evidence_files

    named = paths or []
    other = [p for p in named if p.name == FOLDER or p.parent.name == FOLDER]
    trials = [p for p in named if p not in other]
    files, problems = [], []
    if trials or not named:
        files += evidence_files(trials or None)
        problems += validate(trials or None)
    if other or not named:
        inter = other or [default_dir()]
        files += study_files(inter) + [p for p in inter if p.name == CLAIMS_FILE]
        problems += validate_store(inter)
    for p in problems:
        typer.echo(" ".join(str(p).split()))
    if problems:
        n_files = len({p.file for p in problems})
        typer.echo(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {n_files} file{'s' * (n_files != 1)}",
                   err=True)
        raise typer.Exit(EXIT_INPUT)
    typer.echo(f"{len(files)} file{'s' * (len(files) != 1)} valid")


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN/None -> None, whole-number counts -> int."""
    out = []
    for row in df.astype(object).to_dict("records"):
        rec = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and math.isnan(v)):
                v = None
            elif hasattr(v, "item"):  # numpy scalar
                v = v.item()
            if k in INT_COLUMNS and isinstance(v, float) and v.is_integer():
                v = int(v)
            rec[k] = v
        out.append(rec)
    return out


def _num(v) -> str:
    return "" if v is None else f"{v:g}"


def _ci(low, high) -> str:
    """'0.59 to 0.90': both bounds with the same number of decimals (YAML drops trailing zeros)."""
    if low is None or high is None:
        return ""
    decimals = max(len(f"{x:g}".partition(".")[2]) for x in (low, high))
    return fmt.interval(low, high, digits=decimals)


def _table(records: list[dict]) -> Table:
    table = Table(show_lines=False, title="Published evidence (provenance per row)")
    for c in TABLE_COLUMNS:
        table.add_column(c, overflow="fold")
    for r in records:
        who = r["arm"] if r["kind"] == "arm" else f"{r['treatment']} vs {r['control']}"
        ci = _ci(r["ci_low"], r["ci_high"])
        p = "" if r["p"] is None else f"{'<' if r['p_relation'] == '<' else ''}{_num(r['p'])}"
        table.add_row(*(Text(str(x)) for x in (r["trial"], r["vs"], r["endpoint"], r["domain"], who,
                                                r["statistic"], _num(r["value"]), ci, p, r["provenance"],
                                                r["citation"])))
    return table


@app.command("list")
def list_cmd(
    trial: Annotated[str | None, typer.Option("--trial", "-t", help="Trial id, e.g. ORATORIO.")] = None,
    domain: Annotated[str | None, typer.Option("--domain", "-d", help="Evidence domain, e.g. "
                                                                   "disability_progression or walking_speed.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    evidence: Annotated[Path | None, typer.Option("--evidence", help="Evidence folder or file.")] = None,
    other: Annotated[bool, typer.Option("--interventions", help="List the store of other walking interventions "
                                        "instead (never mixed with the trials; see `msevidence interventions`).")]
    = False,
) -> None:
    """List published results and effects, one row per trial x endpoint x arm/effect, each with its source.

    Example: `msevidence list --trial ORATORIO --domain walking_speed`
    """
    if other:
        from msevidence.cli.interventions import print_store
        from msevidence.evidence.interventions import FOLDER, load_interventions

        print_store(load_interventions(evidence / FOLDER if evidence else None), as_json=fmt == "json")
        return
    if fmt not in ("table", "csv", "json"):
        raise OptionError("--format", f"unknown format '{fmt}'; use table, csv or json")
    from msevidence.evidence import load_evidence
    from msevidence.evidence.schema import Domain

    domains: tuple[str, ...] = get_args(Domain)
    if domain is not None and domain not in domains:
        raise OptionError("--domain", f"unknown domain '{domain}'; known: {', '.join(domains)}")
    ev = load_evidence(evidence)
    if trial is not None and trial not in ev:
        raise OptionError("--trial", f"unknown trial '{trial}'; known: {', '.join(ev.ids)}")
    df = ev.endpoints(trial=trial, domain=domain)
    if fmt == "csv":
        typer.echo(df.to_csv(index=False), nl=False)
    elif fmt == "json":
        typer.echo(dumps(_records(df), indent=1))
    else:
        console(width=200).print(_table(_records(df)))


@app.command("schema")
def schema_cmd(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of a trial evidence file (for editors: `# yaml-language-server: $schema=...`).

    Example: `msevidence schema --out trial.schema.json`
    """
    from msevidence.evidence import Trial

    text = json.dumps(Trial.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise output_error(out, exc) from None
    typer.echo(f"wrote {out}", err=True)
