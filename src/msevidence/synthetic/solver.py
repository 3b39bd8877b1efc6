"""Calibration solvers: the generator's parameters that reproduce a trial's published targets.

Parameters are solved on common random numbers averaged over ``GeneratorParams.replicates`` replicates, all
replicates at once: hazard ratios through the batched Cox engine, Kaplan-Meier proportions through the batched
Kaplan-Meier (:mod:`msevidence.models.survival.batched`). EDSS rates by Nelder-Mead; the progressors' T25FW log
drift by fixed-point iterations; the walking-progressor probability and its treatment ratio by Nelder-Mead on
the composite hazard ratios; the 9HPT drift by bisection.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import optimize, special

from msevidence.errors import CalibrationError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.models.survival.batched import fit_many, km_survival_many
from msevidence.synthetic.design import assumptions_for, design_for
from msevidence.synthetic.model import (
    WEEKS_PER_YEAR,
    Calibrated,
    Design,
    GeneratorParams,
    draws,
    endpoints,
    simulate,
)
from msevidence.synthetic.result import CalibrationResult, CalibrationRow
from msevidence.synthetic.targets import DEFAULT_T25FW_LOG_CHANGE_PER_YEAR, TOLERANCE, Target, targets

CALIBRATION_SEED = 20240601  # fixed stream of common random numbers for calibration (not a published number)
MODEL_VERSION = 8  # bump when the generator changes, to invalidate cached calibrations
DEFAULT_WALKING_PROGRESSOR_PROB = 0.5  # start value of pi; kept in both arms when there is no T25FW target
DEFAULT_WALKING_PROGRESSOR_RATIO = 0.8  # start value of omega when walking targets exist (1 without them)
DEFAULT_PLACEBO_RATE = 0.15  # start value of the search (per year)


def geo_pct_change(t: np.ndarray, weeks: np.ndarray, week: float) -> np.ndarray:
    """Geometric-mean % change from baseline at `week` over patients assessed then (a patient who could not
    walk has no time and is left out, as an MMRM on observed log times leaves them out).

    `t` is patients x visits, or replicates x patients x visits (one value per replicate).
    """
    k = int(np.argmin(np.abs(weeks - week)))
    if abs(weeks[k] - week) > 1e-9:
        raise CalibrationError(f"T25FW target at week {week:g} is not a simulated visit week "
                               f"(visits every {weeks[1] - weeks[0]:g} weeks up to week {weeks[-1]:g})")
    lr = np.log(t[..., k] / t[..., 0])
    return 100 * (np.exp(np.nanmean(lr, axis=-1)) - 1)


@dataclass
class _Setup:
    design: Design
    draws: dict
    treated: np.ndarray
    rep: np.ndarray
    reps: int
    memo: dict = field(default_factory=dict)  # parts of the simulation fixed by the draws (see `simulate`)


def _setup(design: Design, reps: int, seed: int = CALIBRATION_SEED) -> _Setup:
    n = sum(design.n)
    treated = np.tile(np.repeat([False, True], design.n), reps)
    rng = np.random.default_rng(seed)
    return _Setup(design, draws(rng, n * reps, len(design.weeks)), treated, np.repeat(np.arange(reps), n), reps)


def replicate_stats(s: _Setup, cal: Calibrated, gp: GeneratorParams, a: dict, tg: list[Target],
                    only_edss: bool = False) -> dict[str, np.ndarray]:
    """Per-replicate achieved value of every target (keyed by target name), all replicates at once."""
    need = [t for t in tg if not (only_edss and t.kind == "pct_change") and t.status != "no target"]
    timed = any(t.kind == "pct_change" or t.endpoint not in ("cdp12_edss", "cdp24_edss") for t in need)
    sim = simulate(s.draws, s.treated, s.design, cal, gp, a, timed=timed, memo=s.memo)
    weeks = s.design.weeks
    ep_names = {t.composite or t.endpoint for t in need if t.kind != "pct_change"}
    ev = endpoints(sim, weeks, s.design.unconfirmed, gp.pct_threshold, only=ep_names) if ep_names else {}
    n_rep = np.bincount(s.rep[s.treated], minlength=s.reps), np.bincount(s.rep[~s.treated], minlength=s.reps)
    hr = {name: fit_many(t, e, s.treated, trial=s.rep, loglik=False).hr
          for name, (t, e) in ev.items() if any(x.endpoint == name and x.kind == "hazard_ratio" for x in need)}
    out = {}
    for t in need:
        arm = s.treated if t.role != "control" else ~s.treated
        if t.kind == "hazard_ratio":
            out[t.name] = hr[t.endpoint]
        elif t.kind == "proportion" and t.week is not None:
            time, event = ev[t.endpoint]
            out[t.name] = 1 - km_survival_many(time[arm], event[arm], s.rep[arm], at=t.week, n_trials=s.reps)
        elif t.kind == "proportion":
            out[t.name] = (np.bincount(s.rep[arm], weights=ev[t.endpoint][1][arm], minlength=s.reps)
                           / n_rep[0 if t.role != "control" else 1])
        else:
            x = sim["t25fw_s"].reshape(s.reps, -1, len(weeks))[:, arm[: len(arm) // s.reps]]
            out[t.name] = geo_pct_change(x, weeks, t.week)
    return out


# -- calibration ---------------------------------------------------------------------------------------
def _solve_t25fw(s: _Setup, gp: GeneratorParams, a: dict, tg: list[Target], cal: Calibrated,
                 passes: int = 3) -> Calibrated:
    """Progressors' per-arm T25FW log drift per year (mu_p) matching the geometric-mean % change, given the
    progressor probabilities in `cal` (fixed-point iterations; warm-started from `cal` when it has mu_p)."""
    pct = {t.role: t for t in tg if t.kind == "pct_change" and t.status == "calibrated"}
    mu0 = a["t25fw_stable_log_change_per_year"]
    goal = {role: DEFAULT_T25FW_LOG_CHANGE_PER_YEAR for role in ("control", "treatment")}
    for role, t in pct.items():
        goal[role] = np.log1p(t.published / 100) * WEEKS_PER_YEAR / t.week
    if "control" in pct and "treatment" not in pct:
        goal["treatment"] = goal["control"]
    p = {role: cal.progressor_prob(role) for role in goal}
    mu = dict(cal.t25fw_progressor_log_change_per_year) or {
        role: (g - (1 - p[role]) * mu0) / p[role] for role, g in goal.items()}
    for _ in range(passes if pct else 0):
        got = replicate_stats(s, replace(cal, t25fw_progressor_log_change_per_year=dict(mu)), gp, a, list(pct.values()))
        for role, t in pct.items():
            mu[role] += (goal[role] - np.log1p(np.mean(got[t.name]) / 100) * WEEKS_PER_YEAR
                         / t.week) / p[role]
        if "treatment" not in pct:
            mu["treatment"] = mu["control"]
    return replace(cal, t25fw_progressor_log_change_per_year={k: float(v) for k, v in mu.items()})


def _solve_walking(s: _Setup, gp: GeneratorParams, a: dict, tg: list[Target], cal: Calibrated,
                   bar: _Bar) -> Calibrated:
    """Progressor probability pi (control) and treatment ratio omega matching the composite CDP hazard ratios
    (Nelder-Mead on logit pi, log omega; mu_p re-solved at every step so the T25FW % change targets stay met)."""
    comp = [t for t in tg if t.status == "calibrated" and t.composite is not None]
    if not comp:
        return cal
    state = {"cal": cal}

    def at(x) -> Calibrated:
        c = replace(state["cal"], walking_progressor_prob=float(special.expit(x[0])),
                    walking_progressor_ratio=float(np.exp(x[1])))
        state["cal"] = _solve_t25fw(s, gp, a, tg, replace(c, t25fw_progressor_log_change_per_year={}), passes=1)
        return state["cal"]

    def loss(x) -> float:
        got = replicate_stats(s, at(x), gp, a, comp)
        bar.advance()
        return float(sum(((np.mean(got[t.name]) - t.published) / TOLERANCE[t.kind]) ** 2 for t in comp))

    x0 = [special.logit(cal.walking_progressor_prob), np.log(cal.walking_progressor_ratio)]
    res = optimize.minimize(loss, x0, method="Nelder-Mead",
                            options={"maxfev": 40, "xatol": 1e-2, "fatol": 1e-2, "initial_simplex":
                                     [x0, [x0[0] + 0.5, x0[1]], [x0[0], x0[1] - 0.2]]})
    return _solve_t25fw(s, gp, a, tg, at(res.x), passes=3)


def _solve_nhpt(s: _Setup, gp: GeneratorParams, a: dict, tg: list[Target], walk: Calibrated) -> dict | None:
    """Per-arm 9HPT log drift per year matching >=20% 9HPT confirmed-worsening proportions (bisection)."""
    goal = {}
    for t in tg:
        if t.status == "calibrated" and t.endpoint.startswith("nhpt"):
            goal.setdefault(t.role, t)
    if not goal:
        return None
    m_c, m_t = walk.t25fw_mean_log_change("control", a), walk.t25fw_mean_log_change("treatment", a)
    ratio = m_t / m_c if m_c > 0 else 1.0
    drift = {"control": a["nhpt_log_change_per_year"], "treatment": a["nhpt_log_change_per_year"] * ratio}
    for role, t in goal.items():
        lo, hi = -1.0, 1.0
        for _ in range(14):
            mid = (lo + hi) / 2
            cal = replace(walk, nhpt_log_change_per_year={**drift, role: mid})
            got = np.mean(replicate_stats(s, cal, gp, a, [t])[t.name])
            lo, hi = (mid, hi) if got < t.published else (lo, mid)
        drift[role] = (lo + hi) / 2
    if "treatment" not in goal:
        drift["treatment"] = drift["control"] * ratio
    return {k: float(v) for k, v in drift.items()}


def calibrate(trial: Trial, evidence: EvidenceSet, gp: GeneratorParams | None = None,
              progress: bool = False, max_evals: int = 250) -> CalibrationResult:
    """Solve the generator's parameters for `trial` (targets from the evidence store)."""
    gp = gp or GeneratorParams()
    tg = targets(trial)
    a_full = assumptions_for(trial, evidence)
    a = {k: v["value"] for k, v in a_full.items()}
    design, notes = design_for(trial, a_full)
    s = _setup(design, gp.replicates)
    walking = any(t.kind == "pct_change" and t.status == "calibrated" for t in tg)
    walk = _solve_t25fw(s, gp, a, tg, Calibrated(
        DEFAULT_PLACEBO_RATE, 1.0, gp.transient_persistence, DEFAULT_WALKING_PROGRESSOR_PROB,
        DEFAULT_WALKING_PROGRESSOR_RATIO if walking else 1.0))
    nhpt = _solve_nhpt(s, gp, a, tg, walk)
    edss = [t for t in tg if t.status == "calibrated" and t.endpoint.startswith("cdp")]
    free_theta = any(t.role != "control" for t in edss)
    free_q = {t.endpoint for t in edss} >= {"cdp12_edss", "cdp24_edss"}

    def unpack(x) -> Calibrated:
        theta = float(np.exp(x[1])) if free_theta else 1.0
        q = float(1 / (1 + np.exp(-x[2]))) if free_q else gp.transient_persistence
        return replace(walk, placebo_rate_per_year=float(np.exp(x[0])), treatment_rate_ratio=theta,
                       transient_persistence=q, nhpt_log_change_per_year=nhpt)

    def loss(x) -> float:
        got = replicate_stats(s, unpack(x), gp, a, edss, only_edss=True)
        bar.advance()
        return float(sum(((np.mean(got[t.name]) - t.published) / TOLERANCE[t.kind]) ** 2 for t in edss))

    q0 = gp.transient_persistence
    x0 = np.array([np.log(DEFAULT_PLACEBO_RATE), np.log(0.8), np.log(q0 / (1 - q0))])
    with _Bar(progress, f"Calibrating {trial.id}", max_evals) as bar:
        best = None
        for start in (x0, x0 + np.array([0.3, -0.2, 0.5])):
            res = optimize.minimize(loss, start, method="Nelder-Mead",
                                    options={"maxfev": max_evals // 2, "xatol": 1e-3, "fatol": 1e-3})
            if best is None or res.fun < best.fun:
                best = res
            if best.fun < 0.05:
                break
        cal = _solve_walking(s, gp, a, tg, unpack(best.x), bar)
    got = replicate_stats(s, cal, gp, a, tg)
    rows = []
    for t in tg:
        v = got.get(t.name)
        tol = t.tolerance
        rows.append(CalibrationRow(
            target=t.name, status=t.status, summary=t.summary, published=t.published,
            achieved_mean=float(np.mean(v)) if v is not None else None,
            achieved_low=float(np.percentile(v, 2.5)) if v is not None else None,
            achieved_high=float(np.percentile(v, 97.5)) if v is not None else None,
            tolerance=tol,
            met=bool(abs(np.mean(v) - t.published) <= tol + 1e-12) if tol is not None else None,
            source=t.source))
    if not walking:
        rows.append(CalibrationRow(
            f"walking progressor probability (default {cal.walking_progressor_prob:g}, both arms)", "no target",
            "no T25FW target: same progressor probability and drift in both arms (no treatment effect on walking "
            "assumed)"))
    walking_note = (
        "T25FW log-slope: mixture of walking progressors (probability pi in control, pi*omega in treatment; "
        "log-slope N(mu_p, sigma_p^2)) and stable walkers (N(mu_0, sigma_0^2)); " + (
            "pi and omega calibrated to the composite CDP hazard ratios, mu_p per arm to the T25FW % change"
            if any(t.status == "calibrated" and t.composite is not None for t in tg) else
            "mu_p per arm calibrated to the T25FW % change, pi and omega at their start values" if walking else
            "no T25FW target: pi, mu_p equal in both arms (omega = 1), mean drift "
            f"{DEFAULT_T25FW_LOG_CHANGE_PER_YEAR:g}/year"))
    mu_p = cal.to_dict().get("t25fw_progressor_log_change_per_year") or {}
    if mu_p.get("treatment", 0) > mu_p.get("control", 0):
        walking_note += (f"; caveat: treated progressors decline faster than control progressors (mu_p "
                         f"{mu_p['treatment']:.3g} vs {mu_p['control']:.3g} per year) - a fitting compromise of this "
                         "model to meet the published targets together, not a finding")
    for name, val, why in (("treatment rate ratio", cal.treatment_rate_ratio, free_theta),
                           ("transient persistence", cal.transient_persistence, free_q)):
        if not why:
            rows.append(CalibrationRow(f"{name} (default {val:g})", "no target",
                                       "no evidence to calibrate it; default used"))
    return CalibrationResult(
        trial=trial.id, evidence_sha256=evidence.sha256(trial.id), model_version=MODEL_VERSION,
        generator_params=gp, calibrated=cal, replicates=gp.replicates, calibration_seed=CALIBRATION_SEED,
        assumptions=a_full, design_notes=notes, table=tuple(rows), walking_progressors=walking_note)


class _Bar:
    """A rich progress bar over calibration evaluations (silent when disabled)."""

    def __init__(self, enabled: bool, label: str, total: int):
        self.enabled, self.label, self.total = enabled, label, total

    def __enter__(self):
        if self.enabled:
            from rich.progress import Progress

            self._p = Progress(transient=False)
            self._p.start()
            self._task = self._p.add_task(self.label, total=self.total)
        return self

    def advance(self):
        if self.enabled:
            self._p.advance(self._task)

    def __exit__(self, *exc):
        if self.enabled:
            self._p.update(self._task, completed=self.total)
            self._p.stop()
