"""The per-patient generative model (vectorized over patients x 12-weekly visits).

EDSS: a latent, sustained progression process (one EDSS step per event: +1.0 at EDSS <= 5.5, +0.5 above;
Poisson-like with a per-patient log-normal frailty; treatment multiplies the rate) plus transient worsening
episodes (same step size, lasting a geometric number of visits, unaffected by treatment) that produce
unconfirmed progression. T25FW: log-normal baseline, linear drift of the log time and visit-level noise, the
per-patient slope drawn from a two-component "walking progressor" mixture: a patient is a progressor with
probability pi (control) or pi * omega (treatment; treatment acts on who progresses), more likely with a high
EDSS frailty (latent normal threshold, correlation ``edss_t25fw_correlation``); progressors' log-slope is
N(mu_p, sigma_p^2), stable walkers' N(mu_0, sigma_0^2) (mu_0, sigma_0, sigma_p named assumptions; pi, omega and
per-arm mu_p calibrated). As in the trials, a walk is timed only up to a time limit (assumption
``t25fw_time_limit_s``): from the first visit at which a patient's walk would take longer, the patient "could
not walk" (``t25fw_unable`` 1, no time; the state is kept, since T25FW worsening past the limit is not seen to
reverse in this model), which counts as >= 20% worsening for the T25FW endpoints. Caveat, shown in every output's metadata: to meet ORATORIO's composite hazard ratios
and geometric-mean T25FW changes together, the calibration halves the share of progressors on ocrelizumab but
lets ocrelizumab progressors decline faster than placebo progressors; that is a fitting compromise of this model,
not a finding. 9HPT: log-normal baseline, normal per-patient slope correlated with the EDSS frailty, visit noise.
Follow-up: the trial's minimum follow-up plus staggered enrolment (event-driven trials), exponential dropout and
randomly missed visits. Endpoints follow DESIGN.md via :mod:`msevidence.confirm`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import special

from msevidence.data.confirm import confirmed_onsets, edss_worsened, pct_worsened

WEEKS_PER_YEAR = 52.1775
ENDPOINTS = (
    "cdp12_edss", "cdp24_edss", "t25fw20_cp12", "t25fw20_cp24", "nhpt20_cp12", "nhpt20_cp24", "ccdp12", "ccdp24",
)
ASSUMPTION_IDS = (
    "t25fw_baseline_median_s", "t25fw_baseline_log_sd", "t25fw_visit_noise_log_sd", "t25fw_stable_log_change_per_year",
    "t25fw_stable_slope_log_sd_per_year", "t25fw_progressor_slope_log_sd_per_year",
    "nhpt_baseline_median_s", "nhpt_baseline_log_sd", "nhpt_visit_noise_log_sd", "nhpt_log_change_per_year",
    "nhpt_slope_log_sd_per_year", "dropout_per_year", "follow_up_extra_weeks_max", "t25fw_time_limit_s",
)


@dataclass(frozen=True)
class GeneratorParams:
    """Model-structure knobs (not published numbers, not trial data); every output's metadata lists them.

    edss_frailty_log_sd: between-patient SD of the log EDSS progression rate.
    transient_per_visit: probability that a transient (unconfirmed) EDSS worsening starts at a visit.
    transient_persistence: probability that a transient worsening lasts one more visit (start value;
        calibrated when CDP24 targets exist, since it sets the gap between CDP12 and CDP24).
    edss_t25fw_correlation: correlation between a patient's EDSS frailty and the latent normal whose upper tail
        makes a walking progressor (T25FW), and the 9HPT slope.
    baseline_edss_t25fw_correlation: correlation between baseline EDSS and baseline log T25FW.
    missed_visit_prob: probability that a scheduled post-baseline visit is missed (all scales missing).
    pct_threshold: percent increase in T25FW/9HPT time that counts as worsening.
    replicates: replicates averaged by the calibration.
    """

    edss_frailty_log_sd: float = 0.6
    transient_per_visit: float = 0.03
    transient_persistence: float = 0.3
    edss_t25fw_correlation: float = 0.5
    baseline_edss_t25fw_correlation: float = 0.5
    missed_visit_prob: float = 0.03
    pct_threshold: float = 20.0
    replicates: int = 30

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Calibrated:
    """Parameters solved by calibration (rates per year; walking-progressor mixture by arm role)."""

    placebo_rate_per_year: float
    treatment_rate_ratio: float
    transient_persistence: float
    walking_progressor_prob: float = 0.5  # pi: control-arm probability of being a walking progressor
    walking_progressor_ratio: float = 1.0  # omega: treatment-arm probability is pi * omega
    t25fw_progressor_log_change_per_year: dict = field(default_factory=dict)  # mu_p {"control": x, "treatment": y}
    nhpt_log_change_per_year: dict | None = None  # by arm role when 9HPT targets exist, else from assumptions

    def progressor_prob(self, role: str) -> float:
        return self.walking_progressor_prob * (self.walking_progressor_ratio if role == "treatment" else 1.0)

    def t25fw_mean_log_change(self, role: str, a: dict[str, float]) -> float:
        """Mean T25FW log-slope per year of an arm (mixture mean)."""
        p = self.progressor_prob(role)
        return p * self.t25fw_progressor_log_change_per_year[role] + (1 - p) * a["t25fw_stable_log_change_per_year"]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Design:
    """What the simulator needs from a trial: arm sizes, visits, follow-up and baseline EDSS."""

    arms: tuple[str, ...]  # (control id, treatment id)
    n: tuple[int, ...]
    visit_weeks: int
    min_follow_up: float
    extra_follow_up_max: float
    edss_grid: np.ndarray
    edss_probs: np.ndarray
    unconfirmed: str  # "event" | "censor"

    @property
    def weeks(self) -> np.ndarray:
        return np.arange(0, self.min_follow_up + self.extra_follow_up_max + 1e-9, self.visit_weeks, dtype=float)


def edss_distribution(lo: float, hi: float, mean: float, sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Baseline EDSS on 0.5-point steps in [lo, hi]: a discretized normal solved to have `mean` and `sd`."""
    grid = np.arange(lo, hi + 0.25, 0.5)

    def probs(x):
        p = np.exp(-0.5 * ((grid - x[0]) / np.exp(x[1])) ** 2)
        return p / p.sum()

    def resid(x):
        p = probs(x)
        m = p @ grid
        return [m - mean, np.sqrt(p @ (grid - m) ** 2) - sd]

    from scipy import optimize  # here: reading calibration targets (a report set's for_each) needs no solver

    sol = optimize.least_squares(resid, [mean, np.log(sd)], method="lm")
    return grid, probs(sol.x)


