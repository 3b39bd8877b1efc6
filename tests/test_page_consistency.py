"""On every page of every shipped set, an endpoint has the main effect, verdict, certainty and absolute numbers
of the typed answer's JSON and of ``msevidence sof -f json`` (issue 18: one answer, said the same way).

The pages are the session's renders of the shipped runs that show a trial's answer (tests/conftest.py), one
test per run.
"""

from __future__ import annotations

import json

import pytest
from conftest import shipped_params
from typer.testing import CliRunner

import msevidence as mse
from msevidence import formatting as fmt
from msevidence.answers.trial_answer import trial_answer
from msevidence.cli import app
from msevidence.presentation.record import recorded

EV = mse.load_evidence()
KEYS = ("verdict", "certainty", "certainty_reasons")


def sof_rows(trial: str, question: str | None = None) -> dict[str, dict]:
    r = CliRunner().invoke(app, ["sof", "--trial", trial, "-f", "json", *(["--question", question] if question else [])])
    assert r.exit_code == 0, r.output
    return {x["endpoint"]: x for x in json.loads(r.output)["rows"]}


def answer_json(trial: str, question: str | None = None) -> dict:
    r = CliRunner().invoke(app, ["answer", "--trial", trial, "--json", "--no-reproduce",
                                 *(["--question", question] if question else [])])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def same_numbers(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def check_endpoints(page_endpoints: list[dict], trial: str) -> None:
    fresh = {e["endpoint"]: e for e in answer_json(trial)["endpoints"]}
    sof = sof_rows(trial)
    assert {e["endpoint"] for e in page_endpoints} == set(fresh) == set(sof)
    for e in page_endpoints:
        f, s = fresh[e["endpoint"]], sof[e["endpoint"]]
        assert e["main_effect"] == f["main_effect"] and all(e[k] == f[k] for k in KEYS), e["endpoint"]
        assert (e["verdict"], e["certainty"], list(e["certainty_reasons"])) == (
            s["verdict"], s["certainty"], s["certainty_reasons"]), e["endpoint"]
        a = e["absolute"]
        assert a == f["absolute"] and a["kind"] == s["absolute_kind"], e["endpoint"]
        for mine, theirs in (("control_risk", "control_risk_per_1000"), ("treatment_risk", "intervention_risk_per_1000"),
                             ("difference", "difference_per_1000")):
            assert same_numbers(None if a[mine] is None else 1000 * a[mine], s[theirs]), (e["endpoint"], mine)


@pytest.mark.parametrize("trial", [t.id for t in EV])
def test_answer_json_and_sof_json_agree(trial):
    check_endpoints(answer_json(trial)["endpoints"], trial)


@pytest.mark.parametrize("spec", shipped_params(notebooks=("progression_vs_walking", "teaching", "weigh_evidence",
                                                           "walking_speed")))
def test_every_page_says_what_the_answer_and_sof_say(spec, shipped):
    nb = shipped(spec).notebook
    checked = 0
    rec = recorded(nb)
    if "answer" in rec:  # the main report: its recorded answer is the fresh one, and sof agrees
        trial = rec["trial"]
        check_endpoints(rec["answer"]["endpoints"], trial)
        main = rec["answer"]["domains"]["disability_progression"]["endpoint"]
        a = next(e["absolute"] for e in rec["answer"]["endpoints"] if e["endpoint"] == main)
        lay = nb.with_suffix(".lay.html")
        if a["kind"] == "observed" and lay.is_file():
            text = lay.read_text(encoding="utf-8")
            for risk in (a["control_risk"], a["treatment_risk"]):
                assert f"{fmt.per(risk, 100)} in 100" in text, (nb.name, risk)
            assert "expected from the hazard ratio (derived" not in text.lower()
        checked += 1
    if "sof" in rec:  # every page with a Summary of Findings shows sof --json's numbers
        for row in rec["sof"]:
            trial = next(t.id for t in EV if t.name == row["trial"])
            s = sof_rows(trial)[row["endpoint"]]
            for k in ("certainty", "verdict", "absolute_kind", "control_risk_per_1000",
                      "intervention_risk_per_1000", "difference_per_1000"):
                assert row[k] == s[k] or same_numbers(row[k], s[k]), (nb.name, row["endpoint"], k)
        checked += 1
    if "progression" in rec and "out_of_100" in rec.get("progression", {}):  # the teaching page
        t = rec["progression"]["trial"]
        ans = trial_answer(EV, t)
        main = ans.main("disability_progression")
        if main is not None and main.absolute.observed and not rec["progression"]["what_if"]:
            assert rec["progression"]["out_of_100"]["placebo"] == round(100 * main.absolute.control_risk)
            assert rec["progression"]["out_of_100"]["ocrelizumab"] == round(100 * main.absolute.treatment_risk)
        checked += 1
    if "walking" in rec and "verdict" in rec:  # the walking page: its bottom line is the answer's walking verdict
        trial = spec.parameters["trial"]
        domain = answer_json(trial)["domains"]["walking_speed"]
        assert rec["verdict"] == domain["verdict"], (nb.name, rec["verdict"], domain["verdict"])
        text = " ".join(shipped(spec).text("analyst").split())
        assert " ".join(domain["sentence"].split())[:80] in text, nb.name
        checked += 1
    assert checked, f"{nb.name} records no answer, Summary of Findings, teaching or walking numbers"


@pytest.mark.parametrize("spec", shipped_params(notebooks=("personal",)))
def test_every_personal_page_draws_the_answers_risks_and_the_sofs_certainty(spec, shipped):
    """The rendered personal page: each Ocrevus outcome taken from a trial's answer has that answer's observed
    risks and the certainty `sof --json` gives against the question the page recorded; the lay page says both
    counts out of 100."""
    run = shipped(spec)
    rec, text = run.recorded["personal"], " ".join(run.text("lay").split())
    drawn = [o for o in rec["outcomes"] if o["from_answer"]]
    assert drawn, f"{spec.id}: no outcome drawn from a trial's answer"
    for o in drawn:
        trial_name, endpoint = o["key"].split("/")
        trial = next(t.id for t in EV if t.id == trial_name or t.name == o["trial_name"])
        answer = {e["endpoint"]: e for e in answer_json(trial, o["grade_question"])["endpoints"]}[endpoint]
        a = answer["absolute"]
        assert a["kind"] == "observed" and (o["published_without"], o["published_with"]) == (
            a["control_risk"], a["treatment_risk"]), o["key"]
        assert o["grade_certainty"] == answer["certainty"] == sof_rows(trial, o["grade_question"])[endpoint]["certainty"]
        bad = (o["published_without"], o["published_with"])
        if o["higher_is_better"]:
            bad = (1 - bad[0], 1 - bad[1])
        assert (o["counts"]["without"], o["counts"]["with"]) == tuple(int(fmt.per(x, 100)) for x in bad), o["key"]
        for n in (o["counts"]["without"], o["counts"]["with"]):
            assert f"{n} of 100" in text, (spec.id, o["key"], n)
