"""Teaching helpers and notebook: absolute effects out of 100 people, walking times, and what-if labelling."""

from __future__ import annotations

import math
import re

import matplotlib
import pytest

import msevidence as mse
from msevidence import formatting as fmt
from msevidence import reports
from msevidence.answers.teaching import progression_what_if, teachable_trials, walking_what_if
from msevidence.errors import InputError, TeachingError
from msevidence.evidence import EvidenceSet
from msevidence.presentation import teaching
from msevidence.presentation.teaching import ASSUMED, DERIVED, PUBLISHED, WHAT_IF

matplotlib.use("Agg")
EV = mse.load_evidence()
ORA = EV["ORATORIO"]
CDP = ORA.endpoint("cdp12_edss")
HR = CDP.effect("hazard_ratio")
WALK = ORA.endpoint("t25fw_pct_change_w120")
ACTIVE = [t.id for t in EV if t.comparator == "active"]


def _twin(tid: str, **changes) -> EvidenceSet:
    """An evidence set holding ORATORIO changed as given, under the id `tid` (built here, not shipped)."""
    return EvidenceSet({tid: EV["ORATORIO"].model_copy(update={"id": tid, **changes})}, {})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_grade_formula_on_hand_computed_values():
    # R_t = 1 - (1 - R_c)^HR: 1 - 0.5^0.5 = 0.29289 -> 29 of 100; HR 1 changes nothing; HR 2 -> 1 - 0.25 = 0.75
    r = progression_what_if("ORATORIO", control_risk=0.5, hr=0.5, evidence=EV)
    assert r["treated_risk"] == pytest.approx(0.2928932, abs=1e-7)
    assert r["out_of_100"] == {"placebo": 50, "ocrelizumab": 29, "both": 29, "spared": 21, "extra": 0, "neither": 50}
    same = progression_what_if("ORATORIO", control_risk=0.5, hr=1.0, evidence=EV)
    assert same["out_of_100"]["spared"] == 0 and same["out_of_100"]["ocrelizumab"] == 50
    harm = progression_what_if("ORATORIO", control_risk=0.5, hr=2.0, evidence=EV)
    assert harm["treated_risk"] == pytest.approx(0.75)
    assert harm["out_of_100"] | {} == {"placebo": 50, "ocrelizumab": 75, "both": 50, "spared": 0, "extra": 25,
                                       "neither": 25}
    assert [teaching.out_of_100(x) for x in (0.004, 0.005, 0.393, 0.3157, 1.0)] == [0, 1, 39, 32, 100]


def test_oratorio_defaults_are_the_published_numbers_with_citations():
    r = progression_what_if("ORATORIO", evidence=EV)
    rc = CDP.result("PBO", "proportion_with_event")
    assert r["endpoint"] == "cdp12_edss"
    assert (r["control_risk"], r["hr"], r["hr_ci_low"], r["hr_ci_high"]) == (rc.value, HR.estimate, HR.ci_low, HR.ci_high)
    assert r["control_risk_label"] == r["hr_label"] == PUBLISHED and not r["what_if"]
    assert r["hr_citation"] == ORA.cite(HR.source) and r["control_risk_citation"] == ORA.cite(rc.source)
    expected = CDP.result("OCR", "proportion_with_event").value  # both groups published: the trial's own count
    assert r["treated_risk"] == expected and r["treated_risk_basis"] == "observed"
    assert r["treated_risk_from_hr"] == pytest.approx(1 - (1 - rc.value) ** HR.estimate, rel=1e-12)  # derived
    assert r["treated_risk_low"] == pytest.approx(1 - (1 - rc.value) ** HR.ci_low, rel=1e-12)
    assert r["treated_risk_high"] == pytest.approx(1 - (1 - rc.value) ** HR.ci_high, rel=1e-12)
    n_c, n_t = round(100 * rc.value), round(100 * expected)
    assert r["out_of_100"]["placebo"] == n_c and r["out_of_100"]["ocrelizumab"] == n_t
    assert r["out_of_100"]["spared"] == n_c - n_t > 0
    assert sum(r["out_of_100"][k] for k in ("both", "spared", "extra", "neither")) == 100
    assert r["treated_risk_published"] == CDP.result("OCR", "proportion_with_event").value
    assert f"published HR {fmt.ratio(HR.estimate)} (95% CI {fmt.interval(HR.ci_low, HR.ci_high)}) from {ORA.cite(HR.source)}" \
        in r["title"].replace("\n    ", " ")
    assert "what-if" not in r["title"] + " ".join(r["sentences"])


def test_what_if_labelling_switches_when_a_value_moves():
    rc = CDP.result("PBO", "proportion_with_event").value
    moved_hr = progression_what_if("ORATORIO", hr=HR.estimate + 0.1, evidence=EV)
    assert moved_hr["hr_label"] == WHAT_IF and moved_hr["control_risk_label"] == PUBLISHED and moved_hr["what_if"]
    assert "your what-if value" in moved_hr["title"] and "published HR" not in moved_hr["title"]
    assert moved_hr["treated_risk_low"] is None  # the published CI does not belong to a what-if HR
    assert any("what-if numbers, not trial results" in s for s in moved_hr["sentences"])
    moved_rc = progression_what_if("ORATORIO", control_risk=rc + 0.1, evidence=EV)
    assert moved_rc["control_risk_label"] == WHAT_IF and moved_rc["hr_label"] == PUBLISHED
    assert "on placebo: your what-if value" in moved_rc["title"]
    back = progression_what_if("ORATORIO", control_risk=rc, hr=HR.estimate, evidence=EV)
    assert not back["what_if"] and back["title"] == progression_what_if("ORATORIO", evidence=EV)["title"]


