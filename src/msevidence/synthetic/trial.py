"""`simulate_trial`: a seeded, calibrated synthetic trial with its visits, events and calibration table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.data.tables import PROVENANCE_COLUMN
from msevidence.errors import LimitError
from msevidence.evidence import EvidenceSet, Trial, load_evidence
from msevidence.safeio import MAX_PER_ARM
from msevidence.synthetic.cache import cache_path, load_or_calibrate
from msevidence.synthetic.design import assumptions_for, design_for
from msevidence.synthetic.model import GeneratorParams, draws, endpoints, simulate
from msevidence.synthetic.result import CalibrationResult
from msevidence.synthetic.solver import MODEL_VERSION


@dataclass(frozen=True)
class SyntheticTrial:
    """SYNTHETIC patient-level data calibrated to a trial's published summaries.

    visits: patient_id, arm, week, edss, t25fw_s, t25fw_unable, nhpt_s (assessed visits only; t25fw_unable True:
    the patient could not complete the walk within the time limit, t25fw_s empty).
    events: patient_id, arm, endpoint, time_weeks, event.
    calibration: target, status, summary, published, achieved_mean/low/high (over replicates), tolerance, met.
    metadata: provenance="synthetic", trial, seed, evidence hash, parameters, assumptions with rationale, rules.
    """

    visits: pd.DataFrame = field(repr=False)
    events: pd.DataFrame = field(repr=False)
    calibration: pd.DataFrame = field(repr=False)
    metadata: dict = field(repr=False)
    label: str = ""
    calibration_result: CalibrationResult | None = field(default=None, repr=False, compare=False)  # typed form

    def to_frame(self) -> pd.DataFrame:
        """The calibration table (target vs achieved)."""
        return self.calibration.copy()

    @property
    def all_targets_met(self) -> bool:
        cal = self.calibration[self.calibration["status"] == "calibrated"]
        return bool(len(cal)) and bool(cal["met"].astype(bool).all())

    def to_dir(self, path: str | Path) -> Path:
        """Write visits.csv, events.csv (each with a ``provenance`` column saying synthetic, so a copied file keeps its
        label) and calibration.json (table + metadata); returns the directory."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in (("visits.csv", self.visits), ("events.csv", self.events)):  # the label travels
            table.assign(**{PROVENANCE_COLUMN: "synthetic"}).to_csv(out / name, index=False, float_format="%.10g",
                                                                    lineterminator="\n")
        table = self.calibration.astype(object).where(self.calibration.notna(), None).to_dict("records")
        doc = {"label": self.label, "metadata": self.metadata, "calibration": table}
        (out / "calibration.json").write_text(json.dumps(doc, indent=1, default=_json) + "\n")
        return out

    def __repr__(self) -> str:
        m = self.metadata
        arms = ", ".join(f"{k} {v}" for k, v in m["n_per_arm"].items())
        cal = self.calibration
        n_t = int((cal["status"] == "calibrated").sum())
        n_met = int(cal.loc[cal["status"] == "calibrated", "met"].astype(bool).sum())
        return (f"SyntheticTrial({self.label}\n  patients: {arms}; visits: {len(self.visits)} rows; "
                f"events: {len(self.events)} rows ({self.events['endpoint'].nunique()} endpoints)\n"
                f"  unconfirmed progression at end of follow-up: {m['unconfirmed_progression']}\n"
                f"  calibration: {n_met}/{n_t} targets met, "
                f"{int((cal['status'] == 'check').sum())} checks, {int((cal['status'] == 'no target').sum())} "
                "without a target)")


def _json(x):
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(f"not JSON serializable: {type(x).__name__}")


def make_label(trial: Trial, seed: int) -> str:
    if trial.comparator == "active":
        return f"SYNTHETIC data calibrated to {trial.id} (active comparator: {trial.control.drug}; seed {seed})"
    if trial.comparator == "delayed_treatment":
        return (f"SYNTHETIC data calibrated to {trial.id} (early vs delayed treatment, not placebo: "
                f"{trial.control.drug}; seed {seed})")
    return f"SYNTHETIC data calibrated to {trial.id} (seed {seed})"


