"""`msevidence interventions`: browse the store of OTHER walking interventions (not ocrelizumab) and the claims
it decides. Parsing and formatting only; one-line errors, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, get_args

import typer
from rich.table import Table
from rich.text import Text

from msevidence.cli.app import app
from msevidence.cli.output import console, dumps
from msevidence.errors import OptionError

POPULATIONS = ("relapsing", "progressive", "mixed", "not_stated")
COLUMNS = ["study", "kind", "comparator", "design", "population", "outcome", "statistic", "estimate", "CI", "p",
           "certainty", "source"]


def _check(option: str, value: str | None, known: tuple[str, ...]) -> None:
    if value is not None and value not in known:
        raise OptionError(option, f"unknown value '{value}'; known: {', '.join(known)}")


def result_rows(store, kind=None, outcome=None, population=None) -> list[dict]:
    """One JSON-ready row per result, with its study's comparator, design and population."""
    from msevidence.judgement.interventions import DESIGN_LABELS, STATISTIC_LABELS

    rows = []
    for s, r in store.results(outcome_scale=outcome, kind=kind, population=population):
        rows.append({
            "study": s.id, "result": r.id, "intervention": s.intervention.name, "kind": s.intervention.kind,
            "comparator": s.comparator.kind, "comparator_name": s.comparator.name, "design": s.design,
            "design_label": DESIGN_LABELS[s.design], "randomised": s.randomised,
            "population": s.population.model_dump(), "outcome": r.outcome.model_dump(), "statistic": r.statistic,
            "statistic_label": STATISTIC_LABELS[r.statistic], "estimate": r.estimate, "ci_low": r.ci_low,
            "ci_high": r.ci_high, "p": r.p, "p_relation": r.p_relation,
            "arms": [a.model_dump() for a in r.arms], "finding": r.finding, "certainty": r.certainty,
            "citation": s.reference.citation, "locator": r.locator, "checked_at": s.reference.checked_at,
            "note": r.note})
    return rows


def _value(row: dict) -> str:
    if row["estimate"] is not None:
        return f"{row['estimate']:g}"
    if row["arms"]:
        return " vs ".join(f"{a['events']}/{a['n']}" if a["events"] is not None else f"{a['value']:g}"
                           for a in row["arms"])
    return row["finding"] or ""


def _table(rows: list[dict]) -> Table:
    t = Table(title=Text("Other walking interventions (not ocrelizumab): one row per published result"))
    for c in COLUMNS:
        t.add_column(Text(c), overflow="fold")
    for r in rows:
        o = r["outcome"]
        ci = "" if r["ci_low"] is None else f"{r['ci_low']:g} to {r['ci_high']:g}"
        p = "" if r["p"] is None else f"{'<' if r['p_relation'] == '<' else ''}{r['p']:g}"
        cells = [r["study"], r["kind"], r["comparator_name"], r["design_label"],
                 f"{r['population']['ms_type']}, n={r['population']['n'] or '—'}",
                 f"{o['scale']} ({o['units']}, {'higher' if o['higher_is_better'] else 'lower'} is better)",
                 r["statistic_label"], _value(r), ci, p, (r["certainty"] or "not graded").replace("_", " "),
                 f"{r['citation']} — {r['locator']}"]
        t.add_row(*(Text(str(x)) for x in cells))
    return t


def _claims_table(claims) -> Table:
    t = Table(title=Text("Claims decided by the store of other interventions (not ocrelizumab)"), show_lines=True)
    for c in ("claim", "verdict", "certainty (source's own)", "population", "aspects"):
        t.add_column(Text(c), overflow="fold")
    for c in claims:
        aspects = "\n".join(f"{a.question} — {a.verdict_text}" for a in c.aspects) or (c.outside_reason or "")
        t.add_row(*(Text(x) for x in (c.id, c.verdict_text, c.certainty, c.population_caveat, aspects)))
    return t


def print_store(store, *, as_json: bool, kind=None, outcome=None, population=None) -> None:
    rows = result_rows(store, kind, outcome, population)
    if as_json:
        typer.echo(dumps(rows, indent=1))
    else:
        console(width=220).print(_table(rows))


@app.command("interventions")
def interventions_cmd(
    kind: Annotated[str | None, typer.Option("--kind", help="Kind of intervention, e.g. exercise, "
                                             "balance_training, cooling, symptomatic_drug.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Outcome scale, e.g. T25FW, 6MWT, MSWS-12, "
                                                "falls_rate.")] = None,
    population: Annotated[str | None, typer.Option("--population", help=f"MS type: {', '.join(POPULATIONS)}.")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    claims: Annotated[bool, typer.Option("--claims", help="The claims this store decides, with verdicts.")] = False,
    schema: Annotated[bool, typer.Option("--schema", help="Print the JSON Schema of a study file.")] = False,
    evidence: Annotated[Path | None, typer.Option("--evidence", help="Interventions folder (default: "
                                                  "evidence/interventions of the store).")] = None,
) -> None:
    """List published results of other walking interventions (exercise, balance, cooling, walking aids,
    fampridine...), never mixed with ocrelizumab trials; `--claims` shows the verdicts this store gives.

    Example: `msevidence interventions --outcome T25FW`
    """
    _check("--population", population, POPULATIONS)
    from msevidence.evidence.interventions import Kind, Scale, Study, load_interventions
    from msevidence.judgement.interventions import intervention_claims

    if schema:
        typer.echo(json.dumps(Study.model_json_schema(), indent=2, ensure_ascii=False))
        return
    _check("--kind", kind, get_args(Kind))
    _check("--outcome", outcome, get_args(Scale))
    store = load_interventions(evidence)
    if claims:
        found = intervention_claims(store, evidence / "claims.yaml" if evidence else None)
        if as_json:
            typer.echo(dumps([c.to_dict() for c in found], indent=1))
        else:
            console(width=200).print(_claims_table(found))
        return
    print_store(store, as_json=as_json, kind=kind, outcome=outcome, population=population)
