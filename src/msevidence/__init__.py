"""msevidence: explore ocrelizumab trial evidence, keeping disability progression and walking speed apart.

>>> import msevidence as mse
>>> ev = mse.load_evidence()
>>> ev["ORATORIO"].find_endpoint(scale="EDSS", confirmation_weeks=12).effect("hazard_ratio").estimate
0.76
"""

from importlib.metadata import PackageNotFoundError, version

from .evidence import EvidenceFileError, EvidenceSet, Trial, load_evidence

try:
    __version__ = version("msevidence")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["EvidenceFileError", "EvidenceSet", "Trial", "__version__", "load_evidence"]
