"""The shipped evidence store: loads, every number is sourced, OPERA stays active-controlled, tidy table shape.

`test_published_values_match_evidence_facts` is the one place where published numbers are typed into a test: it
checks the evidence itself against /work/shared/EVIDENCE_FACTS.md.
"""

from __future__ import annotations

from typing import get_args

import pandas as pd
import pytest

import msevidence
from msevidence.evidence import EvidenceFileError, default_evidence_dir, load_trial, validate
from msevidence.evidence.schema import COMPARATOR_LABELS, Comparator, Domain, Source, Trial

OPERA = ("OPERA_I", "OPERA_II", "OPERA_POOLED")
NEW_FILES = ("oratorio_ole", "oratorio_hand", "opera_i", "opera_ii", "opera_pooled")


@pytest.fixture(scope="module")
def ev():
    return msevidence.load_evidence()


def test_store_loads_with_the_curated_trials(ev):
    assert {"ORATORIO", "ORATORIO_OLE", "ORATORIO_HAND", *OPERA} <= set(ev.ids)
    for t in ev:
        assert len(ev.sha256(t.id)) == 64


def test_new_files_point_editors_at_the_schema():
    for name in NEW_FILES:
        first = (default_evidence_dir() / f"{name}.yaml").read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=trial.schema.json"


def _sourced_things(t):
    for a in t.arms:
        if a.n_randomized is not None:
            yield f"arm {a.id}", a.n_source
    if t.total_randomized is not None:
        yield "total", t.total_source
    yield "design", t.design.source
    yield "eligibility", t.eligibility.source
    for b in t.baseline:
        yield f"baseline {b.characteristic}", b.source
    for ep in t.endpoints:
        for x in [*ep.results, *ep.effects]:
            yield f"{ep.id} {x.statistic}", x.source


def test_every_number_has_a_source_whose_reference_exists(ev):
    for t in ev:
        keys = {r.key for r in t.references}
        for what, src in _sourced_things(t):
            assert src is not None, f"{t.id} {what} has no source"
            assert src.ref in keys, f"{t.id} {what}: unknown reference {src.ref}"
            assert src.locator.strip(), f"{t.id} {what}: empty locator"
        for ep in t.endpoints:
            for x in [*ep.results, *ep.effects]:
                if x.provenance == "derived":
                    assert x.formula, f"{t.id} {ep.id}: derived without formula"
        for a in t.arms:
            if a.n_provenance == "derived":
                assert a.n_formula, f"{t.id} arm {a.id}: derived size without formula"


def test_opera_is_active_controlled_and_never_placebo_evidence(ev):
    placebo = {t.id for t in ev.placebo_controlled()}
    assert {"ORATORIO", "ORATORIO_HAND"} <= placebo
    for tid in OPERA:
        t = ev[tid]
        assert t.comparator == "active"
        assert tid not in placebo
        assert "interferon beta-1a" in t.comparator_label.lower() and "not placebo" in t.comparator_label
        assert t.control.drug == "interferon beta-1a"
    assert all(t.comparator == "placebo" for t in ev.placebo_controlled())


def test_the_open_label_extension_compares_early_with_delayed_treatment_never_with_placebo(ev):
    ole = ev["ORATORIO_OLE"]
    assert ole.comparator == "delayed_treatment"
    assert ole.id not in {t.id for t in ev.placebo_controlled()}
    # every effect compares the early arm with the switched (delayed) arm
    assert {(x.treatment, x.control) for ep in ole.endpoints for x in ep.effects} == {("OCR-OCR", "PBO-OCR")}
    assert "ocrelizumab" in ole.control.drug and "placebo" in ole.control.drug
    df = ev.endpoints()
    rows = df[df["trial"] == "ORATORIO_OLE"]
    assert len(rows) and set(rows["comparator"]) == {"delayed_treatment"}
    assert set(rows["vs"]) == {COMPARATOR_LABELS["delayed_treatment"]} and "not placebo" in rows["vs"].iloc[0]
    assert "ORATORIO_OLE (early vs DELAYED ocrelizumab, not placebo" in repr(ev)
    assert not (df[df["vs"] == "vs placebo"]["comparator"] != "placebo").any()


def test_every_comparator_kind_has_a_label_and_only_placebo_reads_as_placebo():
    kinds = set(get_args(Comparator))
    assert kinds == set(COMPARATOR_LABELS) == {"placebo", "active", "delayed_treatment"}
    assert [k for k, label in COMPARATOR_LABELS.items() if "not placebo" not in label] == ["placebo"]


def _with(trial: Trial, **update) -> Trial:
    return trial.model_copy(update=update)


