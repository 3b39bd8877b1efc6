"""The personal page says what every other page says: for each Ocrevus outcome it draws, the risks (basis and
period included) and the certainty are the trial answer's (``trial_answer(...).to_json()``, what
``msevidence answer --json`` prints) and the Summary of Findings' (``msevidence sof --json``), rated against the
question recorded for the person's MS type; the certainty is said in plain words. A fixture trial that publishes
one outcome on two bases shows that the page takes the answer's basis, not the first pair of numbers it finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import msevidence as mse
from msevidence.answers.person import POPULATION_PREFIX
from msevidence.answers.personal import (
    DRAWN_DOMAINS,
    QUESTION_FOR_MS_TYPE,
    ocrelizumab_outcomes,
    personal_answer,
)
from msevidence.answers.trial_answer import trial_answer
from msevidence.cli import app
from msevidence.evidence import load_evidence
from msevidence.evidence.measurement import load_measurement_store
from msevidence.judgement import grade
from msevidence.judgement.grade import QUESTIONS
from msevidence.judgement.sof import summary_of_findings
from msevidence.presentation import personal_text
from msevidence.presentation.figures.icon_array import out_of_100
from msevidence.presentation.plain_certainty import NOT_RATED, PLAIN_LEVELS, plain_level, plain_reasons
from msevidence.reports import load_report_set

EV = mse.load_evidence()
M = load_measurement_store()
PEOPLE = {r.name: {k: v for k, v in r.parameters.items() if k not in ("example", "app")}
          for r in load_report_set("default").runs if r.notebook == "personal"}
FIXTURE = Path(__file__).parent / "fixtures" / "evidence" / "personal_two_bases.yaml"
# every key the personal JSON had before the outcomes came from the trial answer (public: extended, never renamed)
OUTCOME_KEYS = {"key", "domain", "title", "event", "source_label", "trial_name", "comparator", "comparator_kind",
                "weeks", "published_without", "published_with", "higher_is_better", "citation", "certainty",
                "certainty_reasons", "rule", "provider", "treatment", "placebo_words", "group_words", "counts", "fit"}
NEW_KEYS = {"basis", "period", "weeks_bound", "grade_certainty", "grade_reasons", "grade_question", "from_answer"}
JARGON = ("GRADE", "hazard", "confidence interval", " CI", "imprecision", "indirectness", "risk of bias",
          "post hoc", "optimal information", "credible", "p value", "p =", "comparator", "congress")


def _answer_json(trial: str, ms_type: str, ev=EV) -> dict:
    return trial_answer(ev, trial, question=QUESTIONS[QUESTION_FOR_MS_TYPE[ms_type]]).to_json()


def _sof_rows(trial: str, ms_type: str, ev=EV) -> dict:
    sof = summary_of_findings(ev, [trial], QUESTIONS[QUESTION_FOR_MS_TYPE[ms_type]]).to_json()
    return {r["endpoint"]: r for r in sof["rows"]}


def _from_trials(a):
    return [o for o in a.outcomes if o.provider == "ocrelizumab trials"]


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_each_ocrevus_outcome_has_the_answers_risks_basis_period_and_certainty(name):
    person = PEOPLE[name]
    a = personal_answer(**person, evidence=EV, measurement=M)
    drawn = [o for o in _from_trials(a) if o.from_answer]
    assert drawn, f"{name}: no outcome from a trial answer"
    for o in drawn:
        trial, endpoint = o.key.split("/")
        e = next(x for x in _answer_json(trial, person["ms_type"])["endpoints"] if x["endpoint"] == endpoint)
        ab = e["absolute"]
        assert ab["kind"] == "observed", o.key
        assert (o.published_without, o.published_with) == (ab["control_risk"], ab["treatment_risk"]), o.key
        assert o.basis == ab["basis"], o.key
        if ab["week"] is not None:  # a risk at a week: the same week
            assert o.weeks == ab["week"] and o.period == f"by week {ab['week']:g}", o.key
        else:  # over the trial period, as every page says ("during the trial")
            assert ab["basis"] == "trial_period" and o.period.startswith("during the trial"), o.key
        assert o.grade_certainty == e["certainty"] and list(o.grade_reasons) == e["certainty_reasons"], o.key
        sof = _sof_rows(trial, person["ms_type"])[endpoint]  # the Summary of Findings says the same
        assert sof["certainty"] == o.grade_certainty and list(sof["certainty_reasons"]) == list(o.grade_reasons)
        assert sof["absolute_kind"] == "observed"
        assert sof["control_risk_per_1000"] == pytest.approx(1000 * o.published_without)
        assert sof["intervention_risk_per_1000"] == pytest.approx(1000 * o.published_with)
        assert o.certainty == PLAIN_LEVELS[o.grade_certainty]  # said in plain words
        assert o.certainty_reasons == plain_reasons(o.grade_reasons)
        assert bool(o.certainty_reasons) == bool(o.grade_reasons)
        c, t = out_of_100(ab["control_risk"]), out_of_100(ab["treatment_risk"])
        assert (o.counts.without, o.counts.with_) == ((100 - c, 100 - t) if o.higher_is_better else (c, t))


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_every_observed_result_of_the_answer_is_drawn_and_nothing_else_claims_to_be(name):
    """Each endpoint of the person's trials whose answer has both groups' risks is drawn from the answer; an
    endpoint of the answer without them is not drawn (no switch to another basis) and is listed with a reason."""
    person = PEOPLE[name]
    a = personal_answer(**person, evidence=EV, measurement=M)
    keys = {o.key for o in _from_trials(a) if o.from_answer}
    fallback = {o.key for o in _from_trials(a) if not o.from_answer}
    expected = set()
    for t in EV:
        if t.comparator == "delayed_treatment" or not t.population.startswith(POPULATION_PREFIX[person["ms_type"]]):
            continue
        for e in _answer_json(t.id, person["ms_type"])["endpoints"]:
            assert f"{t.id}/{e['endpoint']}" not in fallback  # an endpoint of the answer never falls back
            if e["absolute"]["kind"] == "observed" and e["domain"] in DRAWN_DOMAINS:
                expected.add(f"{t.id}/{e['endpoint']}")
    assert keys == expected
    assert all(why and "_" not in why for _, _, why in a.not_drawn)


def test_oratorio_12_week_progression_is_the_same_as_msevidence_answer_and_sof_print():
    runner = CliRunner()
    ans = runner.invoke(app, ["answer", "--trial", "ORATORIO", "--no-reproduce", "--json"])
    assert ans.exit_code == 0, ans.output
    main = json.loads(ans.output)
    ab = next(e for e in main["endpoints"] if e["endpoint"] == "cdp12_edss")
    sof = json.loads(runner.invoke(app, ["sof", "--trial", "ORATORIO", "--json"]).output)
    row = next(r for r in sof["rows"] if r["endpoint"] == "cdp12_edss")
    got = runner.invoke(app, ["personal", "--ms-type", "PPMS", "--json"])
    assert got.exit_code == 0, got.output
    o = next(x for x in json.loads(got.output)["outcomes"] if x["key"] == "ORATORIO/cdp12_edss")
    assert (o["published_without"], o["published_with"]) == (ab["absolute"]["control_risk"],
                                                             ab["absolute"]["treatment_risk"])
    assert o["basis"] == ab["absolute"]["basis"] == main["absolute_basis"]["basis"]
    assert o["grade_certainty"] == ab["certainty"] == row["certainty"] and o["from_answer"] is True
    assert o["grade_question"] == "ppms_vs_placebo" == QUESTION_FOR_MS_TYPE["PPMS"]


def test_relapsing_results_are_rated_against_the_recorded_question_as_answer_and_sof_do_with_it():
    runner = CliRunner()
    q = QUESTION_FOR_MS_TYPE["RMS"]
    got = json.loads(runner.invoke(app, ["personal", "--ms-type", "RMS", "--json"]).output)
    mine = [o for o in got["outcomes"] if o["provider"] == "ocrelizumab trials" and o["from_answer"]]
    assert mine
    for o in mine:
        trial, endpoint = o["key"].split("/")
        ans = json.loads(runner.invoke(app, ["answer", "--trial", trial, "--no-reproduce", "--json",
                                             "--question", q]).output)
        e = next(x for x in ans["endpoints"] if x["endpoint"] == endpoint)
        sof = json.loads(runner.invoke(app, ["sof", "--trial", trial, "--json", "--question", q]).output)
        row = next(r for r in sof["rows"] if r["endpoint"] == endpoint)
        assert o["grade_certainty"] == e["certainty"] == row["certainty"] and o["grade_question"] == q
        assert o["grade_reasons"] == e["certainty_reasons"]
        assert (o["published_without"], o["published_with"]) == (e["absolute"]["control_risk"],
                                                                 e["absolute"]["treatment_risk"])
    bad = runner.invoke(app, ["answer", "--trial", "ORATORIO", "--question", "spms_vs_nothing"])
    assert bad.exit_code == 2 and "--question" in bad.output


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_the_json_keeps_every_old_key_and_adds_basis_period_and_grade(name):
    got = personal_answer(**PEOPLE[name], evidence=EV, measurement=M).to_json()
    for o in got["outcomes"] + got["questionnaire_results"]:
        assert set(o) >= OUTCOME_KEYS | NEW_KEYS, (OUTCOME_KEYS | NEW_KEYS) - set(o)
        assert o["period"] and isinstance(o["from_answer"], bool)
        assert o["certainty"] == plain_level(o["grade_certainty"])
    json.dumps(got, allow_nan=False)


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_a_result_not_in_the_answer_is_labelled_and_rated_by_the_same_engine_or_not_at_all(name):
    """An endpoint the trial answer does not hold (composite outcomes are not in the Summary of Findings) is read
    from the trial report, labelled on the page, and rated by the SoF's engine against the same question."""
    from msevidence.judgement.main_effect import main_effect
    from msevidence.judgement.sof import rate

    person = PEOPLE[name]
    a = personal_answer(**person, evidence=EV, measurement=M)
    for o in [o for o in _from_trials(a) if not o.from_answer]:
        trial_id, endpoint = o.key.split("/")
        assert endpoint not in {e["endpoint"] for e in _answer_json(trial_id, person["ms_type"])["endpoints"]}
        text = " ".join(personal_text.outcome_sentences(o))
        assert "not in our main summary" in text and "read straight from the trial report" in text
        assert "main summary" in o.rule
        assert not any(r["What"] == o.title and r["Trial"] == o.trial_name for r in personal_text.take_home_rows(a))
        trial = EV[trial_id]
        ep = trial.endpoint(endpoint)
        eff = main_effect(ep)
        if eff is None:
            assert o.grade_certainty is None and o.certainty == NOT_RATED
        else:
            c = rate(trial, ep, eff, EV, question=QUESTIONS[QUESTION_FOR_MS_TYPE[person["ms_type"]]],
                     control_risk=None if o.higher_is_better else o.published_without)
            assert (o.grade_certainty, o.grade_reasons) == (c.rating, c.reasons)


