"""GRADE certainty by domain (judgement/grade.py) on the small evidence sets of tests/fixtures/weigh, and the
endpoint direction read everywhere (verdict engine, SoF)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

import msevidence as mse
from msevidence.judgement import grade
from msevidence.judgement.sof import summary_of_findings
from msevidence.judgement.verdict import Direction, judge, judge_endpoint_effect

FIXTURE = Path(__file__).parent / "fixtures" / "weigh"


@pytest.fixture(scope="module")
def rows():
    ev = mse.load_evidence(FIXTURE)
    return {(r.trial, r.endpoint): r for r in summary_of_findings(ev).rows}


def _levels(row):
    return {d: v["level"] for d, v in row.certainty_domains.items()}


def test_a_clean_single_trial_is_high_and_not_downgraded_for_being_single(rows):
    r = rows[("Clean PPMS trial", "cdp12_edss")]
    assert set(_levels(r).values()) == {"not serious"} and r.certainty == "high" and r.studies == 1
    assert "single trial is not downgraded" in r.certainty_domains["inconsistency"]["reason"]
    assert "optimal information size" in r.certainty_domains["imprecision"]["reason"]


@pytest.mark.parametrize(("trial", "endpoint", "domain", "level", "rating", "words"), [
    ("Clean PPMS trial", "cdp24_edss", "imprecision", "serious", "moderate", "includes no effect"),
    ("Clean PPMS trial", "cdp48_edss", "imprecision", "very serious", "low", "important harm"),
    ("Clean PPMS trial", "t25fw_change", "risk_of_bias", "serious", "low", "last observation"),
    ("Clean PPMS trial", "t25fw_change", "imprecision", "serious", "low", "no confidence interval"),
    ("Split trials pooled", "cdp12_edss", "inconsistency", "very serious", "low", "I²"),
    ("Relapsing active-comparator trial", "cdp12_edss", "indirectness", "very serious", "very low", "relapsing MS"),
    ("Relapsing active-comparator trial", "cdp12_edss", "imprecision", "serious", "very low",
     "fewer than the optimal information size"),
    ("Unregistered open-label extension", "cdp24_edss", "risk_of_bias", "very serious", "very low", "congress"),
    ("Unregistered open-label extension", "cdp24_edss", "indirectness", "serious", "very low", "delayed ocrelizumab"),
    ("Unregistered open-label extension", "cdp24_edss", "publication_bias", "serious", "very low", "registry"),
])
def test_each_domain_at_each_level(rows, trial, endpoint, domain, level, rating, words):
    r = rows[(trial, endpoint)]
    assert r.certainty_domains[domain]["level"] == level
    assert words in r.certainty_domains[domain]["reason"]
    assert r.certainty == rating
    down = sum(grade.SEVERITY[v] for v in _levels(r).values())
    assert r.certainty == grade.LEVELS[min(down, 3)]  # start high (randomised), one per serious, two per very


def test_indirectness_is_judged_against_the_question_asked():
    ev = mse.load_evidence(FIXTURE)
    rms = summary_of_findings(ev, ["RMS_ACTIVE"], grade.QUESTIONS["rms_vs_interferon"]).rows[0]
    assert rms.certainty_domains["indirectness"]["level"] == "not serious"
    ppms = summary_of_findings(ev, ["RMS_ACTIVE"]).rows[0]
    assert ppms.certainty_domains["indirectness"]["level"] == "very serious"


def test_optimal_information_size_closed_form():
    pc, rrr = 0.3, 0.2
    pt = pc * (1 - rrr)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    n = z ** 2 * (pc * (1 - pc) + pt * (1 - pt)) / (pc - pt) ** 2
    assert grade.optimal_information_size(pc, rrr) == 2 * math.ceil(n)
    assert grade.optimal_information_size(0.1) > grade.optimal_information_size(0.3)  # rarer events need more
    with pytest.raises(ValueError):
        grade.optimal_information_size(0.0)


def test_imprecision_threshold_is_a_parameter():
    kw = dict(ratio=True, higher_is_better=False, participants=None, control_risk=None)
    assert grade.imprecision(0.85, 0.7, 1.03, None, **kw).level == "serious"
    # with an important effect of 0.95 (and harm 1/0.95) the same CI includes both: very serious
    assert grade.imprecision(0.85, 0.7, 1.06, None, threshold=0.95, **kw).level == "very serious"
    assert grade.imprecision(0.85, None, None, None, **kw).level == "very serious"


def test_overall_rating_floor_and_start():
    d = [grade.DomainRating(n, "very serious", "x") for n in grade.DOMAINS]
    assert grade.certainty(*d).rating == "very low"
    ok = [grade.DomainRating(n, "not serious", "x") for n in grade.DOMAINS]
    assert grade.certainty(*ok, randomised=False).rating == "low"
    with pytest.raises(ValueError):
        grade.certainty(*ok[:4])


def test_a_favourable_outcome_ratio_is_read_as_benefit_everywhere():
    ev = mse.load_evidence(FIXTURE)
    t = ev["PPMS_CLEAN"]
    ep = t.endpoint("nep")
    v = judge_endpoint_effect(ep, ep.effects[0])
    assert v.direction == Direction.LESS and v.favours == "treatment"  # free of worsening: less worsening
    assert judge(3.0, 2.0, 4.5).direction == Direction.MORE  # the same ratio read as a harm would be wrong
    imp = grade.imprecision(3.0, 2.0, 4.5, None, ratio=True, higher_is_better=True, participants=None,
                            control_risk=None)
    assert imp.level == "not serious"


def test_shipped_t25fw_row_is_a_ratio_of_geometric_means_from_the_journal_paper():
    row = next(r for r in summary_of_findings(mse.load_evidence()).rows if r.endpoint == "t25fw_pct_change_w120")
    assert row.relative_effect.startswith("ratio of adjusted geometric means")
    assert "congress" not in row.certainty_domains["risk_of_bias"]["reason"]
    assert row.control_risk_basis.startswith("adjusted geometric mean change")
    assert row.verdict == "less worsening"
    eff = mse.load_evidence()["ORATORIO"].endpoint("t25fw_pct_change_w120").effect("ratio_of_geometric_means")
    assert eff.provenance == "derived" and eff.formula


def test_optimal_information_size_with_unequal_allocation_by_hand():
    """2:1 allocation: n_c = z^2 (p_c q_c + p_t q_t / 2) / (p_c - p_t)^2 and n_t = 2 n_c, each rounded up."""
    from scipy import stats

    pc, rrr = 0.3, 0.2
    pt = pc * (1 - rrr)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    nc = z ** 2 * (pc * (1 - pc) + pt * (1 - pt) / 2) / (pc - pt) ** 2
    assert grade.optimal_information_size(pc, rrr, allocation=2) == math.ceil(nc) + math.ceil(2 * nc)
    assert grade.optimal_information_size(pc, rrr, allocation=2) > grade.optimal_information_size(pc, rrr)
