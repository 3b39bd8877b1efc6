"""SYNTHETIC patient-level trials calibrated to published summaries (every output is labelled synthetic).

>>> import msevidence.synthetic as syn
>>> st = syn.simulate_trial("ORATORIO", seed=1, n_per_arm={"OCR": 60, "PBO": 30})
>>> st.label
'SYNTHETIC data calibrated to ORATORIO (seed 1)'
>>> len(st.events.query("endpoint == 'cdp12_edss'"))
90
"""

from __future__ import annotations

from importlib import import_module

# public name -> the module that defines it; loaded on first use, so that reading a trial's calibration targets
# (a report set's `for_each`) does not import the solver and its numerical libraries
_LAZY = {
    "CalibrationError": "msevidence.errors", "load_or_calibrate": "msevidence.synthetic.cache",
    "ENDPOINTS": "msevidence.synthetic.model", "Calibrated": "msevidence.synthetic.model",
    "GeneratorParams": "msevidence.synthetic.model", "CalibrationResult": "msevidence.synthetic.result",
    "CalibrationRow": "msevidence.synthetic.result", "calibrate": "msevidence.synthetic.solver",
    "Target": "msevidence.synthetic.targets", "targets": "msevidence.synthetic.targets",
    "SyntheticTrial": "msevidence.synthetic.trial", "simulate_trial": "msevidence.synthetic.trial",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'msevidence.synthetic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