def test_trial_without_a_published_hr_uses_a_labelled_derived_hr():
    # a relative reduction (read from the HR here) instead of the HR: the answer keeps both groups' risks
    rr = HR.model_copy(update={"statistic": "relative_reduction", "estimate": 1 - HR.estimate, "ci_low": None,
                               "ci_high": None})
    no_hr = [e.model_copy(update={"effects": [rr]}) if e.id == "cdp12_edss" else e for e in EV["ORATORIO"].endpoints]
    ev = _twin("NO_HR", endpoints=no_hr)
    ep = ev["NO_HR"].endpoint("cdp12_edss")
    assert ep.effect("hazard_ratio") is None
    rt, rc = ep.result("OCR", "proportion_with_event").value, ep.result("PBO", "proportion_with_event").value
    r = progression_what_if("NO_HR", evidence=ev)
    assert r["hr_label"] == DERIVED and r["hr"] == pytest.approx(math.log(1 - rt) / math.log(1 - rc))
    assert r["treated_risk"] == pytest.approx(rt)  # the derived HR reproduces the published percentage
    assert r["hr_ci_low"] is None and "not published" in " ".join(r["title"].split()) and r["hr_formula"]
    none = [e.model_copy(update={"effects": []}) if e.id == "cdp12_edss" else e for e in EV["ORATORIO"].endpoints]
    with pytest.raises(TeachingError, match="between-group effect"):  # the answer holds no result to show
        progression_what_if("NONE", evidence=_twin("NONE", endpoints=none))


def test_active_controlled_trials_are_refused_with_a_clear_error():
    assert ACTIVE, "the evidence store should hold the active-controlled OPERA trials"
    for tid in ACTIVE:
        for fn in (progression_what_if, walking_what_if):
            with pytest.raises(InputError, match=rf"^{tid} is active-controlled .*needs a placebo-controlled trial"):
                fn(tid, evidence=EV)
    assert not set(ACTIVE) & set(teachable_trials(EV))
    assert "ORATORIO" in teachable_trials(EV)
    assert issubclass(TeachingError, ValueError)


@pytest.mark.parametrize("kwargs, match", [({"control_risk": 1.5}, "proportion between 0 and 1"),
                                           ({"hr": 0}, "positive hazard ratio")])
def test_bad_values_get_one_line_errors(kwargs, match):
    with pytest.raises(TeachingError, match=match):
        progression_what_if("ORATORIO", evidence=EV, **kwargs)
    with pytest.raises(TeachingError, match="NOPE: not in the evidence store"):
        progression_what_if("NOPE", evidence=EV)
    with pytest.raises(TeachingError, match="positive number of seconds"):
        walking_what_if("ORATORIO", baseline_s=-1, evidence=EV)


def test_oratorio_walking_uses_published_changes_and_the_named_assumption():
    a = ORA.assumption("t25fw_baseline_median_s")
    pbo, ocr = WALK.result("PBO").value, WALK.result("OCR").value
    assert pbo > ocr > 0  # both arms walked slower: less worsening, not improvement
    r = walking_what_if("ORATORIO", evidence=EV)
    assert r["reported"] and r["baseline_s"] == a.value and r["baseline_label"] == ASSUMED
    assert r["baseline_rationale"] == a.rationale and r["week"] == 120
    assert r["pct_change"] == {"placebo": pbo, "ocrelizumab": ocr}
    assert r["pct_change_citation"] == ORA.cite(WALK.result("OCR").source)
    assert r["time_s"]["placebo"] == pytest.approx(a.value * (1 + pbo / 100))
    assert r["time_s"]["ocrelizumab"] == pytest.approx(a.value * (1 + ocr / 100))
    assert r["speed_m_s"]["start"] == pytest.approx(7.62 / a.value)  # 25 ft = 7.62 m
    assert r["speed_m_s"]["placebo"] < r["speed_m_s"]["ocrelizumab"] < r["speed_m_s"]["start"]
    assert "assumption, not published" in r["title"]
    text = " ".join(r["sentences"])
    assert "slower worsening is not improvement" in text and "Both groups walked slower" in text
    mine = walking_what_if("ORATORIO", baseline_s=10.0, evidence=EV)
    assert mine["baseline_label"] == WHAT_IF and mine["what_if"] and "your what-if value" in mine["title"]
    assert mine["time_s"]["placebo"] == pytest.approx(10.0 * (1 + pbo / 100))


