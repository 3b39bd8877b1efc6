"""Time-to-progression models: Kaplan-Meier, log-rank, Cox PH (+ PH test), parametric/AFT, RMST, absolute effects.

>>> from msevidence.survival import analyze
>>> res = analyze("events.csv", "CDP12", data_provenance="SYNTHETIC data (seed 1)")   # doctest: +SKIP
>>> res.cox, res.rmst, res.absolute, res.to_json()
"""

from .absolute import AbsoluteEffect, HRAbsoluteEffect, absolute_effect, absolute_from_hr
from .analysis import SurvivalAnalysis, analyze
from .cox import CoxPH, CoxResult, PHTestResult, schoenfeld_test
from .events import EventsTableError, infer_arms, read_events, select_endpoint, validate_events
from .km import KaplanMeier, LogRankResult, km_table, logrank_test
from .parametric import DISTRIBUTIONS, ParametricSurvival
from .rmst import ArmRMST, RMSTResult, TauError, rmst, rmst_arm

__all__ = [
    "DISTRIBUTIONS", "AbsoluteEffect", "ArmRMST", "CoxPH", "CoxResult", "EventsTableError", "HRAbsoluteEffect",
    "KaplanMeier", "LogRankResult", "PHTestResult", "ParametricSurvival", "RMSTResult", "SurvivalAnalysis",
    "TauError", "absolute_effect", "absolute_from_hr", "analyze", "infer_arms", "km_table", "logrank_test",
    "read_events", "rmst", "rmst_arm", "schoenfeld_test", "select_endpoint", "validate_events",
]
