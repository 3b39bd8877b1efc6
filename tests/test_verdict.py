"""The one verdict engine (msevidence.judgement.verdict): its rule on the edge cases the docstring states."""

import pytest

import msevidence as mse
from msevidence.judgement import published
from msevidence.judgement.verdict import Direction, conclusion, judge, judge_effect

D = Direction


@pytest.mark.parametrize(("kwargs", "direction"), [
    ({"estimate": 0.7, "ci_low": 0.55, "ci_high": 0.9}, D.LESS),                   # CI without p, below 1
    ({"estimate": 1.3, "ci_low": 1.05, "ci_high": 1.6}, D.MORE),                     # CI without p, above 1
    ({"estimate": 0.8, "ci_low": 0.6, "ci_high": 1.05}, D.SAME),                     # CI crosses 1
    ({"estimate": 0.7, "p": 0.002}, D.LESS),                                        # p without CI
    ({"estimate": 0.7, "p": 0.2}, D.SAME),                                           # p without CI, not significant
    ({"estimate": 0.8, "p": 0.05, "p_relation": "<"}, D.LESS),                        # "p < 0.05" counts as shown
    ({"estimate": 0.8, "p": 0.05}, D.SAME),                                           # p = 0.05 is not below 0.05
    ({"estimate": 0.8}, D.SAME),                                                      # neither CI nor p
    ({"estimate": None}, D.MISSING),
    # significant, both arms worsening (walking % change with a relative reduction and p)
    ({"estimate": 0.3, "p": 0.03, "scale": "reduction", "treatment_change": 40.0}, D.LESS),
    # negative (better) change in the treated arm that is not significant between groups
    ({"estimate": 0.9, "ci_low": 0.7, "ci_high": 1.1, "treatment_change": -5.0}, D.SAME),
    ({"estimate": 0.7, "ci_low": 0.5, "ci_high": 0.9, "treatment_change": -3.0}, D.IMPROVEMENT),
    ({"estimate": 3.0, "ci_low": 2.0, "ci_high": 4.5, "outcome": "benefit"}, D.IMPROVEMENT),  # benefit ratio
    ({"estimate": 0.5, "ci_low": 0.3, "ci_high": 0.8, "outcome": "benefit"}, D.MORE),
    ({"estimate": -2.0, "ci_low": -3.5, "ci_high": -0.5, "scale": "difference"}, D.LESS),
    ({"estimate": -0.1, "p": 0.3, "scale": "reduction"}, D.SAME),
])
def test_rule(kwargs, direction):
    assert judge(**kwargs).direction == direction


def test_ci_decides_when_p_disagrees_and_says_so():
    v = judge(0.8, 0.65, 0.99, p=0.06)
    assert v.direction == D.LESS and "the CI decides" in v.rule


def test_rules_are_stated_in_words():
    assert "includes 1" in judge(0.9, 0.7, 1.1).rule
    assert "no confidence interval or p value" in judge(0.9).rule
    assert "improved on average, but no difference" in judge(0.9, 0.7, 1.1, treatment_change=-1).rule
    assert "not improvement" in judge(0.7, 0.5, 0.9).rule


def test_published_verdicts_come_from_the_engine():
    ev = mse.load_evidence()
    for t in ev.placebo_controlled():
        w = published.published_walking_verdict(t)
        if w.verdict != D.MISSING:
            assert conclusion(w.verdict, "walking_speed", t.treatment.drug, t.control.drug) in w.sentence
        p = published.published_progression_verdict(t)
        eff = published.progression_effect(published.progression_endpoint(t, 12) or published.progression_endpoint(t, None))
        if eff is not None:
            assert p.verdict == judge_effect(eff).direction
