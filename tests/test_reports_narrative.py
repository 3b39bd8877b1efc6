"""Plain-language report text (msevidence.narrative) and the evidence forest plot: rules and numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

import msevidence as mse
from msevidence import answers as narrative
from msevidence.evidence import EvidenceSet, Trial
from msevidence.presentation.figures.evidence import forest_plot, ratio_effects


@pytest.fixture(scope="module")
def ev():
    return mse.load_evidence()


@pytest.fixture(scope="module")
def oratorio(ev):
    return ev["ORATORIO"]


def edit(trial: Trial, endpoint: str, **changes) -> Trial:
    """A copy of `trial` with `changes` applied to the endpoint's effects (key 'effect') or results."""
    d = trial.model_dump()
    ep = next(e for e in d["endpoints"] if e["id"] == endpoint)
    for e in ep["effects"]:
        e.update(changes.get("effect", {}))
    for r in ep["results"]:
        r.update(changes.get("results", {}).get(r["arm"], {}))
    return Trial.model_validate(d)


def test_progression_verdict_reads_the_published_hazard_ratio(oratorio):
    hr = oratorio.endpoint("cdp12_edss").effect("hazard_ratio")
    v = narrative.published_progression_verdict(oratorio)
    assert v.verdict == "less worsening" and hr.ci_high < 1
    assert f"hazard ratio {hr.estimate:.2f} (95% CI {hr.ci_low:.2f} to {hr.ci_high:.2f}" in v.sentence
    assert oratorio.cite(hr.source) in v.sentence
    crossing = edit(oratorio, "cdp12_edss", effect={"ci_high": 1.05})
    assert narrative.published_progression_verdict(crossing).verdict == "no difference shown"
    harm = edit(oratorio, "cdp12_edss", effect={"estimate": 1.3, "ci_low": 1.1, "ci_high": 1.6})
    assert narrative.published_progression_verdict(harm).verdict == "more worsening"


def test_walking_verdict_separates_less_worsening_from_improvement(oratorio):
    ep = oratorio.endpoint("t25fw_pct_change_w120")
    v = narrative.published_walking_verdict(oratorio)
    assert v.verdict == "less worsening"
    assert f"{ep.result('OCR').value:.1f}%" in v.sentence and f"{ep.result('PBO').value:.1f}%" in v.sentence
    assert "slower worsening is not improvement" in v.sentence
    faster = edit(oratorio, "t25fw_pct_change_w120", results={"OCR": {"value": -5.0}})
    assert narrative.published_walking_verdict(faster).verdict == "improvement"
    not_sig = edit(oratorio, "t25fw_pct_change_w120", effect={"p": 0.3})
    assert narrative.published_walking_verdict(not_sig).verdict == "no difference shown"


def test_trial_without_walking_data_says_so_plainly(oratorio):
    d = oratorio.model_dump()
    d["endpoints"] = [e for e in d["endpoints"] if e["domain"] != "walking_speed"]
    t = Trial.model_validate(d)
    v = narrative.published_walking_verdict(t)
    assert v.verdict == "not reported" and "was not reported in" in v.sentence
    assert "This trial cannot say" in narrative.bottom_line(t)


def test_bottom_line_answers_walking_first_and_keeps_domains_apart(oratorio):
    text = narrative.bottom_line(oratorio)
    walk, prog = text.index("help walking?"), text.index("**Disability progression**")
    assert walk < prog
    assert "hazard ratio" not in text[walk:prog] and "25 feet" not in text[prog:]


def test_limits_come_from_the_evidence(ev, oratorio):
    limits = narrative.what_trials_do_not_show(ev, oratorio)
    active = [t.name for t in ev if t.comparator == "active"]
    if active:
        assert any(all(n in x for n in active) and "not placebo" in x for x in limits)
    assert any("extrapolation is not an observation" in x for x in limits)
    assert sum(x.startswith(f"Not published for {oratorio.name}") for x in limits) == len(oratorio.gaps)
    assert any("walking is restored" in x for x in limits)


def test_certainty_flags_a_confidence_limit_near_one(oratorio):
    assert "close to 1" in narrative.certainty(oratorio, "disability_progression")
    wide = edit(oratorio, "cdp12_edss", effect={"ci_high": 0.8, "estimate": 0.6, "ci_low": 0.45})
    assert "close to 1" not in narrative.certainty(wide, "disability_progression")


def test_published_table_can_leave_out_active_controlled_trials(ev):
    table = narrative.published_table(ev, "disability_progression", include_active=False)
    assert not table.empty and set(table["vs"]) == {"placebo"}
    full = narrative.published_table(ev, "disability_progression")
    assert len(full) == len(ev.endpoints(domain="disability_progression"))


