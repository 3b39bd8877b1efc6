"""Time-to-progression models: Kaplan-Meier, log-rank, Cox PH (+ PH test), parametric/AFT, RMST, absolute effects.

>>> from msevidence.survival import analyze
>>> res = analyze("events.csv", "CDP12", data_provenance="SYNTHETIC data (seed 1)")   # doctest: +SKIP
>>> res.cox, res.rmst, res.absolute, res.to_json()
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
