"""The "What changes walking" answer: one definition per panel, ocrelizumab only where it has a result on that
scale (from the trial store, on its own axis), filters, plain summaries; the notebook stays thin."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from msevidence.answers.walking_interventions import what_changes_walking  # noqa: E402
from msevidence.evidence import load_evidence  # noqa: E402
from msevidence.evidence.interventions import load_interventions  # noqa: E402
from msevidence.judgement.interventions import require_same_axis  # noqa: E402

FIX = Path(__file__).parent / "fixtures"
STORE = load_interventions(FIX / "interventions_claims" / "interventions")
TRIALS = load_evidence(FIX / "evidence" / "good_minimal.yaml")  # one arm only on T25FW: not drawable
TRIALS_T25FW = load_evidence(FIX / "interventions_trial" / "trial_with_t25fw_arms.yaml")
CLAIMS = FIX / "interventions_claims" / "interventions" / "claims.yaml"
T25FW_STUDY = {"id": "t25_2001", "title": "t", "intervention": {"kind": "exercise", "name": "exercise"},
               "comparator": {"kind": "usual_care", "name": "usual care"}, "design": "parallel_rct",
               "randomised": True, "population": {"ms_type": "progressive", "n": 150, "description": "d"},
               "reference": {"citation": "Illustrative citation", "checked_at": "not read: test data"},
               "results": [{"id": "t25", "outcome": {"scale": "T25FW", "label": "walk time", "units": "s",
                                                     "higher_is_better": False, "time_point": "w",
                                                     "analysis": "md"},
                            "statistic": "md", "estimate": -1.0, "ci_low": -2.0, "ci_high": 0.5, "locator": "Table 1"}]}


def test_each_panel_is_one_definition_and_ocrelizumab_appears_only_on_its_own_scales():
    answer = what_changes_walking(STORE, TRIALS, claims_path=CLAIMS)
    assert answer.scales() == ["6MWT", "falls_rate"]
    for panel in answer.panels:
        assert require_same_axis(list(panel.pairs), "drawn on one axis")
    assert answer.ocrelizumab == {}  # the trial store has no 6-minute walk or falls result


def test_ocrelizumab_t25fw_is_drawn_on_its_own_axis(tmp_path):
    from msevidence.evidence.interventions import InterventionStore, Study

    store = InterventionStore({"t25_2001": Study.model_validate(T25FW_STUDY)}, {})
    assert what_changes_walking(store, TRIALS, claims_path=tmp_path / "none.yaml").ocrelizumab == {}
    answer = what_changes_walking(store, TRIALS_T25FW, outcome_scale="T25FW", claims_path=tmp_path / "none.yaml")
    (ocr,) = answer.ocrelizumab["T25FW"]
    assert ocr.units == "%" and not ocr.higher_is_better and len(ocr.arm_values) == 2
    assert answer.panels[0].pairs[0][1].outcome.units == "s"  # never on the same axis as the percent change
    ax1, ax2 = answer.panels[0].plot(), answer.plot_ocrelizumab("T25FW")
    assert ax1 is not ax2 and "slower worsening" in ax2.get_title(loc="left")
    plt.close("all")


def test_filters_and_plain_summaries():
    answer = what_changes_walking(STORE, TRIALS, population="progressive",
                                  claims_path=CLAIMS)
    assert answer.panels == ()
    answer = what_changes_walking(STORE, TRIALS,
                                  claims_path=CLAIMS)
    (summary,) = answer.summaries
    assert summary.sentence.startswith("Exercise: ") and "possible but uncertain" in summary.sentence
    assert "Ocrevus" in answer.bottom_line() and "SMD" not in answer.bottom_line() + answer.who()
    table = answer.table(lay=True)
    assert {"Compared with", "Design"} <= set(table.columns) and not table.isna().any().any()


def test_the_notebook_is_thin_one_call_then_display():
    src = (Path(__file__).parents[1] / "notebooks_py" / "what_changes_walking.py").read_text()
    assert src.count("what_changes_walking(") == 1 and "def " not in src and "class " not in src
