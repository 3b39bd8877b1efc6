"""The provenance label travelling with a patient-level table written by msevidence.

A SYNTHETIC table has ``calibration.json`` beside it (``msevidence synth``); a RECONSTRUCTED one has a sidecar
``<file>.provenance.json`` and a ``provenance`` column (``msevidence reconstruct``). :func:`provenance_label`
finds whichever is there, so ``msevidence fit`` can print and return it as ``data_provenance``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def sidecar_path(table: str | Path) -> Path:
    """``events.csv`` -> ``events.csv.provenance.json``."""
    p = Path(table)
    return p.with_name(p.name + ".provenance.json")


def _label(doc: object, provenance: str, default: str) -> str | None:
    if isinstance(doc, dict) and (doc.get("metadata") or {}).get("provenance") == provenance:
        return str(doc.get("label") or default)
    return None


def synthetic_label(table: str | Path) -> str | None:
    """The label of a SYNTHETIC table written by `msevidence synth` (calibration.json next to it)."""
    try:
        doc = json.loads((Path(table).parent / "calibration.json").read_text())
    except (OSError, ValueError):
        return None
    return _label(doc, "synthetic", "SYNTHETIC data")


def reconstructed_label(table: str | Path) -> str | None:
    """The label of a RECONSTRUCTED table: its sidecar, else its ``provenance`` column."""
    try:
        doc = json.loads(sidecar_path(table).read_text())
    except (OSError, ValueError):
        doc = None
    label = _label(doc, "reconstructed", "RECONSTRUCTED data")
    if label:
        return label
    p = Path(table)
    if p.suffix.lower() != ".csv" or not p.is_file():
        return None
    try:
        head = pd.read_csv(p, nrows=1)
        if "provenance" not in head.columns:
            return None
        values = pd.read_csv(p, usecols=["provenance"])["provenance"].dropna().astype(str).unique()
    except (OSError, ValueError):
        return None
    found = [v for v in values if "RECONSTRUCTED" in v.upper() or "SYNTHETIC" in v.upper()]
    return "; ".join(found) if found else None


def provenance_label(table: str | Path) -> str | None:
    """SYNTHETIC or RECONSTRUCTED label of a table written by msevidence, or None when it has none."""
    return reconstructed_label(table) or synthetic_label(table)