def test_the_comparator_must_match_the_control_arm(ev, tmp_path):
    """A placebo trial whose control arm gets another drug is rejected; delayed_treatment needs a switch."""
    import yaml

    text = (default_evidence_dir() / "oratorio_ole.yaml").read_text(encoding="utf-8")
    as_placebo = tmp_path / "ole_as_placebo.yaml"
    as_placebo.write_text(text.replace("comparator: delayed_treatment", "comparator: placebo"), encoding="utf-8")
    (problem,) = validate([as_placebo])
    assert problem.field == "comparator" and "(rule: the comparator matches the control arm)" in problem.message
    assert "'delayed_treatment'" in problem.message
    with pytest.raises(EvidenceFileError):
        load_trial(as_placebo)
    # ORATORIO (placebo control) declared as early-vs-delayed: the control arm never receives ocrelizumab
    data = yaml.safe_load((default_evidence_dir() / "oratorio.yaml").read_text(encoding="utf-8"))
    data["comparator"] = "delayed_treatment"
    delayed = tmp_path / "oratorio_delayed.yaml"
    delayed.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    (problem,) = validate([delayed])
    assert problem.field == "comparator" and "no control arm ever receives the treatment drug" in problem.message
    # an unknown kind is refused by the schema, naming every allowed kind
    bad = tmp_path / "ole_bad_kind.yaml"
    bad.write_text(text.replace("comparator: delayed_treatment", "comparator: open_label"), encoding="utf-8")
    (problem,) = validate([bad])
    assert problem.field == "comparator" and "'delayed_treatment'" in problem.message


def test_a_secondary_source_needs_the_page_it_was_read_on():
    assert Source(ref="x", locator="Results", checked_at="https://example.org", secondary=True).secondary
    with pytest.raises(ValueError, match="needs 'checked_at'"):
        Source(ref="x", locator="Results", secondary=True)


def test_oratorio_hand_figures_are_marked_as_seen_only_in_secondary_reports(ev):
    hand = ev["ORATORIO_HAND"]
    sourced = [x for ep in hand.endpoints for x in (*ep.results, *ep.effects)]
    assert sourced and all(x.source.secondary and x.source.checked_at for x in sourced)
    assert all(a.n_source.secondary for a in hand.arms)
    # no effect is cited to the journal article except the MRI-active p-value, seen only on a summary site
    on_article = [x for x in sourced if x.source.ref == "giovannoni2026"]
    assert len(on_article) == 1 and on_article[0].p is not None and "neurotrials" in on_article[0].source.checked_at
    df = ev.endpoints(trial="ORATORIO_HAND")
    assert df["secondary"].all() and df["citation"].str.contains("seen only in a secondary report").all()
    assert not ev.endpoints(trial="OPERA_POOLED")["secondary"].any()


def test_oratorio_stratification_is_cited_to_the_poster_that_states_it(ev):
    d = ev["ORATORIO"].design
    assert d.stratification and d.methods_source.ref == "wolinsky2016_actrims"
    assert d.methods_source.checked_at and d.methods_source.locator == "Statistical analysis"
    # removing the methods source is a validation problem, not a silent gap
    bare = _with(ev["ORATORIO"], design=d.model_copy(update={"methods_source": None}))
    from msevidence.evidence.rules import check_trial

    assert any("every design choice is sourced" in msg for _, msg in check_trial(bare, default_evidence_dir()))


def test_references_leave_unseen_fields_empty_and_say_so(ev):
    """A congress reference without authors or title says in its note that the page read did not show them."""
    for t in ev:
        for r in t.references:
            if r.authors is None or r.title is None or r.year is None:
                assert r.note and ("not shown" in r.note or "not seen" in r.note or "left empty" in r.note), (
                    t.id, r.key)
            assert t.cite(Source(ref=r.key, locator="Abstract"))  # citable even with empty fields


def test_endpoints_table_has_one_row_per_trial_endpoint_and_arm_or_effect(ev):
    df = ev.endpoints()
    expected = sum(len(ep.results) + len(ep.effects) for t in ev for ep in t.endpoints)
    assert len(df) == expected
    assert {"trial", "endpoint", "domain", "kind", "arm", "statistic", "value", "ref", "locator", "citation"} <= set(
        df.columns)
    assert set(df["domain"]) <= set(get_args(Domain))
    assert df["domain"].notna().all() and df["ref"].notna().all() and df["citation"].notna().all()
    counts = df.groupby(["trial", "endpoint"]).size()
    for t in ev:
        for ep in t.endpoints:
            assert counts.get((t.id, ep.id), 0) == len(ep.results) + len(ep.effects)
    # filters
    walk = ev.endpoints(domain="walking_speed")
    assert len(walk) > 0 and set(walk["domain"]) == {"walking_speed"}
    assert set(ev.endpoints(trial="OPERA_I")["trial"]) == {"OPERA_I"}


def test_derived_rows_are_labelled_and_carry_their_formula(ev):
    df = ev.endpoints()
    derived = df[df["provenance"] == "derived"]
    assert len(derived) > 0
    assert derived["formula"].notna().all()
    assert set(df["provenance"]) <= {"published", "derived", "assumption", "synthetic"}


