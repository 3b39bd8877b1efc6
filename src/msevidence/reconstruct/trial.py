"""Reconstruction of a trial's digitized curves listed under ``curves:`` in its evidence file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from msevidence.data.digitized import read_at_risk, read_curve
from msevidence.errors import ReconstructionError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.rules import data_file
from msevidence.evidence.store import _root_for
from msevidence.reconstruct.reconstruction import EXAMPLE_LABEL, KMReconstruction


def curves_for(trial: Trial, endpoint: str) -> list:
    """The `curves:` entries of `trial` for `endpoint`."""
    return [c for c in trial.curves if c.endpoint == endpoint]


def no_curve_message(trial: Trial, endpoint: str) -> str:
    """Plain words for a trial and endpoint without a digitized curve."""
    others = sorted({c.endpoint for c in trial.curves})
    also = f" (curves are available for: {', '.join(others)})" if others else ""
    return (f"{trial.name} has no digitized Kaplan-Meier curve for this endpoint{also}, so there is nothing to "
            "reconstruct. To add one, digitize the published figure and its numbers-at-risk table into "
            "data/digitized/ and list them under `curves:` in the trial's evidence file (see "
            "data/digitized/README.md).")


def reconstruct_trial(trial: Trial, endpoint: str, evidence: EvidenceSet | None = None,
                      root: Path | None = None) -> KMReconstruction:
    """A fitted :class:`KMReconstruction` of every arm's curve of `endpoint` in the trial's evidence file.

    Raises :class:`ReconstructionError` (in plain words) when the trial has no such curve or an arm lacks
    its numbers at risk. An example curve (``example: true``) is labelled as a SYNTHETIC example.
    """
    curves = curves_for(trial, endpoint)
    if not curves:
        raise ReconstructionError(no_curve_message(trial, endpoint))
    if root is None:
        root = _root_for(evidence.files[trial.id]) if evidence is not None else Path.cwd()
    parts_c, parts_r = [], []
    for c in curves:
        if c.numbers_at_risk is None:
            raise ReconstructionError(f"{trial.id} {endpoint} arm {c.arm}: numbers at risk are needed to reconstruct "
                                      "(rule: Guyot's algorithm needs the at-risk table)")
        cur = read_curve(data_file(root, c.file), arm=c.arm)
        risk = read_at_risk(data_file(root, c.numbers_at_risk), arm=c.arm)
        parts_c.append(cur[cur["arm"] == c.arm])
        parts_r.append(risk[risk["arm"] == c.arm])
    examples = {c.example for c in curves}
    label = EXAMPLE_LABEL if examples == {True} else (
        f"digitized {trial.name} Kaplan-Meier curves" if examples == {False} else
        f"{trial.name} curves, some of them a SYNTHETIC example")
    return KMReconstruction(endpoint=endpoint, source_label=label).fit(
        pd.concat(parts_c, ignore_index=True), pd.concat(parts_r, ignore_index=True))