def draws(rng: np.random.Generator, n: int, v: int) -> dict[str, np.ndarray]:
    """Common random numbers for `n` patients x `v` visits (reused across calibration evaluations)."""
    return {
        "u_base": rng.random(n), "z_frail": rng.standard_normal(n), "z_slope": rng.standard_normal(n),
        "z_nslope": rng.standard_normal(n), "z_t0": rng.standard_normal(n), "z_n0": rng.standard_normal(n),
        "u_fu": rng.random(n), "e_drop": rng.standard_exponential(n),
        "u_step": rng.random((n, v)), "u_trans": rng.random((n, v)), "u_len": rng.random((n, v)),
        "u_miss": rng.random((n, v)), "e_t25": rng.standard_normal((n, v)), "e_nhpt": rng.standard_normal((n, v)),
        "z_tslope": rng.standard_normal(n),
    }


def walking_progressors(d: dict, treated: np.ndarray, cal: Calibrated, gp: GeneratorParams) -> np.ndarray:
    """Walking progressor flags: the upper pi-tail of a latent normal correlated with the EDSS frailty."""
    rho = gp.edss_t25fw_correlation
    latent = rho * d["z_frail"] + np.sqrt(1 - rho**2) * d["z_slope"]
    p = np.where(treated, cal.progressor_prob("treatment"), cal.progressor_prob("control"))
    return latent > special.ndtri(np.clip(1 - p, 1e-12, 1 - 1e-12))


def _fixed_parts(d: dict, design: Design, gp: GeneratorParams, a: dict[str, float], n: int, v: int) -> dict:
    """What `simulate` computes from the draws alone: baseline EDSS index, transient starts, follow-up mask."""
    weeks = design.weeks
    # baseline EDSS by inverse CDF on the 0.5-point grid
    cdf = np.cumsum(design.edss_probs)
    base_idx = np.minimum(np.searchsorted(cdf, d["u_base"] * cdf[-1], side="right"), len(cdf) - 1)
    # transient episodes start with prob transient_per_visit (their length depends on the persistence)
    start = (d["u_trans"] < gp.transient_per_visit) & (np.arange(v) >= 1)
    r, c = np.nonzero(start)
    # follow-up: minimum + staggered enrolment, dropout, missed visits; measured to 0.1 s
    end = design.min_follow_up + d["u_fu"] * design.extra_follow_up_max
    drop_rate = -np.log(1 - a["dropout_per_year"]) / WEEKS_PER_YEAR
    end = np.minimum(end, d["e_drop"] / drop_rate if drop_rate > 0 else np.inf)
    seen = (weeks[None, :] <= end[:, None] + 1e-9) & ((d["u_miss"] >= gp.missed_visit_prob) | (weeks == 0))
    rows, where = np.unique(r, return_inverse=True)
    return {"base_idx": base_idx, "c": c, "log_u_len": np.log(np.maximum(d["u_len"][r, c], 1e-12)),
            "nan": np.where(seen, 1.0, np.nan), "start_rows": rows, "start_row_index": where}