def simulate_trial(trial: str | Trial, seed: int = 1, n_per_arm: dict[str, int] | None = None,
                   evidence: EvidenceSet | None = None, params: GeneratorParams | None = None,
                   unconfirmed_progression: str | None = None, progress: bool = False,
                   cache_dir: str | Path | None = None) -> SyntheticTrial:
    """Simulate a trial calibrated to its published summaries (cached calibration keyed by evidence hash).

    `n_per_arm` overrides arm sizes ({arm id: n}); `unconfirmed_progression` ("event" | "censor") overrides
    the trial's rule for an initial progression not confirmable because follow-up ended (calibration always
    uses the trial's rule). Same inputs and seed give identical tables.
    """
    ev = evidence or load_evidence()
    tr = ev[trial] if isinstance(trial, str) else trial
    if unconfirmed_progression not in (None, "event", "censor"):
        raise ValueError(f"unconfirmed_progression must be 'event' or 'censor', not {unconfirmed_progression!r}")
    gp = params or GeneratorParams()
    calib: CalibrationResult = load_or_calibrate(tr, ev, gp, progress=progress, cache_dir=cache_dir)
    cal = calib.calibrated
    a_full = assumptions_for(tr, ev)
    for arm, n in (n_per_arm or {}).items():
        if n > MAX_PER_ARM:
            raise LimitError(f"n_per_arm {arm}={n:,}: at most {MAX_PER_ARM:,} patients per arm "
                             "(rule: synthetic trial size; memory grows with patients x visits)")
    design, notes = design_for(tr, a_full, n_per_arm, unconfirmed_progression)
    weeks = design.weeks
    treated = np.repeat([False, True], design.n)
    rng = np.random.default_rng(seed)
    sim = simulate(draws(rng, len(treated), len(weeks)), treated, design, cal, gp,
                   {k: v["value"] for k, v in a_full.items()})
    arm = np.where(treated, design.arms[1], design.arms[0])
    counter = np.concatenate([np.arange(1, k + 1) for k in design.n])
    pid = np.array([f"{a}-{i:04d}" for a, i in zip(arm, counter, strict=True)])
    seen = ~np.isnan(sim["edss"])
    r, k = np.nonzero(seen)
    visits = pd.DataFrame({"patient_id": pid[r], "arm": arm[r], "week": weeks[k].astype(int),
                           "edss": sim["edss"][r, k], "t25fw_s": sim["t25fw_s"][r, k],
                           "t25fw_unable": sim["t25fw_unable"][r, k] == 1, "nhpt_s": sim["nhpt_s"][r, k]})
    ev_rows = []
    for name, (t, e) in endpoints(sim, weeks, design.unconfirmed, gp.pct_threshold).items():
        ev_rows.append(pd.DataFrame({"patient_id": pid, "arm": arm, "endpoint": name, "time_weeks": t, "event": e}))
    events = pd.concat(ev_rows, ignore_index=True)
    table = calib.to_frame()
    label = make_label(tr, seed)
    metadata = {
        "provenance": "synthetic", "label": label, "trial": tr.id, "comparator": tr.comparator,
        "comparator_label": tr.comparator_label, "seed": seed, "evidence_sha256": ev.sha256(tr.id),
        "n_per_arm": dict(zip(design.arms, design.n, strict=True)),
        "unconfirmed_progression": design.unconfirmed, "design_notes": notes,
        "generator_params": gp.to_dict(), "calibrated_params": cal.to_dict(),
        "assumptions": a_full, "walking_progressors": calib.walking_progressors,
        "calibration_replicates": calib.replicates,
        "calibration_cache": cache_path(tr.id, ev, cache_dir).name, "model_version": MODEL_VERSION,
        "endpoints": sorted(events["endpoint"].unique().tolist()),
    }
    return SyntheticTrial(visits, events, table, metadata, label, calib)
