"""The typed result of a calibration (what the JSON cache holds): solved parameters, the target table, metadata."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import pandas as pd

from msevidence.synthetic.model import Calibrated, GeneratorParams

CALIBRATION_COLUMNS = ["target", "status", "summary", "published", "achieved_mean", "achieved_low",
                       "achieved_high", "tolerance", "met", "source"]


@dataclass(frozen=True)
class CalibrationRow:
    """One row of the calibration table: a target (or check, or a "no target" note) and what was achieved.

    achieved_mean/low/high: mean and 2.5/97.5th percentiles over the calibration replicates (None when the row
    was not simulated); met: |achieved_mean - published| <= tolerance (calibrated rows only).
    """

    target: str
    status: str  # calibrated | check | no target
    summary: str
    published: float | None = None
    achieved_mean: float | None = None
    achieved_low: float | None = None
    achieved_high: float | None = None
    tolerance: float | None = None
    met: bool | None = None
    source: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready; fields that are None are left out."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict) -> CalibrationRow:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class CalibrationResult:
    """A SYNTHETIC generator calibrated to one trial's published summaries (provenance "synthetic").

    Keyed for caching by trial, evidence hash, generator parameters, model version, assumptions and the
    design notes (see :mod:`msevidence.synthetic.cache`).
    """

    trial: str
    evidence_sha256: str
    model_version: int
    generator_params: GeneratorParams
    calibrated: Calibrated
    replicates: int
    calibration_seed: int
    assumptions: dict
    design_notes: dict
    table: tuple[CalibrationRow, ...]
    walking_progressors: str
    provenance: str = "synthetic"

    def to_dict(self) -> dict:
        """The JSON cache document."""
        return {
            "trial": self.trial, "evidence_sha256": self.evidence_sha256, "model_version": self.model_version,
            "generator_params": self.generator_params.to_dict(), "calibrated": self.calibrated.to_dict(),
            "replicates": self.replicates, "calibration_seed": self.calibration_seed,
            "assumptions": self.assumptions, "design_notes": self.design_notes,
            "table": [r.to_dict() for r in self.table], "provenance": self.provenance,
            "walking_progressors": self.walking_progressors,
        }

    @classmethod
    def from_dict(cls, d: dict) -> CalibrationResult:
        """From a JSON cache document (raises KeyError/TypeError on a malformed one)."""
        return cls(
            trial=d["trial"], evidence_sha256=d["evidence_sha256"], model_version=int(d["model_version"]),
            generator_params=GeneratorParams(**d["generator_params"]), calibrated=Calibrated(**d["calibrated"]),
            replicates=int(d["replicates"]), calibration_seed=int(d["calibration_seed"]),
            assumptions=d["assumptions"], design_notes=d["design_notes"],
            table=tuple(CalibrationRow.from_dict(r) for r in d["table"]),
            walking_progressors=d.get("walking_progressors", ""), provenance=d.get("provenance", "synthetic"))

    def to_frame(self) -> pd.DataFrame:
        """The calibration table, one row per target (columns ``CALIBRATION_COLUMNS``)."""
        return pd.DataFrame([asdict(r) for r in self.table], columns=CALIBRATION_COLUMNS)

    @property
    def all_targets_met(self) -> bool:
        rows = [r for r in self.table if r.status == "calibrated"]
        return bool(rows) and all(r.met for r in rows)

    def __repr__(self) -> str:
        rows = [r for r in self.table if r.status == "calibrated"]
        return (f"<CalibrationResult SYNTHETIC generator for {self.trial}: {sum(bool(r.met) for r in rows)}/"
                f"{len(rows)} targets met over {self.replicates} replicates (model version {self.model_version})>")
