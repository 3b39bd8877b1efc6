"""`KMReconstruction`: clean the clicks, check them against the numbers at risk, run Guyot per arm, report quality.

>>> rec = KMReconstruction(endpoint="cdp12_edss").fit(curve, at_risk, total_events={"OCR": 120})  # doctest: +SKIP
>>> rec.summary; rec.quality_.at_risk; rec.plot(); rec.to_csv("events.csv")                         # doctest: +SKIP

Every events table it produces is labelled RECONSTRUCTED: the ``provenance`` column of written CSVs (``reconstructed``), the
sidecar JSON (``<file>.provenance.json``, read by ``msevidence fit``), figure titles and JSON output.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from msevidence.data.curve_cleaning import CleanedCurve, CleaningRules, check_against_at_risk, clean_curve
from msevidence.data.digitized import read_at_risk, read_curve
from msevidence.data.tables import PROVENANCE_COLUMN, sidecar_path
from msevidence.models.base import Fitter
from msevidence.reconstruct.guyot import ArmReconstruction, guyot_arm
from msevidence.reconstruct.quality import QualityReport, quality_report, step_survival

METHOD = "Guyot et al., BMC Med Res Methodol 2012;12:9"
EXAMPLE_LABEL = "a SYNTHETIC example digitization (made from simulated data, not a published figure)"


def reconstructed_label(what: str | None = None) -> str:
    """The label every reconstructed table carries."""
    return f"RECONSTRUCTED from {what or 'a digitized Kaplan-Meier curve'} ({METHOD.split(',')[0]} 2012)"


class KMReconstruction(Fitter):
    """Patient-level events rebuilt from a digitized KM curve and its numbers at risk (Guyot et al. 2012).

    Settings: `endpoint` (the events table's endpoint id), cleaning `rules`, `source_label` (what the curve
    is, e.g. "a SYNTHETIC example digitization"; goes into the RECONSTRUCTED label). ``fit(curve, at_risk,
    total_events=None)`` takes DataFrames (``arm, time_weeks, survival`` / ``arm, time_weeks, n_at_risk``) or
    file paths, and returns self with ``events_``, ``cleaning_``, ``arms_``, ``quality_``, ``label_``.
    """

    _fitted_attribute = "events_"

    def __init__(self, endpoint: str = "endpoint", rules: CleaningRules | None = None,
                 source_label: str | None = None, time_unit: str = "weeks", y_scale: str = "fraction",
                 curve_kind: str | None = None):
        self.endpoint = endpoint
        self.rules = rules or CleaningRules()
        self.source_label = source_label
        self.time_unit, self.y_scale, self.curve_kind = time_unit, y_scale, curve_kind

    def fit(self, curve: pd.DataFrame | str | Path, at_risk: pd.DataFrame | str | Path,
            total_events: dict[str, int] | None = None) -> KMReconstruction:
        names = {"curve": _name(curve, "digitized curve"), "at_risk": _name(at_risk, "numbers at risk")}
        raw = read_curve(curve, time_unit=self.time_unit, y_scale=self.y_scale, kind=self.curve_kind)
        risk = read_at_risk(at_risk, time_unit=self.time_unit)
        cleaned = clean_curve(raw, self.rules, source=names["curve"])
        check_against_at_risk(cleaned.curve, risk, curve_source=names["curve"], at_risk_source=names["at_risk"],
                              rules=self.rules, total_events=total_events)
        arms: dict[str, ArmReconstruction] = {}
        for arm, c in cleaned.curve.groupby("arm", sort=False):
            r = risk[risk["arm"] == arm]
            window = self.rules.boundary_tolerance * max(float(c["time_weeks"].max()), float(r["time_weeks"].max()))
            arms[arm] = guyot_arm(c["time_weeks"].to_numpy(), c["survival"].to_numpy(), r["time_weeks"].to_numpy(),
                                  r["n_at_risk"].to_numpy(), (total_events or {}).get(arm), arm=arm,
                                  boundary_window=window, min_drop=self.rules.read_tolerance)
        example = "synthetic-example" in names["curve"]
        self.label_ = reconstructed_label(self.source_label or (EXAMPLE_LABEL if example else None))
        self.events_ = pd.concat([a.to_frame(self.endpoint) for a in arms.values()], ignore_index=True)
        self.cleaning_: CleanedCurve = cleaned
        self.arms_ = arms
        self.at_risk_ = risk
        self.total_events_ = dict(total_events or {})
        self.quality_: QualityReport = quality_report(self.events_, cleaned.curve, risk, total_events,
                                                      self.rules.boundary_tolerance)
        self.inputs_ = {k: {"name": v, "sha256": _sha(src)} for (k, v), src in
                        zip(names.items(), (curve, at_risk), strict=True)}
        return self

    # -- results -------------------------------------------------------------------------------------------
    def _check(self) -> None:
        self._require_fit()

    @property
    def summary(self) -> pd.DataFrame:
        """Per arm: n, events, censored, KM max/RMS error against the clicks, largest at-risk difference,
        cleaning changes, how the last interval was handled."""
        self._check()
        counts = self.cleaning_.counts()
        s = self.quality_.arms.copy()
        s["cleaning_changes"] = [sum(counts.get(a, {}).values()) for a in s["arm"]]
        s["last_interval"] = [self.arms_[a].last_interval for a in s["arm"]]
        s["data_provenance"] = self.label_
        return s

    def to_frame(self) -> pd.DataFrame:
        """The reconstructed events table with its ``provenance`` column ("reconstructed"; the full label is in
        ``label_`` and in the sidecar written by :meth:`to_csv`)."""
        self._check()
        return self.events_.assign(**{PROVENANCE_COLUMN: "reconstructed"})

    def to_json(self) -> dict:
        """Strict-JSON summary for the command line: per arm quality, cleaning changes, notes, provenance."""
        self._check()
        arms = self.quality_.to_json()
        for a, d in arms.items():
            d["cleaning_changes"] = self.cleaning_.counts().get(a, {})
            d["last_interval"] = self.arms_[a].last_interval
            d["notes"] = list(self.arms_[a].notes)
        return {"data_provenance": self.label_, "provenance": "reconstructed", "method": METHOD,
                "endpoint": self.endpoint, "assumption": self.quality_.assumption, "inputs": self.inputs_,
                "arms": arms} | ({} if self.quality_.assumption else {
                    "assumption_reason": "none needed: every curve was read to the last time with patients at risk"})

    def to_csv(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write the events table (with ``provenance``) and its sidecar ``<path>.provenance.json``."""
        self._check()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.to_frame().to_csv(path, index=False, float_format="%.10g", lineterminator="\n")
        doc = {"label": self.label_, "assumption": self.quality_.assumption,
               "metadata": {"provenance": "reconstructed", **self.to_json(), **(extra or {})}}
        sidecar_path(path).write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
        return path

    def plot(self, axes=None):
        """Three-panel QA figure (KM vs clicks, difference, numbers at risk); returns the array of Axes."""
        self._check()
        from msevidence.presentation.figures.reconstruct import reconstruction_qa

        curves = {}
        for arm, ev in self.events_.groupby("arm", sort=False):
            grid = np.r_[0.0, np.sort(ev["time_weeks"].unique())]
            curves[arm] = (grid, step_survival(ev, grid))
        return reconstruction_qa(self, curves, axes=axes)

    def __repr__(self) -> str:
        if not self.fitted:
            return f"<KMReconstruction endpoint={self.endpoint!r}: not fitted>"
        parts = [f"{r['arm']}: n={r['n']}, events={r['events']}, KM max error {r['km_max_abs_error']:.4f}, "
                 f"at-risk max difference {r['at_risk_max_abs_difference']}" for r in self.quality_.arms.to_dict("records")]
        return f"<KMReconstruction {self.endpoint!r} — {self.label_}\n  " + "\n  ".join(parts) + ">"


