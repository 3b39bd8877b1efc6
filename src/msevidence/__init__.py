"""msevidence: explore ocrelizumab trial evidence, keeping disability progression and walking speed apart.

>>> import msevidence as mse
>>> ev = mse.load_evidence()
>>> ev["ORATORIO"].find_endpoint(scale="EDSS", confirmation_weeks=12).effect("hazard_ratio").source.ref
'montalban2017'
>>> sim = mse.simulate_trial("ORATORIO", seed=1, n_per_arm={"OCR": 40, "PBO": 20})
>>> res = mse.analyze(sim.events, "cdp12_edss", data_provenance=sim.label)
>>> res.endpoint
'cdp12_edss'
>>> mse.summarize_walking(sim.visits, week=120).week
120.0

Every public name loads on first use (pandas, statsmodels, lifelines and matplotlib included), so
``import msevidence`` and the command line start fast; ``dir(msevidence)`` lists them all.
"""

from importlib import import_module

_LAZY = {
    "load_evidence": "msevidence.evidence",
    "EvidenceSet": "msevidence.evidence",
    "Trial": "msevidence.evidence",
    "EvidenceFileError": "msevidence.errors",
    "MsEvidenceError": "msevidence.errors",
    "analyze": "msevidence.models.survival",
    "KaplanMeier": "msevidence.models.survival",
    "CoxPH": "msevidence.models.survival",
    "read_events": "msevidence.data.events",
    "read_visits": "msevidence.data.visits",
    "simulate_trial": "msevidence.synthetic",
    "summarize_walking": "msevidence.models.walking",
    "published_vs_reproduced": "msevidence.judgement.compare",
    "reconstruct_trial": "msevidence.reconstruct",
    "KMReconstruction": "msevidence.reconstruct",
    "summary_of_findings": "msevidence.judgement.sof",
    "reanalyze": "msevidence.judgement.bayes",
    "pool": "msevidence.judgement.pooling",
    "judge_claims": "msevidence.judgement.claims",
    "trial_answer": "msevidence.answers.trial_answer",
    "TrialAnswer": "msevidence.answers.trial_answer",
}

__all__ = ["__version__", *sorted(_LAZY)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("msevidence")
    except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        return _version()
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'msevidence' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