def simulate(d: dict, treated: np.ndarray, design: Design, cal: Calibrated, gp: GeneratorParams,
             a: dict[str, float], timed: bool = True, memo: dict | None = None) -> dict[str, np.ndarray]:
    """Patients x visits arrays (NaN = no assessment): edss, t25fw_s, t25fw_unable, nhpt_s; deterministic given
    draws `d`. ``t25fw_unable`` is 1 from the first visit whose walk would exceed ``a["t25fw_time_limit_s"]``
    (``t25fw_s`` is NaN there: the walk was not completed), else 0.

    `timed` False skips the timed tests (returns edss only; the EDSS values are the same). `memo` (a dict the
    caller keeps for one set of draws, design, `gp` and `a`) caches the parts that do not depend on `cal`.
    """
    weeks = design.weeks
    n, v = len(treated), len(weeks)
    memo = {} if memo is None else memo
    if not memo:
        memo.update(_fixed_parts(d, design, gp, a, n, v))
    base_idx, c, log_u, nan = memo["base_idx"], memo["c"], memo["log_u_len"], memo["nan"]
    # latent sustained progression
    sf = gp.edss_frailty_log_sd
    rate = (cal.placebo_rate_per_year / WEEKS_PER_YEAR) * np.where(treated, cal.treatment_rate_ratio, 1.0)
    rate = rate * np.exp(sf * d["z_frail"] - sf**2 / 2)
    p_step = 1 - np.exp(-rate * design.visit_weeks)
    # EDSS after m steps from each grid baseline (+1.0 at <= 5.5, +0.5 above, capped at 9.5), looked up by the
    # number of steps so far
    levels = np.empty((len(design.edss_grid), v + 1))
    levels[:, 0] = design.edss_grid
    for m in range(1, v + 1):
        prev = levels[:, m - 1]
        levels[:, m] = np.minimum(prev + np.where(prev <= 5.5, 1.0, 0.5), 9.5)
    steps = np.zeros((n, v), dtype=np.int8)  # at most v - 1 steps
    np.cumsum(d["u_step"][:, 1:] < p_step[:, None], axis=1, dtype=np.int8, out=steps[:, 1:])
    # transient episodes: start with prob transient_per_visit, last 1 + Geometric(persistence) visits
    q = min(max(cal.transient_persistence, 1e-6), 0.99)
    # visit k is bumped when an episode started at some j <= k lasts beyond k: running max of j + length
    rows, where = memo["start_rows"], memo["start_row_index"]  # only patients with an episode can be bumped
    reach = np.zeros((rows.size, v))
    reach[where, c] = c + 1 + np.floor(log_u / np.log(q))
    bump = np.zeros((n, v), dtype=np.int8)
    bump[rows] = np.maximum.accumulate(reach, axis=1) > np.arange(v)
    # a transient episode adds one step on top of the latent level (same rule and cap)
    edss = levels[base_idx[:, None], steps + bump]
    if not timed:
        return {"edss": edss * nan}
    # timed tests: log-linear drift with correlated per-patient slopes and visit noise
    rho, rb = gp.edss_t25fw_correlation, gp.baseline_edss_t25fw_correlation
    z_edss = special.ndtri(np.clip(d["u_base"], 1e-9, 1 - 1e-9))
    yrs = weeks / WEEKS_PER_YEAR
    prog = walking_progressors(d, treated, cal, gp)
    mu_p = np.where(treated, cal.t25fw_progressor_log_change_per_year["treatment"],
                    cal.t25fw_progressor_log_change_per_year["control"])
    slope_t = np.where(prog, mu_p + a["t25fw_progressor_slope_log_sd_per_year"] * d["z_tslope"],
                       a["t25fw_stable_log_change_per_year"] + a["t25fw_stable_slope_log_sd_per_year"] * d["z_tslope"])
    log_t0 = np.log(a["t25fw_baseline_median_s"]) + a["t25fw_baseline_log_sd"] * (
        rb * z_edss + np.sqrt(1 - rb**2) * d["z_t0"])
    t25 = np.round(np.exp(log_t0[:, None] + slope_t[:, None] * yrs + a["t25fw_visit_noise_log_sd"] * d["e_t25"]), 1)
    unable = np.maximum.accumulate(t25 > a["t25fw_time_limit_s"], axis=1)  # once too slow, unable from then on
    m_c, m_t = cal.t25fw_mean_log_change("control", a), cal.t25fw_mean_log_change("treatment", a)
    ratio = m_t / m_c if m_c > 0 else 1.0
    if cal.nhpt_log_change_per_year:
        mu_n = np.where(treated, cal.nhpt_log_change_per_year["treatment"], cal.nhpt_log_change_per_year["control"])
    else:
        mu_n = a["nhpt_log_change_per_year"] * np.where(treated, ratio, 1.0)
    slope_n = mu_n + a["nhpt_slope_log_sd_per_year"] * (rho * d["z_frail"] + np.sqrt(1 - rho**2) * d["z_nslope"])
    log_n0 = np.log(a["nhpt_baseline_median_s"]) + a["nhpt_baseline_log_sd"] * d["z_n0"]
    nhpt = np.exp(log_n0[:, None] + slope_n[:, None] * yrs + a["nhpt_visit_noise_log_sd"] * d["e_nhpt"])
    return {"edss": edss * nan, "t25fw_s": np.where(unable, np.nan, t25) * nan, "t25fw_unable": unable * nan,
            "nhpt_s": np.round(nhpt, 1) * nan}


