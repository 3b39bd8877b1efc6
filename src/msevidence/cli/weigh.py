"""`msevidence sof | reanalyze | pool | claims`: weigh the evidence (GRADE summary, Bayesian re-reading, pooling,
claims). Parsing and formatting only; every expected failure is one line on stderr and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from msevidence import formatting as fmt
from msevidence.cli.app import app
from msevidence.cli.output import console, dumps, inert
from msevidence.errors import OptionError

EvidenceOpt = Annotated[Path | None, typer.Option("--evidence", help="Evidence folder (default: the store).")]


def _run(body: Callable[[], None]) -> None:
    body()  # an MsEvidenceError is one line on stderr, exit 2 (msevidence.cli.errors)


def _json(obj: Any) -> str:
    """Strict JSON: a non-finite number becomes null with ``<key>_reason`` beside it (:func:`output.dumps`)."""
    return dumps(obj, indent=1)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    t = Table(title=Text(title), show_lines=True)
    for c in columns:
        t.add_column(Text(c))
    for r in rows:
        t.add_row(*(Text("" if v is None else inert(v)) for v in r))
    return t


def _format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise OptionError("--format", f"expected one of {', '.join(allowed)}, got {fmt!r}")
    return fmt


def _evidence(path: Path | None):
    from msevidence.evidence import load_evidence

    return load_evidence(path)


@app.command("sof")
def sof_cmd(
    trial: Annotated[list[str] | None, typer.Option("--trial", "-t", help="Trial id (repeatable; default: all).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")] = False,
    question: Annotated[str, typer.Option(help="Question the certainty is rated against: ppms_vs_placebo or "
                                               "rms_vs_interferon.")] = "ppms_vs_placebo",
    evidence: EvidenceOpt = None,
) -> None:
    """GRADE Summary of Findings: disability progression and walking speed apart, absolute effects per 1,000,
    certainty by domain against a question.

    Example: `msevidence sof --trial ORATORIO`
    """

    def body():
        from msevidence.judgement.grade import QUESTIONS
        from msevidence.judgement.sof import summary_of_findings

        f = "json" if as_json else _format(fmt, ("table", "csv", "json"))
        if question not in QUESTIONS:
            raise OptionError("--question", f"expected one of {', '.join(QUESTIONS)}, got {question!r}")
        sof = summary_of_findings(_evidence(evidence), trial or None, QUESTIONS[question])
        if f == "json":
            typer.echo(_json(sof.to_json()))
        elif f == "csv":
            typer.echo(sof.to_frame().to_csv(index=False), nl=False)
        else:
            df = sof.display_frame(analyst=True)
            console(width=220).print(_table("Summary of findings (absolute effects derived: GRADE guideline 27)",
                                            list(df.columns), df.values.tolist()))
            for note in sof.footnotes:
                console(width=220).print(Text(note))

    _run(body)


@app.command("reanalyze")
def reanalyze_cmd(
    trial: Annotated[str, typer.Option("--trial", "-t", help="Trial id, e.g. ORATORIO.")],
    endpoint: Annotated[str, typer.Option("--endpoint", "-e", help="Endpoint id, e.g. cdp12_edss.")],
    prior: Annotated[str, typer.Option(help="sceptical, neutral, enthusiastic, pessimistic, or MEAN,SD of the log "
                                            "ratio.")] = "sceptical",
    threshold: Annotated[float, typer.Option(help="Clinically important ratio (below 1; its inverse where higher is "
                                                  "better). Used only for P(important benefit): never changes the "
                                                  "prior.")] = 0.8,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    evidence: EvidenceOpt = None,
) -> None:
    """Bayesian re-reading of a published ratio: posterior, credible interval, P(benefit), P(important benefit),
    read in the endpoint's own direction; refuses endpoints that are not ratios of events or proportions.

    Example: `msevidence reanalyze --trial ORATORIO --endpoint cdp12_edss --prior sceptical`
    """

    def body():
        from msevidence.judgement.bayes import across_priors, make_prior, reanalyze

        make_prior(prior, threshold)  # the prior's range is checked before the evidence is read
        ev = _evidence(evidence)
        if trial not in ev:
            raise OptionError("--trial", f"no trial {trial!r}; known: {', '.join(ev.ids)}")
        r = reanalyze(ev[trial], endpoint, prior, threshold)
        if as_json:
            typer.echo(_json(r.to_json()))
            return
        c = console(width=160)
        c.print(Text(f"{r.likelihood_.label} — {r.likelihood_.note}"))
        c.print(Text(r.sentence()))
        df = across_priors(r.likelihood_, threshold)
        rows = [[p, fmt.fixed(m, 3, signed=True), fmt.fixed(s, 3), fmt.ratio(h), fmt.interval(lo, hi),
                 fmt.probability(p1), fmt.probability(pt)]
                for p, m, s, h, lo, hi, p1, pt in df[["prior", "prior_mean_log_hr", "prior_sd_log_hr", "posterior_hr",
                                                      "cri_low", "cri_high", "p_benefit",
                                                      "p_important_benefit"]].itertuples(index=False)]
        side = ">" if r.higher_is_better_ else "<"
        c.print(_table("Across priors (derived)", ["prior", "mean log ratio", "SD", "posterior ratio", "95% CrI",
                                                   f"P({side}1)", f"P({side}{fmt.ratio(r.important_ratio_)})"], rows))

    _run(body)


@app.command("pool")
def pool_cmd(
    trials: Annotated[list[str] | None, typer.Option("--trials", help="Trial ids to pool (repeat, or list after "
                                                                      "one --trials).")] = None,
    endpoint: Annotated[list[str] | None, typer.Option("--endpoint", "-e", help="Endpoint id (one for all trials, "
                                                                                "or one per trial).")] = None,
    estimates: Annotated[Path | None, typer.Option("--estimates", help="CSV: study, estimate, ci_low, ci_high "
                                                                       "(ratio scale, 95% CI).")] = None,
    method: Annotated[str, typer.Option(help="fixed, dl (DerSimonian-Laird) or reml.")] = "dl",
    hk: Annotated[bool, typer.Option("--hk", help="Also give the Hartung-Knapp(-Sidik-Jonkman) CI of the mean "
                                                  "(t, k-1 df).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    evidence: EvidenceOpt = None,
    extra: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
) -> None:
    """Pool ratios on the log scale (fixed, DL, REML) — only like with like; refuses with the reason otherwise.

    Example: `msevidence pool --trials OPERA_I OPERA_II --endpoint arr`
    """

    def body():
        from msevidence.judgement.pooling import MetaAnalysis, estimates_from_store, read_estimates_csv

        model = MetaAnalysis(method, hartung_knapp=hk)
        if estimates is not None and (trials or endpoint):
            raise OptionError("--estimates", "give either --estimates CSV or --trials with --endpoint, not both")
        if estimates is not None:
            if extra:
                raise OptionError("--estimates", f"unexpected arguments: {' '.join(extra)}")
            est = read_estimates_csv(estimates)
        else:
            ids = [*(trials or []), *(extra or [])]
            if not ids:
                raise OptionError("--trials", "give --trials ID ID ... with --endpoint ID, or --estimates CSV")
            if not endpoint:
                raise OptionError("--endpoint", "pooling trials from the store needs --endpoint ID")
            est = estimates_from_store(_evidence(evidence), ids, list(endpoint))
        m = model.fit(est)
        if as_json:
            typer.echo(_json(m.to_json()))
            return
        c = console(width=160)
        df = m.to_frame()
        rows = [[s, fmt.ratio(r), fmt.interval(lo, hi), fmt.percent(w / 100), n]
                for s, r, lo, hi, w, n in df[["study", "ratio", "ci_low", "ci_high", "weight_pct",
                                              "note"]].itertuples(index=False)]
        c.print(_table(f"Pooled ratio ({m.method}; derived)", ["study", "ratio", "95% CI", "weight", "note"], rows))
        c.print(Text(m.heterogeneity_text()))

    _run(body)


@app.command("claims")
def claims_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (same as --format json).")] = False,
    evidence: EvidenceOpt = None,
) -> None:
    """What people say, and what the evidence shows: each claim with its verdict, certainty and sources.

    Example: `msevidence claims --format json`
    """

    def body():
        from msevidence.evidence.store import load_claims
        from msevidence.judgement.claims import judge_claims

        f = "json" if as_json else _format(fmt, ("table", "json"))
        ev = _evidence(evidence)
        report = judge_claims(ev, load_claims(evidence, ev) if evidence is not None else None)
        if f == "json":
            typer.echo(_json(report.to_json()))
            return
        rows = [[v.claim, v.verdict.value, v.certainty, v.explanation, "; ".join(v.sources)] for v in report]
        console(width=200).print(_table("What people say, and what the evidence shows",
                                        ["claim", "verdict", "certainty", "explanation", "sources"], rows))

    _run(body)