def test_a_trial_without_walking_results_says_not_reported():
    ev = _twin("NO_WALK", endpoints=[e for e in EV["ORATORIO"].endpoints if e.domain != "walking_speed"])
    r = walking_what_if("NO_WALK", evidence=ev)
    assert r["reported"] is False and "not reported in this trial" in r["message"]
    with pytest.raises(TeachingError, match="not reported in this trial"):
        teaching.walking_figure(r)


def test_icon_array_draws_100_people_in_the_four_groups_by_shape():
    from msevidence.presentation.figures.icon_array import MARKERS

    ax = teaching.icon_array(0.5, 0.2928932)  # the shared icon array, one picture of the groups
    sizes = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    assert sizes == {"worse_either": 29, "spared": 21, "fine": 50}
    assert sum(sizes.values()) == 100
    assert len({MARKERS[g] for g in sizes}) == 3  # each group its own shape
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1].startswith("get worse on placebo, but not on ocrelizumab") and legend[1].endswith("(21)")
    harm = {c.get_label(): len(c.get_offsets()) for c in teaching.icon_array(0.2, 0.3).collections}
    assert harm["harmed"] == 10


def test_figures_carry_the_provenance_titles():
    r = progression_what_if("ORATORIO", evidence=EV)
    assert teaching.progression_figure(r).get_title(loc="left") == r["title"]
    w = walking_what_if("ORATORIO", evidence=EV)
    ax = teaching.walking_figure(w)
    assert ax.get_title(loc="left") == w["title"]
    assert [p.get_width() for p in ax.patches] == pytest.approx(
        [w["baseline_s"], w["time_s"]["placebo"], w["time_s"]["ocrelizumab"]])


def test_explorer_starts_at_published_values_and_resets_on_trial_change():
    from msevidence.answers import teaching_app

    app = teaching_app.explorer(EV, "ORATORIO")
    (pick, reset), domain, risk, hr, base, _ = app.children[0].children, *app.children[1:]
    rc = CDP.result("PBO", "proportion_with_event").value
    assert (risk.value, hr.value, base.value) == (pytest.approx(100 * rc), HR.estimate,
                                                   ORA.assumption("t25fw_baseline_median_s").value)
    hr.value = 0.5
    reset.click()
    assert hr.value == HR.estimate
    assert not set(ACTIVE) & {v for _, v in pick.options}
    if "ORATORIO_HAND" in EV:
        pick.value = "ORATORIO_HAND"
        hand_rc = EV["ORATORIO_HAND"].endpoint("cdp12_edss").result("PBO", "proportion_with_event").value
        assert risk.value == pytest.approx(100 * hand_rc) and base.disabled  # no walking data to change
    domain.value = "walking_speed"
    assert risk.layout.display == "none" and base.layout.display is None


def test_teaching_report_set_includes_the_lay_teaching_notebook():
    rs = reports.load_report_set("teaching")
    runs = [r for r in rs.runs if r.notebook == "teaching"]
    assert runs and all(r.audience == "lay" for r in runs)
    assert {r.parameters["trial"] for r in runs} <= set(teachable_trials(EV))


# -- the notebook, executed with papermill through the report runner --------------------------------------------
@pytest.mark.slow
def test_teaching_notebook_records_the_numbers_it_shows(tmp_path, shipped):
    ora, hand = shipped("teaching/teaching-oratorio"), shipped("teaching/teaching-oratorio-hand")  # tests/conftest.py
    assert ora.spec.parameters == {"trial": "ORATORIO", "sliders": False}
    what_if_hr = HR.estimate / 2
    run = reports.Run(name="whatif", notebook="teaching", audience="lay",
                      parameters={"trial": "ORATORIO", "hr": what_if_hr, "baseline_s": 10.0})
    [whatif] = reports.render(reports.ReportSet(name="teach-tests", runs=[run]), out=tmp_path, workers=1)
    assert whatif.status == "ok", whatif.error
    rec = ora.recorded
    rc = CDP.result("PBO", "proportion_with_event").value
    assert rec["progression"]["out_of_100"]["placebo"] == round(100 * rc)
    assert rec["progression"]["out_of_100"]["ocrelizumab"] == round(100 * CDP.result("OCR", "proportion_with_event").value)
    assert rec["progression"]["hr_label"] == PUBLISHED and rec["walking"]["baseline_label"] == ASSUMED
    assert rec["walking"]["pct_change"]["placebo"] == WALK.result("PBO").value
    lay = ora.page("lay").read_text()
    text = " ".join(ora.text("lay").split())
    assert 'class="highlight' not in lay and "progression_what_if(" not in text
    assert "slower worsening is not improvement" in text and "assumption, not published" in text
    assert f"{round(100 * rc)} of 100" in text and "VBoxModel" not in lay  # no sliders in the printed report
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', lay)) == 2
    wi = whatif.recorded
    assert wi["progression"]["hr"] == what_if_hr and wi["progression"]["hr_label"] == WHAT_IF
    assert "your what-if value" in wi["progression"]["title"] and wi["walking"]["baseline_label"] == WHAT_IF
    assert wi["parameters"]["sliders"] is True  # the default builds the widgets without a frontend
    assert hand.recorded["walking"]["reported"] is False
    assert "not reported in this trial" in hand.text("lay")
