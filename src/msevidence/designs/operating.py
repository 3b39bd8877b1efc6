"""Operating characteristics of a design from many simulated trials: power (type I error at HR = 1), bias and CI
coverage of the Cox HR, the distribution of the estimate; grids over sample size, true HR and confirmation window.

Each cell's trials are simulated in chunks of ``CHUNK`` trials; chunk k of cell c draws from
``SeedSequence(seed, spawn_key=(c, k))``, so the numbers depend on the seed and the cell, never on how chunks are
spread over processes or a Dask cluster. Every value carries its Monte-Carlo standard error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msevidence.designs.design import TrialDesign
from msevidence.designs.parallel import run_tasks
from msevidence.errors import OptionError
from msevidence.limits import check_n_trials, check_processes, check_seed, check_work
from msevidence.models.survival.batched import fit_many

CHUNK = 1000  # trials per task (fixed: part of what makes results independent of the split)
TESTS = ("logrank", "wald")


def chunk_rng(seed: int, cell: int, chunk: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(cell, chunk)))


def simulate_chunk(design: TrialDesign, n_trials: int, seed: int, cell: int, chunk: int,
                   ties: str = "efron") -> dict[str, np.ndarray]:
    """Simulate `n_trials` trials of `design` and fit each (Cox HR with Wald CI, log-rank test)."""
    t, e, x = design.simulate(chunk_rng(seed, cell, chunk), n_trials)
    r = fit_many(t, e, x, ties=ties, loglik=False)
    return {"log_hr": r.log_hr, "se": r.se, "ci_low": r.ci_low, "ci_high": r.ci_high, "p_wald": r.p_wald,
            "logrank_p": r.logrank_p, "estimable": r.estimable, "events": r.events_control + r.events_treated}


@dataclass(frozen=True)
class OperatingCharacteristics:
    """What `n_trials` simulated trials of `design` show (SYNTHETIC or simulated: see ``data_provenance``).

    power: share of trials rejecting HR = 1 at `alpha` (two-sided, by `test`); the type I error when the true
    HR is 1. mean_hr / median_hr / bias_log_hr / coverage over trials with an estimable HR (``n_estimable``);
    trials without one count as not rejecting. ``*_mc_se``: Monte-Carlo standard errors.
    """

    design: TrialDesign = field(repr=False)
    n_trials: int
    seed: int
    alpha: float
    test: str
    power: float
    power_mc_se: float
    mean_hr: float
    mean_hr_mc_se: float
    median_hr: float
    bias_log_hr: float
    bias_mc_se: float
    coverage: float
    coverage_mc_se: float
    n_estimable: int
    mean_events: float
    elapsed_s: float
    hr_estimates: np.ndarray = field(repr=False)
    cell: dict = field(default_factory=dict)

    @property
    def is_null(self) -> bool:
        return self.design.true_hr == 1.0

    @property
    def data_provenance(self) -> str:
        return self.design.data_provenance

    def hr_quantiles(self, q: Sequence[float] = (0.025, 0.25, 0.5, 0.75, 0.975)) -> pd.Series:
        return pd.Series(np.quantile(self.hr_estimates, q), index=pd.Index(q, name="quantile"), name="hr")

    def reasons(self) -> dict[str, str]:
        """Why each value that could not be estimated is missing: key -> reason (keys of :meth:`to_dict`)."""
        out: dict[str, str] = {}
        m = self.n_estimable
        if m == 0:
            why = (f"none of the {self.n_trials:,} simulated trials gave an estimable hazard ratio (an arm with no "
                   "events, or too few patients per arm)")
            out.update(dict.fromkeys(("mean_hr", "median_hr", "bias_log_hr", "coverage"), why))
        if m < 2:
            out.update(dict.fromkeys(("mean_hr_mc_se", "bias_mc_se", "coverage_mc_se"),
                                     f"a Monte-Carlo SE needs at least 2 trials with an estimable hazard ratio "
                                     f"({m} here)"))
        if self.n_trials < 2:
            out["power_mc_se"] = "a Monte-Carlo SE needs at least 2 simulated trials"
        if not self.is_null:
            out["type_i_error"] = ("the true HR is not 1, so the share of trials rejecting HR = 1 is the power, "
                                   "not a type I error")
        return out

    def to_dict(self) -> dict:
        """Plain JSON types (``msevidence simulate --json``); a value that could not be estimated is NaN (null in
        JSON) with ``<key>_reason`` beside it."""
        doc = self._dict()
        why = self.reasons()
        for k, v in list(doc.items()) + [(f"mc_se.{k}", v) for k, v in doc["mc_se"].items()]:
            key = k.split(".")[-1] + ("_mc_se" if k.startswith("mc_se.") and k != "mc_se.bias_log_hr" else "")
            key = "bias_mc_se" if k == "mc_se.bias_log_hr" else key
            if v is None or (isinstance(v, float) and not math.isfinite(v)):
                target = doc["mc_se"] if k.startswith("mc_se.") else doc
                target[f"{k.split('.')[-1]}_reason"] = why.get(key, "not estimable")
        return doc

    def _dict(self) -> dict:
        d = self.design
        return {
            "power": self.power, "type_i_error": self.power if self.is_null else None,
            "mean_hr": self.mean_hr, "median_hr": self.median_hr, "coverage": self.coverage,
            "mc_se": {"power": self.power_mc_se, "mean_hr": self.mean_hr_mc_se, "bias_log_hr": self.bias_mc_se,
                      "coverage": self.coverage_mc_se},
            "bias_log_hr": self.bias_log_hr, "n_trials": self.n_trials, "n_estimable": self.n_estimable,
            "mean_events": self.mean_events, "elapsed_s": self.elapsed_s, "seed": self.seed, "alpha": self.alpha,
            "test": self.test, "true_hr": d.true_hr, "n_per_arm": dict(zip(d.arms, (d.n_control, d.n_treated),
                                                                            strict=True)),
            "confirmation_weeks": d.confirmation_weeks, "control_source": d.control.source,
            "data_provenance": d.data_provenance,
        }

    def to_frame(self) -> pd.DataFrame:
        """One tidy row."""
        d = self.design
        row = {**self.cell, "n_control": d.n_control, "n_treated": d.n_treated, "n_total": d.n,
               "true_hr": d.true_hr, "confirmation_weeks": d.confirmation_weeks, "n_trials": self.n_trials,
               "power": self.power, "power_mc_se": self.power_mc_se, "mean_hr": self.mean_hr,
               "mean_hr_mc_se": self.mean_hr_mc_se, "median_hr": self.median_hr, "bias_log_hr": self.bias_log_hr,
               "bias_mc_se": self.bias_mc_se, "coverage": self.coverage, "coverage_mc_se": self.coverage_mc_se,
               "n_estimable": self.n_estimable, "mean_events": self.mean_events, "test": self.test,
               "alpha": self.alpha, "seed": self.seed, "data_provenance": d.data_provenance,
               "not_estimable_reason": "; ".join(dict.fromkeys(
                   v for k, v in self.reasons().items() if k != "type_i_error"))}
        return pd.DataFrame([row])

    def plot(self, published: float | None = None, ax=None, **kwargs):
        """Sampling distribution of the HR; see `msevidence.presentation.figures.simulate.hr_distribution_plot`."""
        from msevidence.presentation.figures.simulate import hr_distribution_plot

        return hr_distribution_plot(self, published=published, ax=ax, **kwargs)

    def __repr__(self) -> str:
        what = "type I error" if self.is_null else "power"
        return (f"<OperatingCharacteristics {self.n_trials} trials, true HR {self.design.true_hr:g}: {what} "
                f"{self.power:.3f} (MC SE {self.power_mc_se:.3f}), mean HR {self.mean_hr:.3f}, coverage "
                f"{self.coverage:.3f}; {self.data_provenance}>")


def summarise(design: TrialDesign, parts: list[dict], seed: int, alpha: float, test: str, elapsed: float,
              cell: dict | None = None) -> OperatingCharacteristics:
    """Pool the chunks of one cell."""
    r = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(r["log_hr"])
    ok = r["estimable"]
    p = r["logrank_p"] if test == "logrank" else r["p_wald"]
    reject = np.where(np.isfinite(p), p < alpha, False)
    power = float(reject.mean())
    m = int(ok.sum())
    hr = np.exp(r["log_hr"][ok])
    truth = np.log(design.true_hr)
    covered = (r["ci_low"][ok] <= design.true_hr) & (design.true_hr <= r["ci_high"][ok])

    def mc(x):
        return float(np.std(x, ddof=1) / np.sqrt(len(x))) if len(x) > 1 else float("nan")

    return OperatingCharacteristics(
        design=design, n_trials=n, seed=seed, alpha=alpha, test=test, power=power,
        power_mc_se=float(np.sqrt(power * (1 - power) / n)),
        mean_hr=float(hr.mean()) if m else float("nan"), mean_hr_mc_se=mc(hr),
        median_hr=float(np.median(hr)) if m else float("nan"),
        bias_log_hr=float(r["log_hr"][ok].mean() - truth) if m else float("nan"), bias_mc_se=mc(r["log_hr"][ok]),
        coverage=float(covered.mean()) if m else float("nan"), coverage_mc_se=mc(covered.astype(float)),
        n_estimable=m, mean_events=float(r["events"].mean()), elapsed_s=elapsed, hr_estimates=hr,
        cell=cell or {})


def _chunks(n_trials: int) -> list[int]:
    check_n_trials(n_trials)
    return [min(CHUNK, n_trials - k) for k in range(0, n_trials, CHUNK)]


def check_settings(alpha: float, test: str, seed: int = 1, processes: int | None = None) -> None:
    """The settings shared by every run (checked before any work: see :mod:`msevidence.limits`)."""
    if not (math.isfinite(alpha) and 0 < alpha < 1):
        raise OptionError("--alpha", f"must be between 0 and 1 (got {alpha:g})")
    if test not in TESTS:
        raise OptionError("--test", f"must be one of {TESTS} (got {test!r})")
    check_seed(seed)
    check_processes(processes)


def operating_characteristics(design: TrialDesign, n_trials: int = 1000, seed: int = 1, *, alpha: float = 0.05,
                              test: str = "logrank", client=None, processes: int | None = 1,
                              progress: bool = False) -> OperatingCharacteristics:
    """Simulate `n_trials` trials of `design` and summarise them (in this process unless `processes` > 1 or a
    Dask `client` / scheduler address is given; the numbers are the same either way)."""
    check_settings(alpha, test, seed, processes)
    sizes = _chunks(n_trials)
    check_work(n_trials, design.n, chunk=CHUNK)
    start = time.perf_counter()
    parts = run_tasks(simulate_chunk, [(design, k, seed, 0, i) for i, k in enumerate(sizes)], client=client,
                      processes=processes, progress=progress, label="Simulating trials")
    return summarise(design, parts, seed, alpha, test, time.perf_counter() - start)


@dataclass(frozen=True)
class GridResult:
    """Operating characteristics for every cell of a grid (sample size x true HR x confirmation window)."""

    cells: tuple[OperatingCharacteristics, ...]
    elapsed_s: float

    def to_frame(self) -> pd.DataFrame:
        """Tidy: one row per cell."""
        return pd.concat([c.to_frame() for c in self.cells], ignore_index=True)

    def plot(self, ax=None, **kwargs):
        """Power against sample size, one line per true HR; see `presentation.figures.simulate.power_curve_plot`."""
        from msevidence.presentation.figures.simulate import power_curve_plot

        return power_curve_plot(self.to_frame(), ax=ax, **kwargs)

    def __repr__(self) -> str:
        return f"<GridResult {len(self.cells)} cells, {sum(c.n_trials for c in self.cells)} trials>"


def grid(base: TrialDesign | Callable[[float], TrialDesign], *, n_total: Sequence[int] | None = None,
         true_hr: Sequence[float] | None = None, confirmation_weeks: Sequence[float] | None = None,
         n_trials: int = 1000, seed: int = 1, alpha: float = 0.05, test: str = "logrank", client=None,
         processes: int | None = None, progress: bool = False) -> GridResult:
    """Operating characteristics over every combination of `n_total`, `true_hr` and `confirmation_weeks`.

    `base` is a design, or a function of the confirmation window returning one (e.g. a control arm re-derived
    from a synthetic trial at that window). Cells run as seeded chunks across local processes (default: the CPU
    count) or on a Dask `client` / scheduler address; cell c, chunk k always uses spawn key (c, k).
    """
    check_settings(alpha, test, seed, processes)
    _chunks(n_trials)
    check_work(n_trials, max([int(n) for n in n_total or []] or [1]), len(list(n_total or [None]))
               * len(list(true_hr or [None])) * len(list(confirmation_weeks or [None])), chunk=CHUNK)
    start = time.perf_counter()
    make = base if callable(base) else None
    cws = list(confirmation_weeks) if confirmation_weeks is not None else [None]
    bases = {cw: (make(cw) if make else (base if cw is None else base.with_(confirmation_weeks=float(cw))))
             for cw in cws}
    if any(not isinstance(b, TrialDesign) for b in bases.values()):
        raise OptionError("base", "must be a TrialDesign or a function returning one")
    designs, cells = [], []
    for cw in cws:
        for n in (list(n_total) if n_total is not None else [None]):
            for hr in (list(true_hr) if true_hr is not None else [None]):
                d = bases[cw]
                d = d.with_total(int(n)) if n is not None else d
                d = d.with_(true_hr=float(hr)) if hr is not None else d
                designs.append(d)
                cells.append({"cell": len(cells)})
    sizes = _chunks(n_trials)
    check_work(n_trials, max(d.n for d in designs), len(designs), chunk=CHUNK)
    args = [(d, k, seed, c, i) for c, d in enumerate(designs) for i, k in enumerate(sizes)]
    parts = run_tasks(simulate_chunk, args, client=client, processes=processes, progress=progress,
                      label=f"Simulating {len(designs)} designs x {n_trials} trials")
    per = len(sizes)
    out = tuple(summarise(d, parts[c * per:(c + 1) * per], seed, alpha, test, float("nan"), cells[c])
                for c, d in enumerate(designs))
    return GridResult(out, time.perf_counter() - start)
