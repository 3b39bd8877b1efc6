"""What a page says about its SYNTHETIC reproduction: how it was made, the assumptions behind it, and how
closely it matches the published targets (read from the typed calibration result)."""

from __future__ import annotations

import re

import pandas as pd

from msevidence import formatting as fmt
from msevidence.answers.trial_answer import Reproduction, plain_target
from msevidence.evidence import EvidenceSet, Trial
from msevidence.judgement.wording import assumption_name, name_arms

_CODE_ASIDE = re.compile(r"\s*\([^()]*\b[a-z][a-z0-9]*_[a-z0-9_]+\b[^()]*\)")


def without_code_asides(text: str) -> str:
    """`text` without parenthetical asides that name fields or symbols (``(mu_0 of the mixture)``): those are
    for analysts reading the evidence file, not for the page."""
    return _CODE_ASIDE.sub("", text)


def value_with_unit(value: float, unit: str) -> str:
    """An assumption's value for reading: proportions as percentages ("0.08 proportion per year" -> "8% per
    year"), other units as given."""
    if unit.startswith("proportion"):
        return f"{100 * value:g}%{unit.removeprefix('proportion')}"
    return f"{value:g} {unit}"


def synthetic_note(trial: Trial, rep: Reproduction | None) -> str:
    """Plain words on what the simulated numbers are, and, when they miss a published number, that they do."""
    text = (f"**About the simulated numbers.** Some numbers on this page come from made-up patients. A computer "
            f"made them so that they match the published results of {trial.name}. They help to explain the trial. "
            "They are not new evidence. The answer above comes from the published trial alone.")
    if rep is not None and not rep.agrees:
        text += (" The simulation does not match every published number, so its numbers are only a rough "
                 "picture. The list is under *How closely the simulated trials match*.")
    return text


def walking_model_note(trial: Trial, synthetic, label: str) -> str:
    """How the synthetic walking data were generated (typed calibration result), with the model's caveat."""
    res = getattr(synthetic, "calibration_result", None)
    if res is None:
        return ""
    c = res.calibrated
    text = (f"**How the synthetic walking data were made** (*{label}*). About "
            f"{fmt.percent(c.progressor_prob('control'), 0)} of simulated patients on "
            f"{trial.control.label.lower()} and {fmt.percent(c.progressor_prob('treatment'), 0)} on "
            f"{trial.treatment.label} are 'walking decliners' whose walk time rises steadily; the others walk at a "
            "steady pace with visit-to-visit variation. These shares are model settings chosen to reproduce the "
            "published summaries, not measurements.")
    mu = c.t25fw_progressor_log_change_per_year or {}
    if mu and mu.get("treatment", 0) > mu.get("control", 0):
        text += (" To reproduce all published summaries together, the model also lets decliners on "
                 f"{trial.treatment.drug} slow down faster than decliners on {trial.control.drug}; that is a "
                 "compromise of this simple model, not a finding of the trial.")
    return text


def calibration_frame(trial: Trial, ev: EvidenceSet, synthetic) -> pd.DataFrame:
    """How closely the SYNTHETIC trials match each published target (mean and spread over replicates)."""
    rows = synthetic.calibration_result.table

    def num(v: float | None) -> str:
        return fmt.number(v)

    return pd.DataFrame([{
        "target": name_arms(plain_target(_endpoint_words(r.target, trial), trial), trial, ev),
        "published": num(r.published), "synthetic, mean over replicates": num(r.achieved_mean),
        "synthetic, 95% of single trials": (f"{num(r.achieved_low)} to {num(r.achieved_high)}"
                                            if r.achieved_low is not None else "—"),
        "tolerance": "—" if r.tolerance is None else f"±{r.tolerance:g}",
        "met": ("yes" if r.met else "NO") if r.status == "calibrated" else r.status.replace("_", " "),
        "source": r.source or "—"} for r in rows])


def _endpoint_words(text: str, trial: Trial) -> str:
    def label(m: re.Match) -> str:
        ep = next((e for e in trial.endpoints if e.id == m.group(1)), None)
        return f"“{ep.label}”" if ep else m.group(0)

    return re.sub(r"'([a-z0-9_]+)'", label, text)


def calibration_summary(trial: Trial, rep: Reproduction) -> str:
    """Plain sentences on how many published targets the synthetic trials reproduce, and which they miss."""
    text = (f"The simulated trials were tuned to {rep.calibrated} published numbers of {trial.name}. They match "
            f"{rep.met} of them closely enough.")
    if rep.misses:
        text += " " + rep.note
    return text + " The table under *How the simulation was checked* lists each one."


def assumptions_frame(ev: EvidenceSet, synthetic) -> pd.DataFrame:
    """Numbers the generator needs that were never published: named ASSUMPTIONS, each with its rationale."""
    return pd.DataFrame([{"assumption": assumption_name(k), "value": value_with_unit(a["value"], a["unit"]),
                          "taken from": f"{_trial_name(ev, a.get('from', ''))} evidence file",
                          "rationale": without_code_asides(a["rationale"])}
                         for k, a in synthetic.metadata["assumptions"].items()])


def assumption_ids(synthetic) -> str:
    """Markdown: which evidence-file name each assumption has (for analysts who want to change one)."""
    return "Names in the evidence file: " + "; ".join(
        f"{assumption_name(k)}: `{k}`" for k in synthetic.metadata["assumptions"]) + "."


def _trial_name(ev: EvidenceSet, source: str) -> str:
    tid, _, rest = source.partition(" ")
    return (ev[tid].name + (f" {rest}" if rest else "")) if tid in ev else source