def test_higher_is_better_results_still_draw_the_people_with_the_bad_outcome():
    a = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M)
    good = [o for o in _from_trials(a) if o.higher_is_better]
    assert good  # no evidence of progression (ORATORIO), read from the trial report
    for o in good:
        assert o.counts.without == 100 - out_of_100(o.published_without)
        assert o.counts.with_ == 100 - out_of_100(o.published_with)


# -- a fixture trial that publishes one outcome on two bases -----------------------------------------------------
@pytest.fixture(scope="module")
def two_bases():
    ev = load_evidence(FIXTURE)
    return ev, ev["FIXTURE_TWO_BASES"]


def test_the_fixture_is_what_it_claims(two_bases):
    ev, trial = two_bases
    ep = trial.endpoint("cdp12_edss")
    assert [r.statistic for r in ep.results][:2] == ["km_proportion_at_week"] * 2  # the KM pair comes first
    assert {r.statistic for r in ep.results} == {"km_proportion_at_week", "proportion_with_event"}
    assert trial_answer(ev, trial.id).absolute_basis["basis"] == "trial_period"  # most endpoints: trial period


def test_the_page_takes_the_answers_basis_not_the_first_pair(two_bases):
    ev, trial = two_bases
    a = personal_answer(ms_type="PPMS", evidence=ev, measurement=M, providers=(ocrelizumab_outcomes,))
    o = a.outcome(f"{trial.id}/cdp12_edss")
    ep = trial.endpoint("cdp12_edss")
    period = {r.arm: r.value for r in ep.results if r.statistic == "proportion_with_event"}
    first = {r.arm: r.value for r in ep.results[:2]}
    assert (o.published_without, o.published_with) == (period[trial.control.id], period[trial.treatment.id])
    assert (o.counts.without, o.counts.with_) == (out_of_100(period[trial.control.id]),
                                                  out_of_100(period[trial.treatment.id]))
    assert (o.counts.without, o.counts.with_) != (out_of_100(first[trial.control.id]),
                                                  out_of_100(first[trial.treatment.id]))
    assert o.basis == "trial_period" and o.from_answer
    assert o.weeks == trial.design.min_follow_up_weeks and o.weeks_bound == "at least"
    assert o.period == f"during the trial (at least {trial.design.min_follow_up_weeks} weeks)"
    assert "at least" in personal_text.outcome_sentences(o)[0]
    e = trial_answer(ev, trial.id).endpoint("cdp12_edss")
    assert o.grade_certainty == e.certainty and o.certainty == PLAIN_LEVELS[e.certainty]


