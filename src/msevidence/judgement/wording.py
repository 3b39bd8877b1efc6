"""Words for readers instead of identifiers: arms by their treatment, settings and assumptions by what they mean.

Lay pages never show an arm id (OCR, PBO), an endpoint id, an assumption id or a Python value (None, True);
these helpers turn each into plain words. They read only the evidence objects, never typed numbers.
"""

from __future__ import annotations

import re
from typing import Any

from msevidence.evidence import EvidenceSet, Trial

# What each report parameter means, and how its default (None) reads.
PARAMETERS: dict[str, tuple[str, str]] = {
    "trial": ("trial", "—"),
    "seed": ("random seed of the simulation", "—"),
    "n_per_arm": ("simulated patients per group", "as many as were randomized in the trial"),
    "confirmation_weeks": ("confirmation of disability progression (weeks)", "—"),
    "week": ("week at which groups are compared", "—"),
    "evidence_dir": ("evidence folder", "the evidence shipped with msevidence"),
    "include_active": ("trials against another drug listed", "—"),
    "endpoint": ("outcome", "—"),
    "data_source": ("patient-level data", "—"),
}
# Words for the parts of an assumption id (t25fw_baseline_median_s -> "25-foot walk time: ...").
_ASSUMPTION_WORDS = {
    "t25fw": "25-foot walk time:", "nhpt": "9-hole peg test time:", "baseline": "at the start,", "log": "",
    "median": "median", "sd": "spread (log scale)", "s": "(seconds)", "visit": "visit-to-visit",
    "noise": "variation", "per": "per", "year": "year", "dropout": "dropping out", "follow": "follow-up",
    "up": "", "extra": "beyond the minimum,", "weeks": "(weeks)", "max": "at most", "progressor": "in decliners,",
    "stable": "in people who stay steady,", "slope": "yearly change,", "change": "change", "walking": "walking",
    "prob": "share", "ratio": "ratio",
}


def arm_tokens(ev: EvidenceSet | Trial) -> set[str]:
    """Every arm id of the evidence (or trial), and their parts ("PBO-OCR" gives PBO and OCR)."""
    trials = [ev] if isinstance(ev, Trial) else list(ev)
    return {part for t in trials for a in t.arms for part in (a.id, *a.id.split("-"))}


def name_arms(text: str, trial: Trial, ev: EvidenceSet | None = None) -> str:
    """`text` with the trial's arm ids replaced by their treatment ("OCR vs PBO" -> "ocrelizumab vs placebo");
    parentheses holding only arm ids ("early (OCR-OCR) vs delayed") are dropped, since the words say it."""
    tokens = sorted(arm_tokens(ev if ev is not None else trial), key=len, reverse=True)
    if not tokens:
        return text
    alt = "|".join(re.escape(t) for t in tokens)
    text = re.sub(rf"\s*\((?:{alt})(?:[-/](?:{alt}))*\)", "", text)
    drugs = {a.id: a.drug for a in trial.arms}
    if ev is not None:
        for t in ev:
            for a in t.arms:
                drugs.setdefault(a.id, a.drug)
    drugs = {**{"OCR": "ocrelizumab", "PBO": "placebo", "IFN": "interferon beta-1a"}, **drugs}
    return re.sub(rf"(?<![\w-])({alt})(?![\w-])", lambda m: drugs.get(m.group(1), m.group(1)), text)


def parameter_name(key: str) -> str:
    return PARAMETERS.get(key, (key.replace("_", " "), "—"))[0]


def parameter_value(key: str, value: Any, ev: EvidenceSet | None = None) -> str:
    """A parameter's value in words: None as its default's meaning, booleans as yes/no, trial ids as names."""
    if value is None:
        return PARAMETERS.get(key, ("", "default"))[1]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "trial" and ev is not None and value in ev:
        return ev[value].name
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def assumption_name(assumption_id: str) -> str:
    """Readable words for an assumption id; unknown parts are kept as words."""
    words = [_ASSUMPTION_WORDS.get(p, p) for p in assumption_id.split("_")]
    text = " ".join(w for w in words if w).replace(" ,", ",").rstrip(",:")
    text = re.sub(r",(\s*\(|$)", r"\1", text).replace(": ,", ":")
    return text[:1].upper() + text[1:]


# Brand names patients know a medicine by (a name, not a published number).
BRANDS = {"ocrelizumab": "Ocrevus"}


def brand_name(drug: str) -> str:
    """'ocrelizumab' -> 'Ocrevus (ocrelizumab)', as lay pages first name it; other drugs unchanged."""
    brand = BRANDS.get(drug.lower())
    return f"{brand} ({drug})" if brand else drug


def comparison_kind(comparator: str, period: str | None) -> str:
    """The comparison a result makes: a trial's comparator, except that a result including an open-label
    extension in which the control group switched to ocrelizumab (period "DBP+OLE") compares early with
    delayed ocrelizumab, not ocrelizumab with the active drug."""
    if comparator == "active" and period and "OLE" in period:
        return "delayed_treatment"
    return comparator


def higher_is_better(label: str) -> bool:
    """Whether more of an outcome is good ("no evidence of progression"); every other ratio outcome here is a
    harm (progression, relapse, lesions), where fewer is better."""
    return label.lower().startswith(("no evidence", "proportion with no evidence", "responder"))
