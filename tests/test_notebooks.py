"""Notebooks: paired with jupytext, committed without outputs, parameterized; executed (the shipped runs, rendered
once per session by tests/conftest.py) and checked against the values they record and an independent computation."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest

import msevidence as mse
from msevidence import reports
from msevidence.answers import tidy_evidence
from msevidence.answers.synthetic_notes import without_code_asides
from msevidence.evidence import EvidenceSet
from msevidence.judgement.wording import assumption_name

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks_py").glob("*.py"))  # jupytext twins of notebooks/*.ipynb
REQUIRED = {"evidence_overview", "time_to_progression", "walking_speed", "progression_vs_walking"}


def test_required_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= REQUIRED


def test_twins_live_outside_the_folder_jupyterlab_lists():
    assert not list((ROOT / "notebooks").glob("*.py")), "jupytext twins belong in notebooks_py/ (make lab lists notebooks/)"
    pairing = 'formats = "notebooks///ipynb,notebooks_py///py:percent"'
    assert pairing in (ROOT / "jupytext.toml").read_text(encoding="utf-8")
    for py in NOTEBOOKS:
        assert jupytext.read(py).metadata["jupytext"]["formats"] == pairing.split('"')[1], py.name


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_in_sync_with_py_and_without_outputs(py):
    ipynb = ROOT / "notebooks" / f"{py.stem}.ipynb"
    assert ipynb.is_file(), f"run: jupytext --to ipynb {py.relative_to(ROOT)}"
    a, b = jupytext.read(py), nbformat.read(ipynb, as_version=4)
    strip = [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in a.cells]
    assert strip == [(c.cell_type, c.source.strip(), sorted(c.metadata.get("tags", []))) for c in b.cells], \
        f"{ipynb.name} differs from {py.name}: run jupytext --sync {py.relative_to(ROOT)}"
    for c in b.cells:
        assert not c.get("outputs") and c.get("execution_count") is None, f"{ipynb.name} has outputs"
    assert b.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_that_papermill_can_read(py):
    ipynb = ROOT / "notebooks" / f"{py.stem}.ipynb"
    nb = nbformat.read(ipynb, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    body = ast.parse(cells[0].source).body
    assert all(isinstance(node, ast.AnnAssign) for node in body), "every parameter declares its type"
    assigned = [node.target.id for node in body]
    assert list(reports.notebook_parameters(ipynb)) == assigned  # no line papermill skips


@pytest.mark.parametrize("py", NOTEBOOKS, ids=lambda p: p.stem)
def test_papermill_reports_each_parameters_type_and_help(py):
    import papermill as pm

    params = pm.inspect_notebook(str(ROOT / "notebooks" / f"{py.stem}.ipynb"))
    assert params
    for name, p in params.items():
        assert p["inferred_type_name"] not in ("None", "", "Unknown type"), name
        assert p["help"], f"{name}: no comment papermill shows as help"


# -- executed: the session's renders of the shipped runs (tests/conftest.py), each checked against what it records
OVERVIEW, MAIN, HAND = ("default/evidence-overview", "default/progression-vs-walking-oratorio",
                        "default/progression-vs-walking-oratorio-hand")
TTP, WALKING = "analyst/ttp-oratorio-cdp24", "analyst/walking-oratorio"


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def text_of(path: Path) -> str:
    return plain(path.read_text())


def synthetic_like(spec, n: dict[str, int]):
    """The synthetic trial a shipped run analysed, simulated again here (its seed, its patients per arm)."""
    from msevidence.synthetic import simulate_trial

    p = spec.parameters
    return simulate_trial(p["trial"], seed=p.get("seed", 1), n_per_arm=n)


def lifelines_hr(events, treatment: str) -> float:
    from lifelines import CoxPHFitter

    df = events.assign(x=(events["arm"] == treatment).astype(float))[["time_weeks", "event", "x"]]
    return float(np.exp(CoxPHFitter().fit(df, "time_weeks", "event").params_["x"]))


@pytest.mark.slow
def test_evidence_overview_records_the_evidence(shipped):
    run = shipped(OVERVIEW)
    rec, include_active = run.recorded, run.spec.parameters.get("include_active", True)
    ev = mse.load_evidence()
    assert rec["trials"] == ev.ids
    assert rec["placebo_trials"] == [t.id for t in ev if t.comparator == "placebo"]
    shown = {r["trial"] for r in rec["forest_rows"]}
    active = {t.id for t in ev if t.comparator != "placebo"}
    assert shown >= set(rec["placebo_trials"]) and bool(shown & active) == include_active
    assert {t for t in tidy_evidence(ev, False)["trial"]} <= set(rec["placebo_trials"])  # the switch filters
    hr = ev["ORATORIO"].endpoint("cdp12_edss").effect("hazard_ratio").estimate
    assert {"trial": "ORATORIO", "endpoint": "cdp12_edss", "statistic": "hazard_ratio", "value": hr} in rec["forest_rows"]
    assert rec["evidence_sha256"]["ORATORIO"] == ev.sha256("ORATORIO")


@pytest.mark.slow
def test_main_report_numbers_trace_to_evidence_and_to_the_synthetic_run(shipped):
    run = shipped(MAIN)
    rec = run.recorded
    ev = mse.load_evidence()
    t = ev["ORATORIO"]
    hr = t.endpoint("cdp12_edss").effect("hazard_ratio")
    walk = t.endpoint("t25fw_pct_change_w120")
    assert rec["published"]["progression"]["hr"] == hr.estimate
    assert rec["published"]["progression"]["ci_high"] == hr.ci_high
    assert rec["published"]["walking"]["pct_change_treatment"] == walk.result("OCR").value
    assert rec["published"]["walking"]["pct_change_control"] == walk.result("PBO").value
    # verdicts follow the rules: CI below 1 -> less worsening; both arms slower -> never "improvement"
    assert rec["verdicts"]["disability_progression"] == ("less worsening" if hr.ci_high < 1 else "no difference shown")
    assert rec["verdicts"]["walking_speed"] == "less worsening"
    assert walk.result("OCR").value > 0 and walk.result("PBO").value > 0

    # reproduced HR equals an independent lifelines fit on the same synthetic data (same seed)
    n = rec["reproduced"]["progression"]["n"]
    assert n == {a.id: a.n_randomized for a in t.arms}  # as randomized: the set gives no n_per_arm
    syn = synthetic_like(run.spec, n)
    assert rec["label"] == syn.label and "SYNTHETIC" in rec["label"]
    cdp = syn.events[syn.events["endpoint"] == "cdp12_edss"]
    assert rec["reproduced"]["progression"]["cox"]["hr"] == pytest.approx(lifelines_hr(cdp, "OCR"), rel=1e-4)
    assert rec["parameters"]["seed"] == run.spec.parameters["seed"]


@pytest.mark.slow
def test_main_report_has_separate_domain_sections_and_lay_version_has_no_code(shipped):
    run = shipped(MAIN)
    lay, analyst = run.page("lay").read_text(), run.page("analyst").read_text()
    heads = re.findall(r"<h2[^>]*>(.*?)<", lay)
    heads = [html.unescape(h).strip() for h in heads]
    for h in ("Bottom line", "Disability progression (EDSS)", "Walking speed (T25FW)", "How the two relate",
              "What the trials do not show", "Provenance"):
        assert h in heads, heads
    assert heads.index("Disability progression (EDSS)") < heads.index("Walking speed (T25FW)")
    text = text_of(run.page("lay"))
    sections = {plain(h).strip(" ¶"): plain(body)
                for h, body in re.findall(r"<h2[^>]*>(.*?)</h2>(.*?)(?=<h2|\Z)", lay, re.S)}
    edss, walking = sections["Disability progression (EDSS)"], sections["Walking speed (T25FW)"]
    assert "hazard ratio" in edss and "T25FW" not in edss and "walk" not in edss.lower()
    assert "25 feet" in walking and "hazard ratio" not in walking and "EDSS" not in walking
    assert "slower worsening is not improvement" in text
    assert 'class="highlight' not in lay and "narrative.progression_vs_walking" not in text
    assert 'class="highlight' in analyst
    seed = re.compile(r"\bseed\s*=\s*\d")  # lay readers see no parameters cell
    assert not seed.search(text) and seed.search(text_of(run.page("analyst")))
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', lay)) >= 3  # figures embedded
    # every named assumption behind the synthetic data is shown to lay readers too, with its rationale
    assert "Assumptions behind the synthetic data" in heads or "Assumptions behind the synthetic data" in text
    for a in mse.load_evidence()["ORATORIO"].assumptions:  # by readable name, never by its id
        first = without_code_asides(a.rationale).split(".")[0]
        assert assumption_name(a.id) in text and a.id not in text and " ".join(first.split()) in " ".join(text.split())


@pytest.mark.slow
def test_main_report_says_plainly_when_a_trial_did_not_report_walking(shipped):
    run = shipped(HAND)
    rec = run.recorded
    assert rec["verdicts"]["walking_speed"] == "not reported"
    assert rec["reproduced"]["walking"] is None  # nothing about walking is simulated
    assert "not reported in this trial" in text_of(run.page("lay")).lower()


@pytest.mark.slow
def test_time_to_progression_matches_lifelines(shipped):
    run = shipped(TTP)
    rec = run.recorded
    syn = synthetic_like(run.spec, rec["analysis"]["n"])
    ev = syn.events[syn.events["endpoint"] == run.spec.parameters["endpoint"]]
    assert rec["label"] == syn.label
    assert rec["analysis"]["endpoint"] == run.spec.parameters["endpoint"]
    assert rec["analysis"]["cox"]["hr"] == pytest.approx(lifelines_hr(ev, "OCR"), rel=1e-4)
    assert rec["analysis"]["events"] == ev.groupby("arm")["event"].sum().to_dict()


@pytest.mark.slow
def test_walking_speed_geometric_mean_matches_hand_computation(shipped):
    run = shipped(WALKING)
    rec = run.recorded
    v = synthetic_like(run.spec, {a: rec["walking"]["arms"][a]["n_patients"] for a in ("OCR", "PBO")}).visits
    base = v[v["week"] == 0].set_index("patient_id")["t25fw_s"]
    at = v[(v["week"] == 120) & v["t25fw_s"].notna()]
    logr = np.log(at["t25fw_s"].to_numpy() / base.loc[at["patient_id"]].to_numpy())
    for arm in ("OCR", "PBO"):
        m = (at["arm"] == arm).to_numpy()
        expected = 100 * (np.exp(logr[m].mean()) - 1)
        assert rec["walking"]["arms"][arm]["geometric_mean_pct_change"] == pytest.approx(expected, rel=1e-9)
    assert rec["verdict"] in {"less worsening", "no difference shown", "more worsening", "improvement"}
    assert "SYNTHETIC" in rec["label"]


def test_walking_notebook_refuses_a_trial_without_walking_data():
    from msevidence import answers as narrative

    oratorio = mse.load_evidence()["ORATORIO"]  # a twin without its walking endpoints, built here
    endpoints = [e for e in oratorio.endpoints if e not in narrative.walking_endpoints(oratorio)]
    assert narrative.walking_endpoints(oratorio) and endpoints
    ev = EvidenceSet({"NO_WALK": oratorio.model_copy(update={"id": "NO_WALK", "endpoints": endpoints})}, {})
    with pytest.raises(ValueError, match="reports no walking speed"):
        narrative.walking_reproduction(ev, "NO_WALK", n_per_arm=10)


@pytest.mark.slow
def test_main_report_weighs_the_evidence(shipped):
    """Summary of findings, the sceptical re-reading (checked against a closed-form update) and the claims."""
    from scipy import stats

    run = shipped(MAIN)
    rec = run.recorded
    hr = mse.load_evidence()["ORATORIO"].endpoint("cdp12_edss").effect("hazard_ratio")
    y, s = np.log(hr.estimate), (np.log(hr.ci_high) - np.log(hr.ci_low)) / (2 * stats.norm.ppf(0.975))
    t = -np.log(0.8) / stats.norm.ppf(0.95)  # sceptical prior: 5% below the important effect 0.8
    prec = 1 / t ** 2 + 1 / s ** 2
    post = stats.norm((y / s ** 2) / prec, prec ** -0.5)
    assert rec["sceptical"]["posterior"]["hr"] == pytest.approx(np.exp(post.mean()), rel=1e-9)
    assert rec["sceptical"]["p_hr_below_1"] == pytest.approx(post.cdf(0.0), rel=1e-9)
    assert {c["id"] for c in rec["claims"]} >= {"slows_progression", "improves_walking_speed"}
    lay = run.page("lay").read_text()
    heads = [html.unescape(h).strip() for h in re.findall(r"<h2[^>]*>(.*?)<", lay)]
    assert "Summary of findings" in heads and "What people say, and what the trials show" in heads
    text = text_of(run.page("lay"))
    assert "out of 1,000 people" in text and "P(ratio &lt; 1)" not in text
    assert "The trials did not study this." in text
