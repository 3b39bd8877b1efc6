"""Cached calibrations: ``<TRIAL>-<evidence sha256[:12]>.json`` files, their staleness rule, atomic writes.

Shipped calibrations are read from :func:`msevidence.paths.calibration_dir`; new ones are written to
:func:`msevidence.paths.cache_dir` (or a `cache_dir` given by the caller).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from msevidence import paths
from msevidence.evidence import EvidenceSet, Trial
from msevidence.synthetic import solver
from msevidence.synthetic.design import assumptions_for, design_for
from msevidence.synthetic.model import GeneratorParams
from msevidence.synthetic.result import CalibrationResult


def cache_path(trial_id: str, evidence: EvidenceSet, cache_dir: str | Path | None = None) -> Path:
    """``<TRIAL>-<evidence sha256[:12]>.json``: in `cache_dir`, else the shipped calibrations if one is there,
    else the writable cache (:func:`msevidence.paths.cache_dir`)."""
    name = f"{trial_id}-{evidence.sha256(trial_id)[:12]}.json"
    if cache_dir:
        return Path(cache_dir) / name
    shipped = paths.calibration_dir() / name
    return shipped if shipped.is_file() else paths.cache_dir() / name


def params_key(gp: GeneratorParams) -> str:
    return hashlib.sha256(json.dumps(gp.to_dict(), sort_keys=True).encode()).hexdigest()[:12]


def read_cache(path: Path) -> CalibrationResult | None:
    """The calibration stored at `path` (None when the file is missing or not a calibration document)."""
    try:
        return CalibrationResult.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_current(cached: CalibrationResult, trial: Trial, evidence: EvidenceSet, gp: GeneratorParams) -> bool:
    """Same generator parameters and model version, and the same assumptions and design notes as now (the
    assumptions may fall back to ORATORIO's file, outside the trial's hash)."""
    a_full = assumptions_for(trial, evidence)
    return (cached.generator_params == gp and cached.model_version == solver.MODEL_VERSION
            and cached.assumptions == a_full and cached.design_notes == design_for(trial, a_full)[1])


def write_cache(result: CalibrationResult, path: Path) -> Path:
    """Write atomically (parallel runs never see a half-written cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(result.to_dict(), indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def load_or_calibrate(trial: Trial, evidence: EvidenceSet, gp: GeneratorParams | None = None,
                      progress: bool = False, cache_dir: str | Path | None = None,
                      write: bool = True) -> CalibrationResult:
    """Cached calibration for (trial, evidence hash, generator params, model version), else calibrate.

    Only calibrations with the default `GeneratorParams` are written to the cache.
    """
    gp = gp or GeneratorParams()
    path = cache_path(trial.id, evidence, cache_dir)
    cached = read_cache(path) if path.is_file() else None
    if cached is not None and is_current(cached, trial, evidence, gp):
        return cached
    result = solver.calibrate(trial, evidence, gp, progress=progress)
    if write and gp == GeneratorParams():
        write_cache(result, path)
    return result
