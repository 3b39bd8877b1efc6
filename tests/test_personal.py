"""The personal page's answer: counts out of 100 equal the published risks rounded to whole people (recomputed here
from the evidence store), the noise band comes from its cited source, a mean change never becomes an icon array,
and invalid inputs get a one-line error (exit 2 from the command line)."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import msevidence as mse
from msevidence.answers.person import Person, PersonalInputError
from msevidence.answers.personal import NotDichotomousError, dichotomous_outcome, personal_answer
from msevidence.cli import app
from msevidence.evidence import validate
from msevidence.evidence.measurement import MEASUREMENT_NAME, load_measurement_store
from msevidence.paths import evidence_dir, report_sets_dir
from msevidence.presentation import personal_text
from msevidence.presentation.figures.icon_array import CatesCounts, icon_array, icon_array_pair
from msevidence.presentation.plain_certainty import NOT_RATED, PLAIN_LEVELS
from msevidence.reports import load_report_set

EV = mse.load_evidence()
M = load_measurement_store()
PEOPLE = {r.name: {k: v for k, v in r.parameters.items() if k not in ("example", "app")}
          for r in load_report_set("default").runs if r.notebook == "personal"}


def test_the_default_set_documents_three_example_people():
    assert len(PEOPLE) == 3
    assert {p["ms_type"] for p in PEOPLE.values()} == {"PPMS", "RMS"}
    walks = sorted(p["t25fw_s"] for p in PEOPLE.values())
    assert walks[0] < walks[1] < walks[2]  # a fast, a middle and a slow walker
    examples = [r.parameters["example"] for r in load_report_set("default").runs if r.notebook == "personal"]
    assert all("made up" in e for e in examples)


def _half_up(value: float) -> int:
    """Independent rounding: the decimal as written, times 100, plus one half, floored."""
    return math.floor(Decimal(str(value)) * 100 + Decimal("0.5"))


# the statistic behind each basis (the trial answer's, or a published share at a week for a labelled fallback)
BASIS_STATISTICS = {"km_at_week": {"km_proportion_at_week"}, "trial_period": {"proportion_with_event"},
                    "proportion_at_week": {"proportion", "proportion_with_event", "km_proportion_at_week"}}


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_counts_equal_the_published_risks_rounded_to_whole_people(name):
    """Counts are the published risks, read here from the evidence store on the outcome's basis (the trial
    answer's; tests/test_personal_consistency.py checks it is the answer's), rounded half up."""
    answer = personal_answer(**PEOPLE[name], evidence=EV, measurement=M)
    assert answer.outcomes, f"{name}: no outcome drawn"
    for o in answer.outcomes:
        if o.provider != "ocrelizumab trials":  # fampridine: test_fampridine_responders_from_the_other_store_...
            continue
        trial_id, ep_id = o.key.split("/")
        trial = EV[trial_id]
        ep = trial.endpoint(ep_id)
        at = {r.arm: r.value for r in ep.results if r.statistic in BASIS_STATISTICS[o.basis]
              and (o.basis == "trial_period" or (r.week if r.week is not None else ep.definition.week) == o.weeks)}
        c, t = _half_up(at[trial.control.id]), _half_up(at[trial.treatment.id])
        good = ep.higher_is_better or ep.definition.scale == "NEDA" or "higher is better" in ep.definition.summary
        if good:  # the published share is free of the outcome: the picture shows the others
            c, t = 100 - c, 100 - t
        n = o.counts
        assert (n.without, n.with_) == (c, t), o.key
        assert n.worse_either == min(c, t) and n.spared == max(c - t, 0) and n.harmed == max(t - c, 0)
        assert sum(n.group_sizes().values()) == 100
        assert o.weeks > 0 and f"{o.weeks:g} weeks" in personal_text.outcome_sentences(o)[0]  # time in the sentence
        assert o.certainty in (*PLAIN_LEVELS.values(), NOT_RATED)


def test_the_drawn_arrays_hold_exactly_the_counts():
    o = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M).outcomes[0]
    fig = icon_array_pair(o.counts, "without", "with")
    for ax, expected in zip(fig.axes[:2], (o.counts.without, o.counts.with_), strict=True):
        filled = sum(len(col.get_offsets()) for col in ax.collections
                     if tuple(col.get_facecolor()[0][:3]) != (1.0, 1.0, 1.0))
        assert filled == expected
        assert sum(len(col.get_offsets()) for col in ax.collections) == 100
        assert len({col.get_paths()[0].vertices.shape for col in ax.collections}) == len(ax.collections)  # shapes


def test_relapsing_ms_rows_are_labelled_as_a_comparison_with_another_medicine():
    answer = personal_answer(**PEOPLE["personal-fast-walker-rms"], evidence=EV, measurement=M)
    for o in answer.outcomes:
        if o.provider != "ocrelizumab trials":
            continue
        assert o.comparator_kind == "active" and o.comparator != "placebo"
        text = " ".join(personal_text.outcome_sentences(o))
        assert "Nobody in this trial went without treatment" in text and "Without Ocrevus" not in text


def test_a_mean_change_never_becomes_an_icon_array():
    trial = EV["ORATORIO"]
    ep = next(e for e in trial.endpoints if e.definition.analysis == "change_from_baseline"
              and e.domain == "walking_speed")
    with pytest.raises(NotDichotomousError, match="mean change cannot be drawn as 100 people"):
        dichotomous_outcome(trial, ep, Person())
    with pytest.raises(TypeError, match="mean change"):
        icon_array(ep.results[0].value)
    answer = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M)
    assert all(o.key != f"ORATORIO/{ep.id}" for o in answer.outcomes)
    assert any("average change" in why for _, _, why in answer.not_drawn)


def test_outside_the_trial_population_is_said_in_words():
    slow = personal_answer(**PEOPLE["personal-slow-walker-ppms"], evidence=EV, measurement=M)
    el = EV["ORATORIO"].eligibility
    o = next(o for o in slow.outcomes if o.trial_name == "ORATORIO")
    assert o.fit.inside is False and f"({el.age_min} to {el.age_max})" in o.fit.notes[0]
    inside = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M)
    assert all(o.fit.inside and not o.fit.notes for o in inside.outcomes if o.provider == "ocrelizumab trials")
    assert all(o.fit.inside is None and "different drug" in o.fit.notes[0] for o in inside.outcomes
               if o.provider != "ocrelizumab trials")


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_noise_band_comes_from_its_cited_source(name):
    walk = personal_answer(**PEOPLE[name], evidence=EV, measurement=M).walk
    raw = yaml.safe_load((evidence_dir() / MEASUREMENT_NAME).read_text())
    between = next(m for m in raw["measures"] if m["quantity"] == "between_visit_variability")
    assert between["source"]["ref"] == "hobart2013" and between["source"]["checked_at"].startswith("http")
    t, v = PEOPLE[name]["t25fw_s"], between["high"] / 100
    assert walk.band_low_s == pytest.approx(t / (1 + v)) and walk.band_high_s == pytest.approx(t / (1 - v))
    assert walk.worse20_s == pytest.approx(1.2 * t) and walk.extra_s == pytest.approx(0.2 * t)
    assert "Hobart" in walk.variability_citation
    text = " ".join(personal_text.walk_sentences(walk))
    assert f"{walk.band_low_s:.1f} to {walk.band_high_s:.1f} seconds" in text
    assert "does not change the numbers" in text  # no walk-time-dependent risk is invented


def test_msws12_is_context_only_with_its_important_change_from_source():
    a = personal_answer(**PEOPLE["personal-slow-walker-ppms"], evidence=EV, measurement=M)
    mic = M.measure("msws12_important_change")
    assert mic.source.ref == "mehta2015" and a.questionnaire.important_change == mic.value
    assert a.questionnaire.better_at == PEOPLE["personal-slow-walker-ppms"]["msws12"] - mic.value
    assert all(o.domain != "patient_reported_walking" for o in a.outcomes)  # its own domain, kept apart
    assert "No Ocrevus trial" in " ".join(personal_text.questionnaire_sentences(a.questionnaire))


def test_outcomes_come_from_providers_and_questionnaire_results_are_kept_apart():
    base = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M).outcomes[0]
    from dataclasses import replace

    extra = replace(base, key="OTHER/msws12_responders", domain="patient_reported_walking", provider="other store")
    a = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M,
                        providers=[lambda p, ev: [base, extra]])
    assert [o.key for o in a.outcomes] == [base.key] and [o.key for o in a.questionnaire_results] == [extra.key]


@pytest.mark.parametrize("inputs, field", [
    ({"t25fw_s": -3}, "t25fw_s"), ({"t25fw_s": 0}, "t25fw_s"), ({"t25fw_s": 900}, "t25fw_s"),
    ({"t25fw_s": "fast"}, "t25fw_s"), ({"t25fw_s": float("nan")}, "t25fw_s"), ({"ms_type": "SPMS"}, "ms_type"),
    ({"ms_type": ""}, "ms_type"), ({"edss": 11}, "edss"), ({"edss": 4.3}, "edss"), ({"edss": -1}, "edss"),
    ({"edss": 0.5}, "edss"), ({"age_band": "42"}, "age_band"), ({"msws12": 120}, "msws12"),
])
def test_invalid_inputs_get_a_one_line_error(inputs, field):
    with pytest.raises(PersonalInputError) as exc:
        Person(**inputs)
    assert str(exc.value).startswith(f"{field}: ") and "\n" not in str(exc.value)


def test_valid_inputs_are_normalised():
    p = Person(ms_type="relapsing", edss="4.5", t25fw_s=7)
    assert (p.ms_type, p.edss, p.t25fw_s) == ("RMS", 4.5, 7.0)


def test_cli_gives_exit_2_and_one_line_for_invalid_input_and_the_counts_for_valid():
    runner = CliRunner()
    bad = runner.invoke(app, ["personal", "--t25fw-s", "-3"])
    assert bad.exit_code == 2 and bad.output.strip().count("\n") == 0 and "t25fw_s" in bad.output
    ok = runner.invoke(app, ["personal", "--ms-type", "PPMS", "--t25fw-s", "7.5", "--json"])
    assert ok.exit_code == 0, ok.output
    import json

    got = json.loads(ok.output)
    assert got["outcomes"] and got["walk"]["t25fw_s"] == 7.5


def test_measurement_file_is_validated_with_its_own_schema(tmp_path: Path):
    assert validate([evidence_dir() / MEASUREMENT_NAME]) == []
    raw = yaml.safe_load((evidence_dir() / MEASUREMENT_NAME).read_text())
    raw["measures"][1]["low"] = 99  # above its high
    raw["measures"][2]["source"]["ref"] = "nobody2020"
    bad = tmp_path / MEASUREMENT_NAME
    bad.write_text(yaml.safe_dump(raw, sort_keys=False))
    problems = [str(p) for p in validate([bad])]  # schema first, then cross-checks (as for trial files)
    assert len(problems) == 1 and "measures[1]: low 99 is above high" in problems[0], problems
    assert problems[0].split(":")[0].endswith(MEASUREMENT_NAME) and problems[0].split(":")[1].isdigit()
    raw["measures"][1]["low"] = 14.4
    bad.write_text(yaml.safe_dump(raw, sort_keys=False))
    problems = [str(p) for p in validate([bad])]
    assert len(problems) == 1 and "measures[2].source.ref" in problems[0] and "nobody2020" in problems[0], problems


def test_the_measurement_file_is_not_read_as_a_trial():
    assert MEASUREMENT_NAME not in {p.name for p in EV.files.values()}


def test_cates_counts_refuse_impossible_numbers():
    with pytest.raises(ValueError):
        CatesCounts(101, 3)
    with pytest.raises(ValueError):
        CatesCounts.from_risks(1.2, 0.1)
    assert report_sets_dir().is_dir()


def _syllables(word: str) -> int:
    """Vowel groups, a silent final e dropped: the usual heuristic of readability formulas."""
    import re

    w = word.lower()
    n = len(re.findall(r"[aeiouy]+", w))
    if w.endswith("e") and n > 1 and not w.endswith(("le", "ee")):
        n -= 1
    return max(1, n)


def flesch_kincaid_grade(text: str) -> float:
    """0.39 × words per sentence + 11.8 × syllables per word − 15.59 (Kincaid et al. 1975)."""
    import re

    text = text.replace("**", "")
    sentences = [s for s in re.split(r"(?<=[.!?:;])\s+", text) if re.search(r"[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return 0.39 * len(words) / len(sentences) + 11.8 * sum(map(_syllables, words)) / len(words) - 15.59


def test_flesch_kincaid_of_a_hard_and_an_easy_text():
    assert flesch_kincaid_grade("The cat sat. The dog ran.") < 2
    assert flesch_kincaid_grade("Interdisciplinary pharmacoepidemiological considerations necessitate "
                                "comprehensive methodological harmonization.") > 15


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_plain_language_grade_at_most_9_and_no_jargon_in_open_text(name):
    a = personal_answer(**PEOPLE[name], evidence=EV, measurement=M)
    parts = [s for o in a.outcomes for s in personal_text.outcome_sentences(o)]
    parts += personal_text.walk_sentences(a.walk) + personal_text.questions_to_ask(a)
    if a.questionnaire:
        parts += personal_text.questionnaire_sentences(a.questionnaire)
    text = " ".join(parts)
    assert flesch_kincaid_grade(text) <= 9, flesch_kincaid_grade(text)
    for jargon in ("hazard", "confidence interval", " CI ", "posterior", "Kaplan", "post hoc", "p =", "estimand",
                   "GRADE", "credible", "imprecision", "indirectness", "NaN"):
        assert jargon not in text, jargon
    assert "Ocrevus" in text


def test_the_app_form_builds_the_page_and_turns_bad_input_into_its_one_line_error():
    from msevidence.presentation import personal_page

    seen = []

    def build(**inputs):
        seen.append(inputs)
        return personal_answer(**inputs, evidence=EV, measurement=M)

    form = personal_page.app(build, **PEOPLE["personal-middle-walker-ppms"])
    ms, age, edss, walk, msws, go, out = form.children
    assert seen[-1]["t25fw_s"] == PEOPLE["personal-middle-walker-ppms"]["t25fw_s"] and seen[-1]["ms_type"] == "PPMS"
    walk.value = "-3"
    go.click()
    assert seen[-1]["t25fw_s"] == -3.0  # passed on; the answers layer refuses it (shown as one line in the form)
    with pytest.raises(PersonalInputError):
        build(**seen[-1])


def test_the_trials_average_walk_change_is_applied_in_words_with_its_rule():
    a = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M)
    ep = next(e for e in EV["ORATORIO"].endpoints if e.domain == "walking_speed"
              and e.definition.analysis == "change_from_baseline")
    (c,) = a.walk_changes
    t = PEOPLE["personal-middle-walker-ppms"]["t25fw_s"]
    assert c.time_without_s == pytest.approx(t * (1 + ep.result(EV["ORATORIO"].control.id).value / 100))
    assert c.time_with_s == pytest.approx(t * (1 + ep.result(EV["ORATORIO"].treatment.id).value / 100))
    assert "averages of whole groups" in " ".join(personal_text.walk_change_sentences(c))
    assert c.rule in personal_text.method_details(a)
    assert personal_answer(**PEOPLE["personal-fast-walker-rms"], evidence=EV, measurement=M).walk_changes == ()


def test_a_provider_from_another_store_names_its_own_treatment_and_is_drawn_apart():
    from dataclasses import replace

    from msevidence.presentation import personal_page

    base = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M).outcomes[0]
    other = replace(base, key="OTHER/responders", domain="patient_reported_walking", treatment="another medicine")
    a = personal_answer(**PEOPLE["personal-slow-walker-ppms"], evidence=EV, measurement=M,
                        providers=[lambda p, ev: [other]])
    text = " ".join(personal_text.outcome_sentences(other))
    assert "With another medicine" in text and "Ocrevus" not in text
    blocks = personal_page.questionnaire_html(a)
    assert len(blocks) == 2 and "<img" in blocks[1] and "With another medicine" in blocks[1]


def test_fampridine_responders_from_the_other_store_are_drawn_apart_from_ocrevus():
    """The default providers add fampridine's published responders (events of n, rounded to whole people), named
    as another drug; the walking-questionnaire responders go to the questionnaire section."""
    from msevidence.answers.personal import personal_answer
    from msevidence.evidence.interventions import load_interventions
    from msevidence.presentation.figures.icon_array import out_of_100

    a = personal_answer(ms_type="PPMS", age_band="40-49", edss=4.5, t25fw_s=7.5)
    other = [o for o in a.outcomes + a.questionnaire_results if o.provider != "ocrelizumab trials"]
    assert other and all(o.treatment == "fampridine" and o.higher_is_better for o in other)
    assert all("different drug from Ocrevus" in o.fit.notes[0] for o in other)
    store = load_interventions()
    for o in other:
        study, result = store.result(o.key.replace("/", "."))
        treated, control = result.arms
        assert o.counts.with_ == 100 - out_of_100(treated.events / treated.n)
        assert o.counts.without == 100 - out_of_100(control.events / control.n)
        assert (o.domain == "patient_reported_walking") == (result.outcome.scale == "MSWS-12")
    assert any(o.domain == "patient_reported_walking" for o in a.questionnaire_results)


def test_the_take_home_table_holds_only_ocrevus_outcomes():
    a = personal_answer(**PEOPLE["personal-middle-walker-ppms"], evidence=EV, measurement=M)
    rows = personal_text.take_home_rows(a)
    assert len(rows) == sum(o.treatment == "Ocrevus" and o.from_answer for o in a.outcomes) < len(a.outcomes)
    assert rows and all("fampridine" not in r["What"] for r in rows)