def _name(source, default: str) -> str:
    return default if isinstance(source, pd.DataFrame) else str(source)


def _sha(source) -> str | None:
    if isinstance(source, pd.DataFrame):
        return hashlib.sha256(pd.util.hash_pandas_object(source, index=False).to_numpy().tobytes()).hexdigest()
    try:
        return hashlib.sha256(Path(source).read_bytes()).hexdigest()
    except OSError:
        return None


def reconstruct_ipd(curve: pd.DataFrame, at_risk: pd.DataFrame, total_events: int | None = None,
                    arm: str = "arm", endpoint: str = "endpoint", rules: CleaningRules | None = None) -> pd.DataFrame:
    """One arm's events table from its clicks (``time_weeks, survival``) and numbers at risk (no ``arm`` column
    needed): a shortcut to :class:`KMReconstruction`."""
    c = curve.assign(arm=arm) if "arm" not in curve else curve
    r = at_risk.assign(arm=arm) if "arm" not in at_risk else at_risk
    rec = KMReconstruction(endpoint=endpoint, rules=rules).fit(
        c, r, None if total_events is None else {arm: int(total_events)})
    return rec.events_


def n_at_risk(events: pd.DataFrame, weeks: np.ndarray) -> np.ndarray:
    """Numbers at risk (time >= week) of one arm's events table."""
    t = events["time_weeks"].to_numpy()
    return np.array([(t >= w).sum() for w in weeks], int)
