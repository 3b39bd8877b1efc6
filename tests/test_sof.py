"""Summary of Findings: absolute effects by the GRADE formula (hand computation), grouping, certainty reasons."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import pytest

import msevidence as mse
from msevidence.errors import OptionError
from msevidence.judgement.sof import GROUPS, summary_of_findings
from msevidence.judgement.verdict import judge_effect


@pytest.fixture(scope="module")
def ev():
    return mse.load_evidence()


@pytest.fixture(scope="module")
def sof(ev):
    return summary_of_findings(ev)


def test_absolute_effect_is_the_grade_formula_by_hand(ev, sof):
    """Both groups' risks published: the row shows them (observed); the HR-derived risk is the GRADE formula."""
    t = ev["ORATORIO"]
    ep = t.endpoint("cdp12_edss")
    hr = ep.effect("hazard_ratio")
    rc, rt = (ep.result(a, "proportion_with_event").value for a in ("PBO", "OCR"))
    row = next(r for r in sof.rows if r.trial == t.name and r.endpoint == "cdp12_edss")
    assert row.absolute_kind == "observed" and row.data_provenance == "published"
    assert row.control_risk_per_1000 == pytest.approx(1000 * rc)
    assert row.intervention_risk_per_1000 == pytest.approx(1000 * rt)
    assert row.difference_per_1000 == pytest.approx(1000 * (rt - rc)) and row.difference_low is None
    assert row.derived_intervention_risk_per_1000 == pytest.approx(1000 * (1 - (1 - rc) ** hr.estimate))
    assert row.derived_difference_low == pytest.approx(1000 * ((1 - (1 - rc) ** hr.ci_low) - rc))
    assert row.derived_difference_high == pytest.approx(1000 * ((1 - (1 - rc) ** hr.ci_high) - rc))
    assert "whole trial period" in row.control_risk_basis
    assert row.verdict == judge_effect(hr).direction.value
    assert any("GRADE guideline 27" in f for f in sof.footnotes)


def test_groups_kept_apart_and_ordered(sof):
    groups = [r.group for r in sof.rows]
    assert set(groups) == set(GROUPS.values())
    first_walk = groups.index(GROUPS["walking_speed"])
    assert all(g == GROUPS["walking_speed"] for g in groups[first_walk:])


def test_certainty_reasons(ev, sof):
    walk = next(r for r in sof.rows if r.endpoint == "t25fw_pct_change_w120")
    assert not walk.estimable and "continuous" in walk.absolute_reason
    # GRADE domains from fields: the walking row's missing data were carried forward (risk of bias) and no CI was
    # published (imprecision); the result is in the journal paper, so it is not downgraded as a congress abstract
    assert any(s.startswith("risk of bias") and "last observation" in s for s in walk.certainty_reasons)
    assert any(s.startswith("imprecision") for s in walk.certainty_reasons)
    assert not any("congress abstract" in s for s in walk.certainty_reasons)
    assert walk.certainty in ("low", "very low")
    primary = next(r for r in sof.rows if r.trial == "ORATORIO" and r.endpoint == "cdp12_edss")
    assert primary.certainty == "moderate" and not any("one trial" in s for s in primary.certainty_reasons)
    assert primary.certainty_domains["inconsistency"]["level"] == "not serious"
    post_hoc = next(r for r in sof.rows if r.endpoint == "edss7_cdp24_dbp_ecp")
    assert any("post hoc" in s for s in post_hoc.certainty_reasons)
    opera = next(r for r in sof.rows if r.trial.startswith("OPERA") and r.endpoint == "cdp12_edss")
    assert opera.studies == 2 and "interferon" in opera.comparison
    assert opera.certainty_domains["indirectness"]["level"] == "very serious"  # RMS vs interferon for a PPMS question


def test_relative_reduction_read_as_hr_is_footnoted(ev, sof):
    hand = next(r for r in sof.rows if r.trial == ev["ORATORIO_HAND"].name and r.endpoint == "cdp12_edss")
    rr = ev["ORATORIO_HAND"].endpoint("cdp12_edss").effect("relative_reduction").estimate
    assert hand.ratio == pytest.approx(1 - rr) and hand.difference_low is None
    assert any("1 - relative risk reduction" in sof.footnotes[i - 1] for i in hand.footnotes)
    rc = ev["ORATORIO_HAND"].endpoint("cdp12_edss").result("PBO", "proportion_with_event").value
    assert hand.derived_intervention_risk_per_1000 == pytest.approx(1000 * (1 - (1 - rc) ** (1 - rr)))


def test_frames_json_plot_and_lay(ev, sof):
    df = sof.to_frame()
    assert len(df) == len(sof.rows)
    disp = sof.display_frame()
    assert not disp.isna().any().any() and "nan" not in disp.to_string().lower()
    json.dumps(sof.to_json(), allow_nan=False)
    assert sof.plot() is not None
    lay = " ".join(sof.lay_sentences())
    assert "_" not in lay and "nan" not in lay.lower()
    only = summary_of_findings(ev, ["ORATORIO"])
    assert {r.trial for r in only.rows} == {"ORATORIO"}
    with pytest.raises(OptionError, match="--trial"):
        summary_of_findings(ev, ["NOPE"])


def test_every_null_in_the_json_carries_its_reason():
    """`sof --json`: a null field always has `<field>_reason` beside it (never a bare null)."""
    import msevidence as mse
    from msevidence.judgement.sof import summary_of_findings

    rows = summary_of_findings(mse.load_evidence()).to_json()["rows"]
    bare = [(r["trial"], r["endpoint"], k) for r in rows for k, v in r.items()
            if v is None and not k.endswith("_reason") and not (r.get(f"{k}_reason") or "").strip()]
    assert rows and bare == []
    assert any(k.endswith("_reason") and k != "absolute_reason" for r in rows for k in r)
