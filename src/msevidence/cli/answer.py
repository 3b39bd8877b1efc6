"""`msevidence answer`: the typed answer for one trial (what every page renders), as a table or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from msevidence.cli.app import app
from msevidence.cli.output import console
from msevidence.cli.weigh import _evidence, _json, _run, _table
from msevidence.errors import OptionError


@app.command("answer")
def answer_cmd(
    trial: Annotated[str, typer.Option("--trial", "-t", help="Trial id, e.g. ORATORIO.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer's JSON (documented, versioned).")] = False,
    reproduce: Annotated[bool, typer.Option("--reproduce/--no-reproduce",
                                            help="Add the labelled synthetic reproduction (placebo trials).")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic reproduction.")] = 1,
    question: Annotated[str, typer.Option(help="Question the certainty is rated against: ppms_vs_placebo or "
                                               "rms_vs_interferon (as in `msevidence sof`).")] = "ppms_vs_placebo",
    evidence: Annotated[Path | None, typer.Option("--evidence", help="Evidence folder (default: the store).")] = None,
) -> None:
    """The answer a trial's pages show: per endpoint the main effect, verdict, certainty and absolute effect.

    Example: `msevidence answer --trial ORATORIO --no-reproduce`
    """

    def body():
        from msevidence.answers.trial_answer import answer_for
        from msevidence.judgement.grade import QUESTIONS

        if question not in QUESTIONS:
            raise OptionError("--question", f"expected one of {', '.join(QUESTIONS)}, got {question!r}")
        ev = _evidence(evidence)
        if trial not in ev:
            raise OptionError("--trial", f"no trial {trial!r}; known: {', '.join(ev.ids)}")
        a = answer_for(ev, trial, seed=seed, reproduce_trial=reproduce, question=QUESTIONS[question])
        if as_json:
            typer.echo(_json(a.to_json()))
            return
        from msevidence.judgement.absolute_effects import absolute_cell

        rows = [[e.label, e.main_effect.text if e.main_effect else "none published", e.verdict, e.certainty,
                 absolute_cell(e.absolute.kind, *(None if x is None else 1000 * x for x in (
                     e.absolute.control_risk, e.absolute.treatment_risk, e.absolute.difference,
                     e.absolute.difference_low, e.absolute.difference_high)), e.absolute.reason)]
                for e in a.endpoints]
        c = console(width=200)
        c.print(_table(f"{a.name}: {a.brand} vs {a.control} (absolute effects: {a.absolute_basis['text']})",
                       ["outcome", "main effect", "what it shows", "certainty", "absolute effect (per 1,000)"], rows))
        if a.reproduction is not None:
            c.print(f"Synthetic reproduction ({a.reproduction.label}), an illustration: {a.reproduction.note}",
                    markup=False)

    _run(body)