def test_a_higher_is_better_outcome_of_the_answer_counts_the_people_with_the_bad_outcome(two_bases):
    ev, trial = two_bases
    a = personal_answer(ms_type="PPMS", evidence=ev, measurement=M, providers=(ocrelizumab_outcomes,))
    o = a.outcome(f"{trial.id}/free_of_cdp12_w120")
    ep = trial.endpoint("free_of_cdp12_w120")
    free = {r.arm: r.value for r in ep.results if r.statistic == "proportion_with_event"}
    assert o.from_answer and o.higher_is_better
    assert (o.counts.without, o.counts.with_) == (100 - out_of_100(free[trial.control.id]),
                                                  100 - out_of_100(free[trial.treatment.id]))
    assert o.grade_certainty == trial_answer(ev, trial.id).endpoint(ep.id).certainty


# -- certainty in plain words --------------------------------------------------------------------------------------
def _every_rated_reason() -> set[str]:
    out = set()
    for q in QUESTIONS.values():
        for r in summary_of_findings(EV, None, q).rows:
            out |= set(r.certainty_reasons)
    return out


def test_every_level_has_plain_words_and_every_reason_the_store_gets_is_said_plainly():
    assert set(PLAIN_LEVELS) == set(grade.LEVELS)
    assert len(set(PLAIN_LEVELS.values())) == len(grade.LEVELS)
    reasons = _every_rated_reason()
    assert reasons
    for r in reasons:
        said = plain_reasons([r])
        assert said, r
        assert "other reasons" not in " ".join(said), r  # each kind of reason is known, not said generally
        for word in JARGON:
            assert word.lower() not in " ".join(said).lower(), (word, said)
    assert plain_reasons(["a new kind (serious): something"]) == ("there are other reasons to be careful with "
                                                                 "this result",)


def test_the_old_ad_hoc_rule_is_gone():
    import msevidence.answers.personal as personal

    assert not hasattr(personal, "certainty_reasons") and not hasattr(personal, "CERTAINTY_WORDS")


@pytest.mark.parametrize("ms_type", sorted(QUESTION_FOR_MS_TYPE))
def test_the_recorded_question_is_about_the_trials_the_page_draws_for_that_ms_type(ms_type):
    """The question each MS type is rated against has the phenotype and comparator of that type's trials (so
    relapsing results are not marked down for not being placebo trials in PPMS)."""
    q = QUESTIONS[QUESTION_FOR_MS_TYPE[ms_type]]
    trials = [t for t in EV if t.comparator != "delayed_treatment" and t.population.startswith(
        POPULATION_PREFIX[ms_type])]
    assert trials
    for t in trials:
        assert t.phenotype == q.phenotype and t.comparator in q.comparators, (ms_type, t.id, q.name)
