"""The weigh_evidence controls build without a frontend and redraw on a change; the answers sections."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

import msevidence as mse
from msevidence import formatting as fmt
from msevidence.answers import pooling_examples, weighing
from msevidence.evidence import EvidenceSet
from msevidence.judgement.bayes import BayesianReanalysis, published_likelihood
from msevidence.judgement.sof import summary_of_findings
from msevidence.presentation.weighing_widgets import bayes_explorer, reanalysable, sof_explorer


def _last_axes():
    return plt.figure(plt.get_fignums()[-1]).axes[0]


def test_bayes_explorer_redraws_on_prior_change():
    ev = mse.load_evidence()
    plt.close("all")
    box = bayes_explorer(ev, "ORATORIO", "cdp12_edss")
    pick, (prior, thr) = box.children[0], box.children[1].children
    assert pick.value == ("ORATORIO", "cdp12_edss") and prior.value == "sceptical"
    assert "prior (sceptical)" in [t.get_text() for t in _last_axes().get_legend().get_texts()]
    prior.value = "enthusiastic"
    thr.value = 0.7
    ax = _last_axes()  # interactive_output re-ran show() with the new prior and threshold
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["prior (enthusiastic)", "likelihood (published result)", "posterior", f"important benefit ({fmt.ratio(0.7)})"]
    want = BayesianReanalysis("enthusiastic", 0.7).fit(published_likelihood(ev["ORATORIO"], "cdp12_edss"))
    d = want.densities()
    posterior = next(line for line in ax.get_lines() if line.get_label() == "posterior")
    np.testing.assert_allclose(posterior.get_xdata(), d["hr"])
    np.testing.assert_allclose(posterior.get_ydata(), d["posterior"])
    assert ("ORATORIO", "neoplasms") not in reanalysable(ev)
    plt.close("all")


def test_sof_explorer_redraws_for_the_ticked_trials():
    oratorio = mse.load_evidence()["ORATORIO"]
    ev = EvidenceSet({"ORATORIO": oratorio, "TWIN": oratorio.model_copy(update={"id": "TWIN", "name": "Twin"})}, {})
    plt.close("all")
    box = sof_explorer(ev, ["ORATORIO"])
    boxes = dict(zip(ev.ids, box.children[0].children, strict=True))
    assert [t for t, b in boxes.items() if b.value] == ["ORATORIO"]
    other = "TWIN"
    boxes[other].value = True

    def labels(trials):
        return [f"{r.trial}: {r.outcome}" for r in summary_of_findings(ev, trials).rows
                if r.estimable and r.difference_per_1000 is not None]

    drawn = [" ".join(t.get_text().split()) for t in reversed(_last_axes().get_yticklabels())]
    assert drawn == [" ".join(x.split()) for x in labels(["ORATORIO", other])] != labels(["ORATORIO"])
    plt.close("all")


def test_weighing_sections_plain_words_and_records():
    ev = mse.load_evidence()
    w = weighing(ev, "ORATORIO")
    r = w.reanalysis()
    assert r is not None and r.prior.name == "sceptical"
    assert "sceptical" in w.bayes_text() and "derived" in w.bayes_text()
    assert "out of 1,000 people" in w.sof_plain()
    assert set(w.bayes_table()["Trial"]) <= {t.name for t in ev.placebo_controlled()}
    assert w.bayes_table()["Trial"].iloc[0] == ev["ORATORIO"].name
    plain = w.claims_plain()
    assert "_" not in plain and "nan" not in plain.lower()
    rec = w.record()
    assert rec["sceptical"]["trial"] == "ORATORIO" and len(rec["claims"]) == len(w.claims.verdicts)


def test_pooling_examples_pool_opera_and_refuse_the_rest():
    ex = pooling_examples(mse.load_evidence(), "dl")
    assert any("OPERA I with OPERA II" in k for k in ex.pooled)
    assert len(ex.refusals) == 2 and "comparators of the same kind" in ex.refusals_markdown()
