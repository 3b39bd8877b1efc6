"""Calibration of the generator to a trial's published summaries, in parts.

:mod:`~msevidence.synthetic.targets` (what is matched), :mod:`~msevidence.synthetic.design` (assumptions and
design), :mod:`~msevidence.synthetic.solver` (the solvers), :mod:`~msevidence.synthetic.result` (the typed
:class:`CalibrationResult`) and :mod:`~msevidence.synthetic.cache` (cached results). This module gathers their
entry points.
"""

from msevidence.errors import CalibrationError
from msevidence.synthetic.cache import cache_path, load_or_calibrate
from msevidence.synthetic.design import assumptions_for, design_for
from msevidence.synthetic.result import CalibrationResult, CalibrationRow
from msevidence.synthetic.solver import CALIBRATION_SEED, MODEL_VERSION, calibrate
from msevidence.synthetic.targets import TOLERANCE, Target, targets

__all__ = [
    "CALIBRATION_SEED", "MODEL_VERSION", "TOLERANCE", "CalibrationError", "CalibrationResult", "CalibrationRow",
    "Target", "assumptions_for", "cache_path", "calibrate", "design_for", "load_or_calibrate", "targets",
]
