"""ipywidgets controls for the weigh_evidence notebook: the Bayesian re-reading and the Summary of Findings
redraw when a control moves (in JupyterLab or Voilà); under papermill they are built but the notebook's static
figures are what a reader sees."""

from __future__ import annotations

from typing import Any

from msevidence.evidence import EvidenceSet
from msevidence.judgement.bayes import PRIOR_NAMES, BayesianReanalysis, published_likelihood, ratio_effect_of
from msevidence.judgement.sof import summary_of_findings


def reanalysable(ev: EvidenceSet) -> list[tuple[str, str]]:
    """(trial id, endpoint id) pairs with a ratio that can be re-read (a CI or a p value)."""
    out = []
    for t in ev:
        for e in t.endpoints:
            eff = ratio_effect_of(e)
            if eff is not None and (eff.ci_low is not None or eff.p is not None):
                out.append((t.id, e.id))
    return out


def bayes_explorer(ev: EvidenceSet, trial: str, endpoint: str, prior: str = "sceptical",
                   threshold: float = 0.8) -> Any:
    """Dropdowns for the endpoint and the prior, a slider for the important effect; redraws the figure."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import Markdown, display

    pairs = reanalysable(ev)
    style = {"description_width": "initial"}
    pick = w.Dropdown(options=[(f"{ev[t].name}: {ev[t].endpoint(e).label}", (t, e)) for t, e in pairs],
                      value=(trial, endpoint) if (trial, endpoint) in pairs else pairs[0], description="Result:",
                      style=style, layout=w.Layout(width="720px"))
    pri = w.Dropdown(options=list(PRIOR_NAMES), value=prior if prior in PRIOR_NAMES else "sceptical",
                     description="Prior:", style=style)
    thr = w.FloatSlider(min=0.5, max=0.95, step=0.01, value=threshold, description="Important effect (ratio):",
                        style=style, continuous_update=False)

    def show(result: tuple[str, str], prior_name: str, important: float) -> None:
        t, e = result
        r = BayesianReanalysis(prior_name, important).fit(published_likelihood(ev[t], e))
        r.plot()
        plt.show()
        display(Markdown(r.sentence()))

    out = w.interactive_output(show, {"result": pick, "prior_name": pri, "important": thr})
    return w.VBox([pick, w.HBox([pri, thr]), out])


def sof_explorer(ev: EvidenceSet, trials: list[str] | None = None) -> Any:
    """Checkboxes of trials; redraws the Summary of Findings figure and table for the ticked ones."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    boxes = {t.id: w.Checkbox(value=trials is None or t.id in trials, description=t.name) for t in ev}

    def show(**ticked: bool) -> None:
        chosen = [t for t, on in ticked.items() if on]
        if not chosen:
            return
        sof = summary_of_findings(ev, chosen)
        sof.plot()
        plt.show()
        display(sof.display_frame())

    out = w.interactive_output(show, boxes)
    return w.VBox([w.HBox(list(boxes.values())), out])