def test_forest_plot_draws_one_square_per_ratio_effect(ev):
    """Harms and favourable outcomes on separate axes (one direction each); together, every ratio once."""
    tidy = ev.endpoints()
    axes = [forest_plot(tidy), forest_plot(tidy, which="benefits")]
    assert axes[1] is not None and axes[1].xaxis_inverted() and not axes[0].xaxis_inverted()
    lines = [ln for ax in axes for ln in ax.lines if ln.get_marker() in ("s", "D")]  # diamonds: early vs delayed
    assert len(lines) == len(ratio_effects(tidy))
    delayed = ratio_effects(tidy)["comparator"].eq("delayed_treatment").sum()
    assert delayed > 0 and sum(ln.get_marker() == "D" for ln in lines) == delayed
    assert sorted(s.get_xdata()[0] for s in lines) == sorted(ratio_effects(tidy)["value"])
    benefits = ratio_effects(tidy).query("favourable")
    assert len(benefits) and (benefits["statistic"] == "risk_ratio").all()
    assert "published" in axes[0].get_title().lower()
    assert [t.get_text() for t in axes[0].get_legend().get_texts()][0] == "vs placebo"  # legend names its series
    with pytest.raises(ValueError, match="no ratio effects"):
        forest_plot(tidy[tidy["statistic"] == "mean_pct_change"])


def test_forest_plot_never_groups_active_with_placebo_controlled_results(ev):
    ax = forest_plot(ev.endpoints())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    groups: list[list[str]] = []
    for lab in labels:
        if ":" not in lab or lab.endswith("(see table)"):
            groups.append([lab])  # a heading starts a group
        else:
            groups[-1].append(lab)
    # every row sits under the heading of its comparison; extension rows (control switched to ocrelizumab,
    # period DBP+OLE) of an active-controlled trial are early vs delayed ocrelizumab, not "vs active comparator"
    for heading, *rows in groups:
        for lab in rows:
            flat = lab.replace("\n", " ")
            if "ACTIVE comparator" in heading:
                assert ", active)" in flat and "6.5" not in flat, (heading, lab)  # not the extension rows
            elif "early vs DELAYED" in heading:
                assert "(early vs delayed ocrelizumab)" in flat, (heading, lab)
            else:
                assert "(vs placebo)" in flat, (heading, lab)
    assert any("(vs interferon beta-1a, active)" in lab for lab in labels)
    assert any(lab.startswith("ORATORIO_OLE (early vs delayed ocrelizumab)") for lab in labels)
    assert any(lab.startswith("OPERA_POOLED (early vs delayed ocrelizumab)") for lab in labels)
    assert not any(lab.startswith("ORATORIO_OLE (vs placebo") for lab in labels)


def test_provenance_lists_hash_parameters_and_label(ev):
    df = narrative.provenance(ev, ["ORATORIO"], {"seed": 3, "n_per_arm": None}, "SYNTHETIC data (seed 3)")
    df = df.set_index("item")
    assert df.loc["evidence file oratorio.yaml", "value"] == f"sha256 {ev.sha256('ORATORIO')}"
    assert df.loc["setting: random seed of the simulation", "value"] == "3"
    assert df.loc["reproduced data", "value"].startswith("SYNTHETIC")
    assert df.loc["setting: simulated patients per group", "value"] == "as many as were randomized in the trial"


def test_main_report_refuses_active_controlled_trials(oratorio):
    active = oratorio.model_copy(update={"id": "ACTIVE", "comparator": "active"})  # built here, not shipped
    with pytest.raises(ValueError, match="the main report needs a placebo-controlled trial"):
        narrative.progression_vs_walking(EvidenceSet({"ACTIVE": active}, {}), "ACTIVE", n_per_arm=10)


def test_certainty_says_when_figures_were_seen_only_in_secondary_reports(ev):
    hand = ev["ORATORIO_HAND"]
    text = narrative.certainty(hand, "disability_progression")
    assert "All of these figures were seen only in secondary reports" in text
    assert "placebo-controlled" in text
    # the same trial with its sources marked as read in the publication itself: no such caveat
    ep = hand.endpoint(narrative.published_progression_verdict(hand).endpoint)
    primary = ep.model_copy(update={
        "results": [r.model_copy(update={"source": r.source.model_copy(update={"secondary": False})})
                    for r in ep.results],
        "effects": [x.model_copy(update={"source": x.source.model_copy(update={"secondary": False})})
                    for x in ep.effects]})
    read = hand.model_copy(update={"endpoints": [primary if e.id == ep.id else e for e in hand.endpoints]})
    assert "secondary reports" not in narrative.certainty(read, "disability_progression")


def test_limits_say_the_open_label_extension_is_early_vs_delayed_not_placebo(ev):
    limits = " ".join(narrative.what_trials_do_not_show(ev, ev["ORATORIO"]))
    assert "ORATORIO open-label extension compared starting ocrelizumab early with starting it later" in limits
    ole, ora = ev["ORATORIO_OLE"].name, ev["ORATORIO"].name  # tables show trials by name
    summary = narrative.evidence_summary(ev).set_index("trial")
    assert "early vs DELAYED ocrelizumab, not placebo" in summary.loc[ole, "comparator"]
    assert summary.loc[ora, "comparator"].endswith("(vs placebo)")
    table = narrative.published_table(ev, "disability_progression").set_index("trial")
    assert set(table.loc[ole, "vs"]) == {"early vs DELAYED ocrelizumab, not placebo"}
    assert "ORATORIO_OLE" not in set(narrative.tidy_evidence(ev, include_active=False)["trial"])
