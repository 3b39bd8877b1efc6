"""Guards that keep scales apart: pooling or co-plotting two definitions is refused with one line naming both;
standardised effects are never converted to seconds; within-group results are never between-arm effects;
crossover and mixed designs are never randomised parallel evidence. Illustrative values, not published ones."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from msevidence.errors import MsEvidenceError  # noqa: E402
from msevidence.evidence.interventions import Study  # noqa: E402
from msevidence.judgement.interventions import (  # noqa: E402
    NotBetweenArmError,
    NotConvertibleError,
    NotRandomisedParallelError,
    ScaleMismatchError,
    between_arm,
    check_poolable,
    in_natural_units,
    require_randomised_parallel,
    require_same_axis,
    result_verdict,
)
from msevidence.presentation.figures.interventions import forest  # noqa: E402


def study(sid="a_2000", design="parallel_rct", randomised=True, n=200, **result) -> Study:
    r = {"id": "r", "outcome": {"scale": "6MWT", "label": "6-minute walk distance", "units": "m",
                                "higher_is_better": True, "time_point": "week 12", "analysis": "mean difference"},
         "statistic": "md", "estimate": 10.0, "ci_low": 2.0, "ci_high": 18.0, "locator": "Table 2"} | result
    return Study.model_validate({
        "id": sid, "title": "t", "intervention": {"kind": "exercise", "name": "exercise"},
        "comparator": {"kind": "usual_care", "name": "usual care"}, "design": design, "randomised": randomised,
        "population": {"ms_type": "relapsing", "n": n, "description": "d"},
        "reference": {"citation": "Illustrative citation", "checked_at": "not read: test data"}, "results": [r]})


def pair(s: Study):
    return s, s.results[0]


SMD = {"statistic": "smd", "outcome": {"scale": "6MWT", "label": "6-minute walk distance", "units": "SD",
                                       "higher_is_better": True, "time_point": "week 12", "analysis": "SMD"},
       "estimate": 0.3, "ci_low": 0.1, "ci_high": 0.5}


def test_pooling_a_mean_difference_with_a_standardised_effect_is_refused_naming_both():
    md, smd = pair(study("a_2000")), pair(study("b_2001", **SMD))
    with pytest.raises(ScaleMismatchError) as info:
        check_poolable([md, smd])
    msg = str(info.value)
    assert "a_2000.r" in msg and "b_2001.r" in msg and "mean difference" in msg and "standardised" in msg
    assert "\n" not in msg and isinstance(info.value, MsEvidenceError)


def test_co_plotting_two_statistics_on_one_axis_is_refused():
    md = pair(study("a_2000"))
    falls = pair(study("b_2001", statistic="rate_ratio", estimate=0.8, ci_low=0.6, ci_high=1.1,
                       outcome={"scale": "falls_rate", "label": "falls", "units": "ratio",
                                "higher_is_better": False, "time_point": "w", "analysis": "rate ratio"}))
    with pytest.raises(ScaleMismatchError, match="cannot be drawn on one axis"):
        forest([md, falls])
    plt.close("all")


def test_one_definition_is_drawn_and_poolable():
    a, b = pair(study("a_2000")), pair(study("b_2001", estimate=5.0, ci_low=-1.0, ci_high=11.0))
    ax = forest([a, b])
    assert len(ax.get_yticks()) == 2
    plt.close("all")
    assert check_poolable([a, b]) == [a, b]


def test_a_standardised_effect_is_never_converted_to_seconds():
    with pytest.raises(NotConvertibleError, match="never converted to s"):
        in_natural_units(*pair(study(**SMD)), "s")
    assert in_natural_units(*pair(study()), "m") == 10.0
    with pytest.raises(ScaleMismatchError):
        in_natural_units(*pair(study()), "s")


def test_within_responder_change_is_never_a_between_arm_difference():
    s, r = pair(study(statistic="within_responder_change", outcome={
        "scale": "T25FW", "label": "speed change in responders", "units": "%", "higher_is_better": True,
        "time_point": "w", "analysis": "within responders"}, estimate=20.0, ci_low=15.0, ci_high=25.0))
    with pytest.raises(NotBetweenArmError, match="never shown as a between-arm difference"):
        between_arm(s, r)
    assert result_verdict(s, r)[0] == "weak"
    with pytest.raises(NotBetweenArmError):
        check_poolable([(s, r), (s, r)])


@pytest.mark.parametrize(("design", "randomised"), [("crossover", True), ("crossover", False),
                                                    ("uncontrolled", False), ("systematic_review_mixed", False)])
def test_crossover_and_uncontrolled_are_not_randomised_parallel_evidence(design, randomised):
    s, r = pair(study(design=design, randomised=randomised))
    with pytest.raises(NotRandomisedParallelError, match="not randomised"):
        require_randomised_parallel(s)
    assert result_verdict(s, r) == ("weak", result_verdict(s, r)[1]) and "not" in result_verdict(s, r)[1]


def test_verdicts_follow_the_rules():
    assert result_verdict(*pair(study()))[0] == "supported"
    assert result_verdict(*pair(study(n=40)))[0] == "weak"  # one small trial
    assert result_verdict(*pair(study(ci_low=-2.0)))[0] == "weak"  # CI includes no effect
    assert result_verdict(*pair(study(certainty="very_low")))[0] == "weak"
    assert result_verdict(*pair(study(estimate=-10.0, ci_low=-18.0, ci_high=-2.0)))[0] == "no_clear_benefit"
    narrative = {"statistic": "narrative", "estimate": None, "ci_low": None, "ci_high": None,
                 "finding": "no difference", "finding_direction": "no_difference"}
    assert result_verdict(*pair(study(**narrative)))[0] == "no_clear_benefit"


def test_pooling_meta_analyses_is_refused_because_reviews_overlap():
    a = pair(study("a_2000", design="meta_analysis_rct"))
    with pytest.raises(ScaleMismatchError, match="reviews"):
        check_poolable([a, a])
    assert require_same_axis([a]) == [a]
