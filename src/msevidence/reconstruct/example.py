"""The shipped SYNTHETIC example digitization: a simulated ORATORIO trial's KM curve, clicked as a digitizer would.

No published ORATORIO Kaplan-Meier curve has been digitized yet; this example lets the reconstruction path run
end to end. It is drawn from SYNTHETIC data (``msevidence.synthetic``), never from a published figure, and its
files say so in their names ("synthetic-example") and in their sidecar. Regenerate with
``python data/digitized/make_synthetic_example.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from msevidence.reconstruct.digitize import DigitizerSettings, digitize_trial
from msevidence.synthetic import simulate_trial


def example_stem(trial: str, endpoint: str) -> str:
    return f"{trial.lower()}-{endpoint}-synthetic-example"


def make_synthetic_example(out_dir: str | Path, trial: str = "ORATORIO", endpoint: str = "cdp12_edss",
                           seed: int = 1, digitizer_seed: int = 11, risk_every: float = 12.0) -> dict[str, Path]:
    """Write ``<stem>-curve.csv`` (``arm, time_weeks, cumulative_incidence``, drawn rising as progression curves
    are), ``<stem>-at-risk.csv`` and ``<stem>.json`` (the sidecar) into `out_dir`; returns their paths. The
    clicks stop at an arm's last step, so a curve whose last event comes before the last printed at-risk time
    stops before it (the placebo arm here), as in most digitizations of published figures."""
    st = simulate_trial(trial, seed=seed)
    events = st.events[st.events["endpoint"] == endpoint].reset_index(drop=True)
    settings = DigitizerSettings(click_flat_end=False)  # as most figures are clicked: the flat end is not
    curve, risk = digitize_trial(events, np.random.default_rng(digitizer_seed), risk_every=risk_every,
                                 settings=settings)
    curve = curve.assign(cumulative_incidence=(1 - curve["survival"]).round(settings.decimals))
    curve = curve.drop(columns="survival").sort_values(["arm", "time_weeks"], kind="stable")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = example_stem(trial, endpoint)
    paths = {"curve": out / f"{stem}-curve.csv", "at_risk": out / f"{stem}-at-risk.csv",
             "sidecar": out / f"{stem}.json"}
    curve.to_csv(paths["curve"], index=False, float_format="%.4f", lineterminator="\n")
    risk.to_csv(paths["at_risk"], index=False, float_format="%g", lineterminator="\n")
    sidecar = {
        "provenance": "synthetic", "example": True,
        "label": f"SYNTHETIC example digitization: {st.label}, endpoint {endpoint}; not a published figure",
        "made_by": "msevidence.reconstruct.example.make_synthetic_example",
        "trial": trial, "endpoint": endpoint, "synthetic_seed": seed, "digitizer_seed": digitizer_seed,
        "digitizer": settings.__dict__, "numbers_at_risk_every_weeks": risk_every,
        "evidence_sha256": st.metadata["evidence_sha256"],
        "files": {k: p.name for k, p in paths.items() if k != "sidecar"},
    }
    paths["sidecar"].write_text(json.dumps(sidecar, indent=1) + "\n")
    return paths
