"""SYNTHETIC patient-level trials calibrated to published summaries (every output is labelled synthetic).

>>> import msevidence.synthetic as syn
>>> st = syn.simulate_trial("ORATORIO", seed=1, n_per_arm={"OCR": 60, "PBO": 30})
>>> st.label
'SYNTHETIC data calibrated to ORATORIO (seed 1)'
>>> len(st.events.query("endpoint == 'cdp12_edss'"))
90
"""

from msevidence.errors import CalibrationError
from msevidence.synthetic.cache import load_or_calibrate
from msevidence.synthetic.model import ENDPOINTS, Calibrated, GeneratorParams
from msevidence.synthetic.result import CalibrationResult, CalibrationRow
from msevidence.synthetic.solver import calibrate
from msevidence.synthetic.targets import Target, targets
from msevidence.synthetic.trial import SyntheticTrial, simulate_trial

__all__ = [
    "ENDPOINTS", "Calibrated", "CalibrationError", "CalibrationResult", "CalibrationRow", "GeneratorParams",
    "SyntheticTrial", "Target", "calibrate", "load_or_calibrate", "simulate_trial", "targets",
]
