"""The weigh_evidence analyst notebook (executed through the report runner with a reader's own estimates) and the
claims on the shipped teaching page."""

from __future__ import annotations

import html
import math
import re

import numpy as np
import pytest

import msevidence as mse
from msevidence import reports
from msevidence.judgement.claims import judge_claims


def _text(path) -> str:
    """Visible text of an HTML page (scripts, styles and tags removed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("weigh")
    csv = out / "mine.csv"
    csv.write_text("study,estimate,ci_low,ci_high\nA,0.70,0.55,0.89\nB,0.85,0.70,1.03\nC,0.60,0.40,0.90\n")
    runs = [reports.Run(name="weigh", notebook="weigh_evidence", audience="both",
                        parameters={"trial": "ORATORIO", "endpoint": "cdp12_edss", "threshold": 0.75,
                                    "prior": "0,0.2", "method": "reml", "estimates_csv": str(csv)})]
    res = {r.name: r for r in reports.render(reports.ReportSet(name="weigh-tests", runs=runs), out=out, workers=1)}
    for r in res.values():
        assert r.status == "ok", r.error
    return out / "weigh-tests", res  # each set renders into its own folder


@pytest.mark.slow
def test_weigh_notebook_records_posterior_pooling_and_refusals(rendered):
    out, res = rendered
    rec = res["weigh"].recorded
    hr = mse.load_evidence()["ORATORIO"].endpoint("cdp12_edss").effect("hazard_ratio")
    y, s = math.log(hr.estimate), (math.log(hr.ci_high) - math.log(hr.ci_low)) / (2 * 1.959963984540054)
    prec = 1 / 0.2 ** 2 + 1 / s ** 2
    assert rec["bayes"]["posterior"]["hr"] == pytest.approx(math.exp((y / s ** 2) / prec), rel=1e-9)
    assert rec["bayes"]["prior"] == {"name": "custom", "mean_log_hr": 0.0, "sd_log_hr": 0.2}
    assert rec["bayes"]["threshold"] == 0.75
    mine = next(v for k, v in rec["pooled"].items() if k.startswith("Your estimates"))
    assert mine["k"] == 3 and mine["method"] == "reml" and mine["tau2"] >= 0
    # fixed-effect check by hand on the same CSV
    est = np.log([0.70, 0.85, 0.60])
    se = (np.log([0.89, 1.03, 0.90]) - np.log([0.55, 0.70, 0.40])) / (2 * 1.959963984540054)
    w = 1 / se ** 2
    q = float(np.sum(w * (est - np.sum(w * est) / w.sum()) ** 2))
    assert mine["q"] == pytest.approx(q, rel=1e-9)
    assert any("comparators of the same kind" in v for v in rec["refusals"].values())
    assert any("EDSS/T25FW/9HPT vs EDSS/9HPT" in v for v in rec["refusals"].values())
    assert [c["verdict"] for c in rec["claims"]] == [v.verdict.value for v in judge_claims(mse.load_evidence())]
    assert all(c["certainty"] for c in rec["claims"])
    assert rec["sof"] and all(len(r["certainty_domains"]) == 5 for r in rec["sof"])
    analyst = (out / "weigh.analyst.html").read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', analyst)) >= 4
    assert "NaN" not in _text(out / "weigh.analyst.html")


@pytest.mark.slow
def test_teaching_page_shows_the_claims_in_plain_words(shipped):
    run = shipped("teaching/teaching-oratorio")  # the session's render of the shipped page (tests/conftest.py)
    text = _text(run.page("lay"))
    assert "What people say, and what the trials show" in text
    for v in judge_claims(mse.load_evidence()):
        assert v.claim.rstrip(".") in text
    assert "cdp12_edss" not in text and "msevidence" not in text.split("Evidence file")[0]
    assert "NaN" not in text and "_" not in text.split("What people say")[1].split("What these numbers")[0]
    assert {c["verdict"] for c in run.recorded["claims"]} >= {"supported", "outside the trial evidence"}


def test_weigh_notebook_is_in_the_analyst_set():
    cfg = reports.load_report_set("analyst")
    assert any(r.notebook == "weigh_evidence" for r in cfg.runs)
