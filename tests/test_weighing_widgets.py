"""The weigh_evidence controls build without a frontend and redraw on a change; the answers sections."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import msevidence as mse
from msevidence.answers import pooling_examples, weighing
from msevidence.presentation.weighing_widgets import bayes_explorer, reanalysable, sof_explorer


def test_bayes_explorer_redraws_on_prior_change():
    ev = mse.load_evidence()
    box = bayes_explorer(ev, "ORATORIO", "cdp12_edss")
    pick, (prior, thr), out = box.children[0], box.children[1].children, box.children[2]
    assert pick.value == ("ORATORIO", "cdp12_edss") and prior.value == "sceptical"
    before = len(out.outputs)
    prior.value = "enthusiastic"
    thr.value = 0.7
    assert len(out.outputs) >= before  # interactive_output re-ran show()
    assert ("ORATORIO", "neoplasms") not in reanalysable(ev)


def test_sof_explorer_builds():
    box = sof_explorer(mse.load_evidence(), ["ORATORIO"])
    boxes = box.children[0].children
    assert sum(b.value for b in boxes) == 1


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
