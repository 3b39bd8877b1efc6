"""Time-to-progression models: Kaplan-Meier, log-rank, Cox PH (+ PH test), parametric/AFT, RMST, absolute effects.

>>> from msevidence.models.survival import analyze
>>> from msevidence.synthetic import simulate_trial
>>> sim = simulate_trial("ORATORIO", seed=1, n_per_arm={"OCR": 60, "PBO": 30})
>>> res = analyze(sim.events, "cdp12_edss", data_provenance=sim.label)
>>> res.n, res.events
({'OCR': 60, 'PBO': 30}, {'OCR': 21, 'PBO': 11})

Then ``res.cox``, ``res.rmst``, ``res.absolute``, ``res.ph_test.message`` and ``res.to_json()``.
"""

from msevidence.models.survival.absolute import (
    AbsoluteEffect,
    HRAbsoluteEffect,
    absolute_effect,
    absolute_from_hr,
)
from msevidence.models.survival.analysis import SurvivalAnalysis, analyze
from msevidence.models.survival.cox import CoxPH, CoxResult, PHTestResult, schoenfeld_test
from msevidence.models.survival.km import KaplanMeier, LogRankResult, km_table, logrank_test
from msevidence.models.survival.parametric import DISTRIBUTIONS, ParametricSurvival
from msevidence.models.survival.rmst import ArmRMST, RMSTResult, TauError, rmst, rmst_arm

__all__ = [
    "DISTRIBUTIONS", "AbsoluteEffect", "ArmRMST", "CoxPH", "CoxResult", "HRAbsoluteEffect",
    "KaplanMeier", "LogRankResult", "PHTestResult", "ParametricSurvival", "RMSTResult", "SurvivalAnalysis",
    "TauError", "absolute_effect", "absolute_from_hr", "analyze", "km_table", "logrank_test",
    "rmst", "rmst_arm", "schoenfeld_test",
]
