"""Bootstrap CIs through the batched estimators, for quantities without a simple closed form: the difference in
Kaplan-Meier risk at a week, the NNT, and the RMST difference (resampling patients within each arm)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from msevidence.errors import OptionError
from msevidence.models.survival.batched import km_survival_many, rmst_many


@dataclass(frozen=True)
class BootstrapQuantity:
    name: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    estimable: bool
    reason: str = ""


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile bootstrap CIs (`n_resamples` resamples within arm, `seed` recorded).

    risk_difference: risk(treatment) - risk(control) by `at_week` (1 - Kaplan-Meier); nnt: 1 / (risk(control) -
    risk(treatment)), given only when the CI of the difference excludes 0; rmst_difference: treatment - control
    RMST to `tau` (weeks). `n_unusable`: resamples whose follow-up ends before `tau` in an arm (left out).
    """

    treatment: str
    control: str
    at_week: float
    tau: float
    quantities: tuple[BootstrapQuantity, ...]
    n_resamples: int
    seed: int
    conf_level: float
    n_unusable: int
    method: str = "percentile bootstrap, patients resampled within arm"
    data_provenance: str | None = None

    def __getitem__(self, name: str) -> BootstrapQuantity:
        return next(q for q in self.quantities if q.name == name)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([vars(q) for q in self.quantities]).assign(
            n_resamples=self.n_resamples, seed=self.seed, data_provenance=self.data_provenance)

    def to_dict(self) -> dict:
        return {"quantities": {q.name: {k: v for k, v in vars(q).items() if k != "name"} for q in self.quantities},
                "at_week": self.at_week, "tau": self.tau, "n_resamples": self.n_resamples, "seed": self.seed,
                "conf_level": self.conf_level, "n_unusable": self.n_unusable, "method": self.method,
                "data_provenance": self.data_provenance}

    def __repr__(self) -> str:
        parts = [f"{q.name} {q.estimate:.4g} ({q.ci_low:.4g} to {q.ci_high:.4g})" if q.estimable
                 else f"{q.name}: not estimable ({q.reason})" for q in self.quantities]
        return f"<BootstrapResult {self.n_resamples} resamples, seed {self.seed}: {'; '.join(parts)}>"


def _resample(rng, t, e, b):
    idx = rng.integers(0, len(t), (b, len(t)))
    return t[idx], e[idx]


def bootstrap(events: pd.DataFrame, treatment: str, control: str, *, at_week: float, tau: float | None = None,
              n_resamples: int = 2000, seed: int = 1, conf_level: float = 0.95, chunk: int = 500,
              data_provenance: str | None = None) -> BootstrapResult:
    """Bootstrap CIs of the KM risk difference at `at_week`, the NNT and the RMST difference to `tau`
    (default: the shorter arm's last follow-up) for one endpoint's events (arm, time_weeks, event)."""
    if n_resamples < 100:
        raise OptionError("n_resamples", f"needs at least 100 resamples (got {n_resamples})")
    arms = {}
    for a in (treatment, control):
        sub = events[events["arm"] == a]
        if sub.empty:
            raise OptionError("arm", f"{a!r} has no rows in the events table")
        arms[a] = (sub["time_weeks"].to_numpy(float), sub["event"].to_numpy(int))
    last = min(float(t.max()) for t, _ in arms.values())
    tau = last if tau is None else float(tau)
    if not 0 < tau <= last:
        raise OptionError("tau", f"must be in (0, {last:g}] (the shorter arm's last follow-up)")
    if not 0 < at_week <= last:
        raise OptionError("at_week", f"must be in (0, {last:g}] (the shorter arm's last follow-up)")

    def stats(samples):
        out = {}
        for a, (t, e) in samples.items():
            out[a] = (1 - km_survival_many(t, e, at=at_week), rmst_many(t, e, tau=tau),
                      t.max(axis=-1) >= tau)
        rd = out[treatment][0] - out[control][0]
        dr = out[treatment][1] - out[control][1]
        ok = out[treatment][2] & out[control][2]
        return rd, dr, ok

    rd0, dr0, _ = stats({a: (t[None], e[None]) for a, (t, e) in arms.items()})
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    rds, drs, oks = [], [], []
    for k in range(0, n_resamples, chunk):
        b = min(chunk, n_resamples - k)
        rd, dr, ok = stats({a: _resample(rng, t, e, b) for a, (t, e) in arms.items()})
        rds.append(rd)
        drs.append(dr)
        oks.append(ok)
    rd, dr, ok = np.concatenate(rds), np.concatenate(drs), np.concatenate(oks)
    lo, hi = 50 * (1 - conf_level), 50 * (1 + conf_level)
    rd_lo, rd_hi = np.percentile(rd, [lo, hi])
    dr_lo, dr_hi = np.percentile(dr[ok], [lo, hi]) if ok.any() else (np.nan, np.nan)
    q = [BootstrapQuantity("risk_difference", float(rd0[0]), float(rd_lo), float(rd_hi), True)]
    if rd0[0] == 0:
        q.append(BootstrapQuantity("nnt", None, None, None, False, "no difference in risk: the NNT is infinite"))
    elif rd_lo < 0 < rd_hi:
        q.append(BootstrapQuantity("nnt", float(-1 / rd0[0]), None, None, False,
                                   "the CI of the risk difference includes 0, so the NNT CI runs through infinity"))
    else:
        q.append(BootstrapQuantity("nnt", float(-1 / rd0[0]), float(min(-1 / rd_lo, -1 / rd_hi)),
                                   float(max(-1 / rd_lo, -1 / rd_hi)), True))
    if ok.sum() >= 0.9 * n_resamples:
        q.append(BootstrapQuantity("rmst_difference", float(dr0[0]), float(dr_lo), float(dr_hi), True))
    else:
        q.append(BootstrapQuantity("rmst_difference", float(dr0[0]), None, None, False,
                                   f"follow-up ends before tau = {tau:g} weeks in more than 10% of resamples"))
    return BootstrapResult(treatment, control, float(at_week), tau, tuple(q), n_resamples, seed, conf_level,
                           int((~ok).sum()), data_provenance=data_provenance)
