"""Display of the personal page (notebook, report and Voilà app): one function per section, each showing a
:class:`~msevidence.answers.personal.PersonalAnswer` (duck-typed here; built in the answers layer).

Parts meant for the one-page take-home PDF are wrapped in ``<div class="take-home">``; the print stylesheet of
:mod:`msevidence.reports.pdf` prints only those when a page has any. Text reaching HTML is escaped.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from typing import Any

from msevidence import formatting as fmt
from msevidence.presentation import personal_text as words
from msevidence.presentation.figures.icon_array import LABELS, icon_array_pair
from msevidence.presentation.figures.noise_band import noise_band
from msevidence.presentation.tables import details, inline_markdown

TAKE_HOME = "take-home"


def printable(html_text: str) -> str:
    """HTML marked for the take-home PDF."""
    return f'<div class="{TAKE_HOME}">{html_text}</div>'


def figure_html(fig: Any, alt: str) -> str:
    """A matplotlib figure as an embedded PNG ``<img>`` (closed after drawing)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" style="max-width:100%">'


def _display(html_text: str) -> None:
    from IPython.display import HTML, display

    display(HTML(html_text))


def outcome_figure(o: Any) -> Any:
    """The two icon arrays (without / with Ocrevus) of one outcome, titled with the time span."""
    t = o.treatment
    without = (f"Without {t} (placebo)" if o.comparator_kind == "placebo" else f"On {o.comparator}")
    worse, _, spared = o.group_words
    labels = {"worse_either": worse, "spared": f"{spared} {t}",
              "harmed": f"harmed by {t}", "fine": LABELS["fine"]}
    return icon_array_pair(o.counts, f"{without}: {o.counts.without} of 100", f"With {t}: {o.counts.with_} of 100",
                           labels=labels, suptitle=f"{o.title}, {words.time_span(o)} ({o.trial_name})")


def summary_html(answer: Any) -> list[str]:
    """The take-home summary: who this is for and one row per outcome (each with its time span)."""
    p = answer.person
    known = [f"{p.ms_type_name}"] + ([f"age {p.age_band}"] if p.age_band else []) \
        + ([f"EDSS {fmt.fixed(p.edss, 1)}"] if p.edss is not None else []) \
        + ([f"walk time {fmt.fixed(p.t25fw_s, 1)} seconds"] if p.t25fw_s is not None else []) \
        + ([f"walking questionnaire {fmt.fixed(p.msws12, 0)}"] if p.msws12 is not None else [])
    rows = words.take_home_rows(answer)
    head = "".join(f"<th>{html.escape(k)}</th>" for k in (rows[0] if rows else {}))  # left-aligned by reports' CSS
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in r.values()) + "</tr>" for r in rows)
    table = (f"<table class='take-home-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
             if rows else "<p>No trial in our evidence published these numbers for this type of MS.</p>")
    intro = inline_markdown(f"**For:** {', '.join(known)}.\n\nOut of 100 people like those in the trials, how "
                            "many had each of these outcomes, without and with Ocrevus (ocrelizumab)? Each row gives "
                            "its own time span. More results are further down the page.")
    return [printable(intro + table)]


def outcomes_html(answer: Any, take_home: int = 1) -> list[str]:
    """Each outcome: its two icon arrays and its sentences; the first `take_home` are marked for the PDF."""
    if not answer.outcomes:
        return [inline_markdown("No trial in our evidence published a share of people with these outcomes at a "
                                "stated time for this type of MS.")]
    out = []
    for i, o in enumerate(answer.outcomes):
        block = figure_html(outcome_figure(o), f"{o.title}: two pictures of 100 people") \
            + inline_markdown("\n\n".join(words.outcome_sentences(o)))
        out.append(printable(block) if i < take_home else block)
    return out


def walk_html(answer: Any) -> list[str]:
    """How much would I notice: the walk-time band figure and its sentences (the main ones marked for the PDF)."""
    w = answer.walk
    if w is None:
        return [inline_markdown(words.no_walk_sentence())]
    pop = (w.msoac_q1_s, w.msoac_median_s, w.msoac_q3_s) if w.msoac_median_s is not None else None
    ax = noise_band(w.t25fw_s, w.band_low_s, w.band_high_s, w.worse20_s, population=pop,
                    source=w.variability_citation)
    said = words.walk_sentences(w)
    return [printable(figure_html(ax.figure, "your walk time and the band of ordinary variation")
                      + inline_markdown("\n\n".join(said[:5] + said[-1:]))),
            inline_markdown("\n\n".join(said[5:-1]))] + [
        inline_markdown("**What the trials saw.** " + " ".join(words.walk_change_sentences(c, w.band_high_s)))
        for c in answer.walk_changes]