# -- checking evidence: published values typed in on purpose (source: /work/shared/EVIDENCE_FACTS.md) -------------
def test_published_values_match_evidence_facts(ev):
    o = ev["ORATORIO"]
    hr = o.find_endpoint(scale="EDSS", analysis="time_to_event", confirmation_weeks=12).effect("hazard_ratio")
    assert (hr.estimate, hr.ci_low, hr.ci_high) == (0.76, 0.59, 0.98)
    assert (o.treatment.n_randomized, o.control.n_randomized) == (488, 244)

    pooled = ev["OPERA_POOLED"]
    cdp12 = pooled.endpoint("cdp12_edss")
    assert (cdp12.effect().estimate, cdp12.effect().ci_low, cdp12.effect().ci_high) == (0.60, 0.45, 0.81)
    assert cdp12.result("OCR").value == 0.091 and cdp12.result("IFN").value == 0.136
    cdp24 = pooled.endpoint("cdp24_edss")
    assert (cdp24.effect().estimate, cdp24.effect().ci_low, cdp24.effect().ci_high) == (0.60, 0.43, 0.84)
    assert cdp24.effect("relative_reduction").p == 0.0025
    assert (pooled.treatment.n_randomized, pooled.control.n_randomized, pooled.total_randomized) == (827, 829, 1656)
    assert pooled.treatment.n_provenance == "derived" and "541" in pooled.treatment.n_formula
    ccda = pooled.endpoint("ccda12")
    assert (ccda.result("OCR").events, ccda.result("IFN").events) == (167, 223)

    for tid, total, rrr in (("OPERA_I", 821, 0.46), ("OPERA_II", 835, 0.47)):
        t = ev[tid]
        assert t.total_randomized == total
        assert t.treatment.n_randomized is None and t.control.n_randomized is None
        arr = t.endpoint("arr")
        assert (arr.result("OCR").value, arr.result("IFN").value) == (0.16, 0.29)
        assert arr.effect("relative_reduction").estimate == rrr

    hand = ev["ORATORIO_HAND"]
    assert (hand.treatment.n_randomized, hand.control.n_randomized) == (505, 508)
    assert (hand.eligibility.edss_min, hand.eligibility.edss_max) == (3.0, 8.0)
    assert (hand.eligibility.age_min, hand.eligibility.age_max) == (18, 65)
    assert "modified" in hand.design.follow_up_rule.lower()
    primary = next(e for e in hand.endpoints if e.primary)
    hr = primary.effect("hazard_ratio")
    assert (hr.estimate, hr.ci_low, hr.ci_high, hr.p) == (0.70, 0.57, 0.86, 0.0007)
    assert (primary.result("OCR").value, primary.result("PBO").value) == (0.327, 0.404)
    edss_ocr, edss_pbo = hand.baseline_of("edss", "OCR"), hand.baseline_of("edss", "PBO")
    assert (edss_ocr.median, edss_ocr.min, edss_ocr.max) == (6.0, 3.0, 8.0)
    assert (edss_pbo.median, edss_pbo.min, edss_pbo.max) == (6.0, 2.5, 8.0)

    ole = ev["ORATORIO_OLE"]
    assert (ole.treatment.id, ole.control.id) == ("OCR-OCR", "PBO-OCR")
    assert "ocrelizumab" in ole.comparator_label and "placebo" in ole.comparator_label.lower()
    walk = ole.endpoint("repeated_t25fw20_cp48")
    assert walk.domain == "walking_speed"
    rr = walk.effect("rate_ratio")
    assert (rr.estimate, rr.ci_low, rr.ci_high, rr.p) == (0.73, 0.59, 0.90, 0.003)
    w312 = ole.endpoint("cdp24_edss_w312")
    assert (w312.result("OCR-OCR").value, w312.result("PBO-OCR").value) == (0.517, 0.648)


def test_gaps_are_recorded_for_every_new_trial(ev):
    for tid in ("ORATORIO_OLE", "ORATORIO_HAND", *OPERA):
        gaps = " ".join(ev[tid].gaps).lower()
        assert "numbers-at-risk" in gaps
    assert any("t25fw" in g.lower() for g in ev["ORATORIO_HAND"].gaps)


def test_tidy_table_is_a_dataframe_with_nullable_numbers(ev):
    df = ev.endpoints(trial="OPERA_I")
    assert isinstance(df, pd.DataFrame)
    assert df["n_treatment"].isna().all()  # per-arm N not published for OPERA I: a gap, not a number


def test_evidence_set_to_frame_and_plot():
    """The store draws nothing itself (no import of presentation from evidence); the forest plot reads its frame."""
    import matplotlib

    matplotlib.use("Agg")
    from msevidence.presentation.figures.evidence import forest_plot

    ev = msevidence.load_evidence()
    assert ev.to_frame().equals(ev.endpoints())
    assert not hasattr(ev, "plot")
    ax = forest_plot(ev.endpoints().query("comparator == 'placebo'"))
    labels = " ".join(t.get_text() for t in ax.get_yticklabels())
    assert "ORATORIO" in labels and "OPERA" not in labels


def test_placebo_only_uses_refuse_the_open_label_extension(ev):
    from msevidence.errors import InputError
    from msevidence.evidence import require_placebo

    with pytest.raises(InputError, match=r"^ORATORIO_OLE is early-versus-delayed-treatment .*needs a placebo-controlled"):
        require_placebo(ev["ORATORIO_OLE"], "the main report")
    assert require_placebo(ev["ORATORIO"], "the main report") is ev["ORATORIO"]