def t25fw_for_worsening(sim: dict[str, np.ndarray]) -> np.ndarray:
    """T25FW times with +inf where the patient could not walk: an assessed visit, worse than any time."""
    unable = sim.get("t25fw_unable")
    return sim["t25fw_s"] if unable is None else np.where(unable == 1, np.inf, sim["t25fw_s"])


COMPONENTS = ("EDSS", "T25FW", "9HPT")  # composite components the generator simulates


def composite_name(components, cw: int, pct: float) -> str:
    """Endpoint key of a composite of `components` (e.g. "ccdp12[EDSS+9HPT>=20%]"); a label, never parsed."""
    return f"ccdp{cw}[{'+'.join(c for c in COMPONENTS if c in components)}>={pct:g}%]"


@dataclass(frozen=True)
class Composite:
    """A composite endpoint: first confirmed worsening of `components` (>= `pct`% for timed tests)."""

    components: tuple[str, ...]
    confirmation_weeks: int
    pct: float

    @property
    def name(self) -> str:
        return composite_name(self.components, self.confirmation_weeks, self.pct)


def endpoints(sim: dict[str, np.ndarray], weeks: np.ndarray, unconfirmed: str, pct: float = 20.0,
              only: set[str | Composite] | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Time (weeks) and event per patient for every endpoint in `ENDPOINTS` (or those in `only`).

    DESIGN.md domain rules: EDSS CDP (>=1.0 if baseline <=5.5, >=0.5 if >5.5), >= `pct`% T25FW / 9HPT
    worsening, each confirmed at 12 or 24 weeks; ``ccdp12``/``ccdp24`` are the first confirmed event of the
    three. `only` may also hold :class:`Composite` endpoints of other components/thresholds (keyed by name).
    """
    requested = set(ENDPOINTS) if only is None else set(only)
    edss, nhpt = sim["edss"], sim.get("nhpt_s")
    t25 = t25fw_for_worsening(sim) if "t25fw_s" in sim else None
    comps = {f"ccdp{cw}": (COMPONENTS, cw, pct) for cw in (12, 24)}
    for c in requested:
        if isinstance(c, Composite):
            comps[c.name] = (tuple(c.components), int(c.confirmation_weeks), float(c.pct))
    only = {c.name if isinstance(c, Composite) else c for c in requested}
    unknown = only - set(ENDPOINTS) - set(comps)
    if unknown:
        raise ValueError(f"unknown endpoint(s) {sorted(unknown)}: use ENDPOINTS or Composite(...) objects")
    cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
    crits: dict[tuple, np.ndarray] = {}

    def single(scale: str, cw: int, p: float) -> tuple[np.ndarray, np.ndarray]:
        key = (scale, cw, None if scale == "EDSS" else p)
        if key not in cache:
            vals = {"EDSS": edss, "T25FW": t25, "9HPT": nhpt}[scale]
            if key[::2] not in crits:  # the criterion does not depend on the confirmation window
                crits[key[::2]] = (edss_worsened(vals, vals[:, 0]) if scale == "EDSS"
                                   else pct_worsened(vals, vals[:, 0], p))
            cache[key] = confirmed_onsets(vals, weeks, crits[key[::2]], cw, unconfirmed)
        return cache[key]

    out = {}
    for cw in (12, 24):
        for scale, name in (("EDSS", f"cdp{cw}_edss"), ("T25FW", f"t25fw20_cp{cw}"), ("9HPT", f"nhpt20_cp{cw}")):
            if name in only:
                out[name] = single(scale, cw, pct)
    for name, (parts, cw, p) in comps.items():
        if name in only:
            got = [single(c, cw, p) for c in parts]
            first = np.stack([np.where(e == 1, t, np.inf) for t, e in got]).min(axis=0)
            ev = np.isfinite(first).astype(int)
            out[name] = (np.where(ev == 1, first, got[0][0]), ev)
    return {k: out[k] for k in [*ENDPOINTS, *sorted(only - set(ENDPOINTS))] if k in only}
