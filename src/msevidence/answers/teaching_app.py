"""The teaching page's interactive explorer (ipywidgets; JupyterLab or Voilà): sliders over the answer's published
values (:mod:`msevidence.answers.teaching`)."""

from __future__ import annotations

from typing import Any

from msevidence.answers.teaching import progression_what_if, teachable_trials, walking_what_if
from msevidence.evidence import EvidenceSet, load_evidence
from msevidence.presentation.teaching import baseline_default, progression_figure, walking_figure


def explorer(evidence: EvidenceSet | None = None, trial: str | None = None) -> Any:
    """An ipywidgets app: pick a trial and one domain, move the sliders, see 100 people or a walking time.

    Sliders start at the published values (and the named baseline assumption); a moved slider is labelled
    "your what-if value" in the figure. Returns the widget (display it in JupyterLab or Voilà).
    """
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    ev = evidence or load_evidence()
    trials = teachable_trials(ev)
    trial = trial if trial in trials else trials[0]
    style = {"description_width": "initial"}
    pick = w.Dropdown(options=[(ev[t].name, t) for t in trials], value=trial, description="Trial:", style=style)
    domain = w.ToggleButtons(options=[("Disability getting worse", "disability_progression"),
                                      ("Walking speed", "walking_speed")], description="Question:",
                               style={**style, "button_width": "auto"})  # labels never cut
    risk = w.FloatSlider(min=1, max=90, step=0.1, readout_format=".1f", style=style, layout=_slider_layout(),
                         description="On placebo, people out of 100 who get worse:", continuous_update=False)
    hr = w.FloatSlider(min=0.3, max=1.5, step=0.01, style=style, layout=_slider_layout(), continuous_update=False,
                       description="Hazard ratio (below 1 = fewer get worse):")
    base = w.FloatSlider(min=3, max=30, step=0.1, readout_format=".1f", style=style, layout=_slider_layout(),
                         continuous_update=False, description="Seconds to walk 25 feet at the start:")
    reset = w.Button(description="Back to published values", icon="undo", layout=w.Layout(width="auto"))

    def defaults(_: Any = None) -> None:
        p = progression_what_if(pick.value, evidence=ev)
        risk.value, hr.value = round(100 * p["control_risk"], 1), round(p["hr"], 2)
        b = baseline_default(ev[pick.value])
        if b is not None:
            base.value = round(b, 1)
        base.disabled = not walking_what_if(pick.value, baseline_s=base.value, evidence=ev)["reported"]

    def show(trial: str, question: str, risk_pct: float, hr_value: float, baseline_s: float) -> None:
        if question == "disability_progression":
            r = progression_what_if(trial, control_risk=risk_pct / 100, hr=hr_value, evidence=ev)
            progression_figure(r)
        else:
            r = walking_what_if(trial, baseline_s=baseline_s, evidence=ev)
            if not r["reported"]:
                display(Markdown(f"**{r['message']}**"))
                return
            walking_figure(r)
        plt.show()
        display(Markdown("\n\n".join(r["sentences"])))

    def toggle(_: Any = None) -> None:  # only the sliders of the chosen question are shown
        prog = domain.value == "disability_progression"
        risk.layout.display = hr.layout.display = None if prog else "none"
        base.layout.display = "none" if prog else None

    defaults()
    toggle()
    pick.observe(defaults, names="value")
    domain.observe(toggle, names="value")
    reset.on_click(defaults)
    out = w.interactive_output(show, {"trial": pick, "question": domain, "risk_pct": risk, "hr_value": hr,
                                      "baseline_s": base})
    return w.VBox([w.HBox([pick, reset]), domain, risk, hr, base, out])


def _slider_layout() -> Any:
    """A fresh layout per slider, wide enough that its long label is not cut off (the label takes its room)."""
    import ipywidgets as w

    return w.Layout(width="100%", max_width="820px")