def questionnaire_html(answer: Any) -> list[str]:
    """The MSWS-12: the person's score with its important change (context only), then any published
    questionnaire results from other providers as their own icon arrays (kept apart from EDSS and the walk)."""
    results = [figure_html(outcome_figure(o), f"{o.title}: two pictures of 100 people")
               + inline_markdown("\n\n".join(words.outcome_sentences(o))) for o in answer.questionnaire_results]
    q = answer.questionnaire
    if q is None:
        return [inline_markdown("You did not give a walking questionnaire (MSWS-12) score. It is optional."), *results]
    return [printable(inline_markdown("\n\n".join(words.questionnaire_sentences(q, answer.questionnaire_results)))),
            *results]


def questions_html(answer: Any) -> list[str]:
    return [printable("<h3>Questions to take to your neurologist</h3>"
                      + inline_markdown("\n".join(f"- {q}" for q in words.questions_to_ask(answer))))]


def method_html(answer: Any) -> list[str]:
    return [details("How these numbers were worked out", words.method_details(answer))]


SECTIONS = {"summary": summary_html, "outcomes": outcomes_html, "walk": walk_html,
            "questionnaire": questionnaire_html, "questions": questions_html, "method": method_html}


def show(section: str, answer: Any) -> None:
    """Display one section (its HTML blocks, one output each)."""
    for block in SECTIONS[section](answer):
        _display(block)


def show_page(answer: Any) -> None:
    """Every section in order (used by the Voilà app; the notebook shows them one by one between its headings)."""
    for name in SECTIONS:
        show(name, answer)


def app(build: Callable[..., Any], **defaults: Any) -> Any:
    """An ipywidgets form (MS type, age band, EDSS, walk time, questionnaire) that rebuilds the page with
    `build(**inputs)` (the answers layer's ``personal_answer``); a bad input shows its one-line error."""
    import ipywidgets as w
    from IPython.display import display

    from msevidence.errors import MsEvidenceError

    style = {"description_width": "initial"}
    ms = w.Dropdown(options=[("Primary progressive (PPMS)", "PPMS"), ("Relapsing (RMS)", "RMS")],
                    value=defaults.get("ms_type", "PPMS"), description="Type of MS:", style=style)
    age = w.Dropdown(options=[("not given", None), *[(b, b) for b in ("under 18", "18-29", "30-39", "40-49", "50-55",
                                                                    "56-65", "over 65")]],
                     value=defaults.get("age_band"), description="Age:", style=style)
    edss = w.Text(value="" if defaults.get("edss") is None else f"{defaults['edss']:g}",
                  description="EDSS, if known (0 to 10):", style=style)
    walk = w.Text(value="" if defaults.get("t25fw_s") is None else f"{defaults['t25fw_s']:g}",
                  description="Seconds to walk 25 feet (optional):", style=style)
    msws = w.Text(value="" if defaults.get("msws12") is None else f"{defaults['msws12']:g}",
                  description="Walking questionnaire MSWS-12, 0-100 (optional):", style=style)
    go = w.Button(description="Show my page", icon="user")
    out = w.Output()

    def number(text: str) -> float | str | None:
        t = text.strip()
        try:
            return float(t) if t else None
        except ValueError:
            return t  # the answers layer rejects it with a one-line error

    def refresh(_: Any = None) -> None:
        out.clear_output()
        with out:
            try:
                answer = build(ms_type=ms.value, age_band=age.value, edss=number(edss.value),
                               t25fw_s=number(walk.value), msws12=number(msws.value))
            except MsEvidenceError as exc:
                display(w.HTML(f"<b>Please check:</b> {html.escape(str(exc))}"))
                return
            show_page(answer)

    go.on_click(refresh)
    refresh()
    return w.VBox([ms, age, edss, walk, msws, go, out])
