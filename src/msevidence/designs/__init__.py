"""What-if designs: many synthetic trials through the batched estimators (power, type I error, bias, coverage,
bootstrap CIs), locally or on a Dask cluster.

>>> from msevidence.designs import design_from_trial, operating_characteristics
>>> d = design_from_trial("ORATORIO", "cdp12_edss", true_hr=1.0)          # doctest: +SKIP
>>> operating_characteristics(d, n_trials=4000, seed=1).power              # doctest: +SKIP
"""

from msevidence.designs.bootstrap import BootstrapResult, bootstrap
from msevidence.designs.design import ControlDistribution, TrialDesign
from msevidence.designs.from_trial import design_from_trial, reference_events
from msevidence.designs.operating import (
    GridResult,
    OperatingCharacteristics,
    grid,
    operating_characteristics,
)

__all__ = [
    "BootstrapResult", "ControlDistribution", "GridResult", "OperatingCharacteristics", "TrialDesign", "bootstrap",
    "design_from_trial", "grid", "operating_characteristics", "reference_events",
]
