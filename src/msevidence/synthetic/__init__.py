"""SYNTHETIC patient-level trials calibrated to published summaries (every output is labelled synthetic).

>>> import msevidence.synthetic as syn
>>> st = syn.simulate_trial("ORATORIO", seed=1)   # doctest: +SKIP
>>> st.events.query("endpoint == 'cdp12_edss'")   # doctest: +SKIP
"""

from msevidence.synthetic.calibrate import CalibrationError, calibrate, cox_hr, load_or_calibrate, targets
from msevidence.synthetic.model import ENDPOINTS, Calibrated, GeneratorParams
from msevidence.synthetic.trial import SyntheticTrial, simulate_trial

__all__ = [
    "ENDPOINTS", "Calibrated", "CalibrationError", "GeneratorParams", "SyntheticTrial", "calibrate", "cox_hr",
    "load_or_calibrate", "simulate_trial", "targets",
]
