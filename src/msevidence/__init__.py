"""msevidence: explore ocrelizumab trial evidence, keeping disability progression and walking speed apart.

>>> import msevidence as mse
>>> ev = mse.load_evidence()
>>> ev["ORATORIO"].find_endpoint(scale="EDSS", confirmation_weeks=12).effect("hazard_ratio").source.ref
'montalban2017'
>>> sim = mse.simulate_trial("ORATORIO", seed=1)                      # doctest: +SKIP
>>> mse.analyze(sim.events, "cdp12_edss", data_provenance=sim.label)  # doctest: +SKIP
>>> mse.summarize_walking(sim.visits, week=120)                       # doctest: +SKIP

Heavy modules (statsmodels, lifelines, matplotlib) load on first use, so the command line starts fast.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from msevidence.evidence import EvidenceFileError, EvidenceSet, Trial, load_evidence

try:
    __version__ = version("msevidence")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

_LAZY = {
    "analyze": "msevidence.models.survival",
    "read_events": "msevidence.data.events",
    "simulate_trial": "msevidence.synthetic",
    "summarize_walking": "msevidence.models.walking",
    "walking_verdict": "msevidence.judgement.compare",
    "published_vs_reproduced": "msevidence.judgement.compare",
    "reconstruct_trial": "msevidence.reconstruct",
    "KMReconstruction": "msevidence.reconstruct",
    "summary_of_findings": "msevidence.judgement.sof",
    "reanalyze": "msevidence.judgement.bayes",
    "pool": "msevidence.judgement.pooling",
    "judge_claims": "msevidence.judgement.claims",
}

__all__ = ["EvidenceFileError", "EvidenceSet", "Trial", "__version__", "load_evidence", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'msevidence' has no attribute {name!r}")
