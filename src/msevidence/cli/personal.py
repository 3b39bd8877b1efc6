"""`msevidence personal`: what the published evidence means for one person, out of 100 (the personal page's answer)."""

from __future__ import annotations

from typing import Annotated

import typer

from msevidence import formatting as fmt
from msevidence.cli.app import EvidenceOption, app, use_evidence


@app.command()
def personal(
    ms_type: Annotated[str, typer.Option(help="PPMS, or RMS (relapsing MS).")] = "PPMS",
    age_band: Annotated[str | None, typer.Option(help="under 18, 18-29, 30-39, 40-49, 50-55, 56-65 or over 65.")] = None,
    edss: Annotated[float | None, typer.Option(help="EDSS, 0 or 1.0 to 10.0 in steps of 0.5.")] = None,
    t25fw_s: Annotated[float | None, typer.Option("--t25fw-s", help="Seconds to walk 25 feet today.")] = None,
    msws12: Annotated[float | None, typer.Option(help="MSWS-12 walking questionnaire score, 0-100.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    evidence: EvidenceOption = None,
) -> None:
    """Out of 100 people like you, without and with Ocrevus, over the trials' stated time; and what a 20% slower
    walk and ordinary visit-to-visit variation mean for your walk time.

    Example: `msevidence personal --ms-type PPMS --edss 4.5 --t25fw-s 7.5`
    """
    use_evidence(evidence)
    from msevidence.answers.personal import personal_answer
    from msevidence.cli.output import dumps
    from msevidence.presentation.personal_text import time_span

    a = personal_answer(ms_type=ms_type, age_band=age_band, edss=edss, t25fw_s=t25fw_s, msws12=msws12)
    if as_json:
        typer.echo(dumps(a.to_json()))
        return
    for o in a.outcomes:
        without = (f"without {o.treatment}" if o.comparator_kind == "placebo"
                   else f"on {o.comparator} (not 'no treatment')")
        typer.echo(f"{o.title}, {time_span(o)} ({o.trial_name}): {without} "
                   f"{o.counts.without} of 100, with {o.treatment} {o.counts.with_} of 100; {o.certainty}"
                   + ("" if o.from_answer or o.provider != "ocrelizumab trials" else " (not in the trial's main "
                                                                                       "summary)"))
        for note in o.fit.notes:
            typer.echo(f"  {note}")
    if a.walk:
        w = a.walk
        typer.echo(f"Walk time {fmt.fixed(w.t25fw_s)} s: 20% slower = {fmt.fixed(w.worse20_s)} s; ordinary "
                   f"visit-to-visit variation {fmt.fixed(w.band_low_s)} to {fmt.fixed(w.band_high_s)} s "
                   f"({w.variability_citation})")
    if a.questionnaire:
        q = a.questionnaire
        typer.echo(f"MSWS-12 {fmt.fixed(q.score, 0)}: an important change is {fmt.fixed(q.important_change, 0)} points "
                   f"({q.citation})")
