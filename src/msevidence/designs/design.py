"""What-if trial designs: arm sizes, accrual and follow-up, dropout, visit grid, confirmation, true HR, control arm.

The control arm's time to confirmed progression is piecewise exponential: either given by the user (hazards
between break weeks, or a constant hazard from a control risk at a week) or estimated from a large SYNTHETIC
trial calibrated to a trial in the evidence store (Kaplan-Meier of its control arm on the visit grid, for the
chosen endpoint and confirmation window). The treated arm has hazard ``true_hr`` times the control hazard.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from msevidence.errors import OptionError
from msevidence.limits import MAX_PER_ARM_DESIGN, check_confirmation, check_hr, check_per_arm

UNCONFIRMED = ("censor", "event")
WEEKS_PER_YEAR = 52.1775
MAX_WEEKS = 2600.0  # 50 years of follow-up, visits or accrual


@dataclass(frozen=True)
class ControlDistribution:
    """Piecewise-exponential time to event of the control arm.

    breaks: increasing weeks > 0 ending each interval; hazards: per week on (breaks[i-1], breaks[i]] (the last
    hazard continues beyond the last break). source says where it comes from (user-given or synthetic).
    """

    breaks: np.ndarray
    hazards: np.ndarray
    source: str = "user-given piecewise exponential"
    data_provenance: str = "user-given"

    def __post_init__(self):
        b, h = np.asarray(self.breaks, float), np.asarray(self.hazards, float)
        if b.ndim != 1 or b.shape != h.shape or b.size == 0:
            raise OptionError("control distribution", "breaks and hazards must be two lists of the same length")
        if np.any(np.diff(b) <= 0) or b[0] <= 0:
            raise OptionError("control distribution", "break weeks must be positive and increasing")
        if np.any(h < 0) or not np.all(np.isfinite(h)):
            raise OptionError("control distribution", "hazards must be finite and >= 0")
        object.__setattr__(self, "breaks", b)
        object.__setattr__(self, "hazards", h)

    @classmethod
    def from_risk(cls, risk: float, week: float, source: str | None = None) -> ControlDistribution:
        """Constant hazard giving cumulative risk `risk` by `week` (e.g. a published control-arm risk)."""
        if not 0 < risk < 1 or week <= 0:
            raise OptionError("control risk", f"needs 0 < risk < 1 and week > 0 (got risk {risk:g}, week {week:g})")
        return cls(np.array([float(week)]), np.array([-np.log1p(-risk) / week]),
                   source or f"constant hazard: risk {risk:g} by week {week:g} (user-given)")

    def cumulative_hazard(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        edges = np.r_[0.0, self.breaks]
        h_at_edges = np.r_[0.0, np.cumsum(self.hazards * np.diff(edges))]
        i = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(self.hazards) - 1)
        return h_at_edges[i] + self.hazards[i] * (t - edges[i])

    def survival(self, t: np.ndarray) -> np.ndarray:
        return np.exp(-self.cumulative_hazard(t))

    def event_times(self, target_h: np.ndarray) -> np.ndarray:
        """Times at which the cumulative hazard reaches `target_h` (inf when it never does)."""
        edges = np.r_[0.0, self.breaks]
        h_at_edges = np.r_[0.0, np.cumsum(self.hazards * np.diff(edges))]
        i = np.clip(np.searchsorted(h_at_edges, target_h, side="right") - 1, 0, len(self.hazards) - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = edges[i] + (target_h - h_at_edges[i]) / self.hazards[i]
        return np.where(np.isfinite(t) & (self.hazards[i] > 0), t, np.inf)


@dataclass(frozen=True)
class TrialDesign:
    """A two-arm trial to simulate many times.

    Follow-up: every patient is followed `min_follow_up_weeks` plus a uniform 0-`accrual_weeks` extra
    (staggered enrolment), cut by exponential dropout. Visits every `visit_weeks`; a progression's onset is
    recorded at the first visit after it and counts as an event when a visit `confirmation_weeks` later is
    within follow-up; otherwise `unconfirmed` says whether it is censored at the last visit or counted.
    """

    n_control: int
    n_treated: int
    true_hr: float
    control: ControlDistribution
    visit_weeks: float = 12.0
    min_follow_up_weeks: float = 120.0
    accrual_weeks: float = 0.0
    dropout_per_year: float = 0.0
    confirmation_weeks: float = 12.0
    unconfirmed: str = "censor"
    arms: tuple[str, str] = ("control", "treatment")
    label: str = ""
    notes: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.n_control < 1 or self.n_treated < 1:
            raise OptionError("--n-per-arm", "every arm needs at least 1 patient")
        for n in (self.n_control, self.n_treated):
            check_per_arm(n, maximum=MAX_PER_ARM_DESIGN)
        check_hr(self.true_hr)
        if not (0 < self.visit_weeks <= MAX_WEEKS and 0 < self.min_follow_up_weeks <= MAX_WEEKS
                and 0 <= self.accrual_weeks <= MAX_WEEKS):
            raise OptionError("design", f"visit interval and minimum follow-up must be positive, and they and the "
                                        f"accrual at most {MAX_WEEKS:g} weeks")
        check_confirmation(self.confirmation_weeks)
        if not 0 <= self.dropout_per_year < 1:
            raise OptionError("dropout", "the yearly dropout proportion must be in [0, 1)")
        if self.unconfirmed not in UNCONFIRMED:
            raise OptionError("unconfirmed", f"must be one of {UNCONFIRMED}")

    @property
    def n(self) -> int:
        return self.n_control + self.n_treated

    @property
    def data_provenance(self) -> str:
        return "synthetic" if self.control.data_provenance == "synthetic" else "simulated (user-given control)"

    def with_(self, **changes) -> TrialDesign:
        """A copy with some settings changed (e.g. ``design.with_(true_hr=1.0)``)."""
        return replace(self, **changes)

    def with_total(self, n: int) -> TrialDesign:
        """Same allocation ratio, `n` patients in all (at least one per arm)."""
        frac = self.n_treated / self.n
        n_t = min(max(int(round(n * frac)), 1), n - 1)
        return replace(self, n_control=n - n_t, n_treated=n_t)

    def simulate(self, rng: np.random.Generator, n_trials: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time, event, treated), each trials x patients; times on the visit grid (weeks).

        The onset visit is the first visit week w with H0(w) * hr >= E, E ~ Exp(1) (exactly the first visit
        after a piecewise-exponential onset time).
        """
        nc, n = self.n_control, self.n
        horizon = self.min_follow_up_weeks + self.accrual_weeks
        visits = np.arange(1, int(np.floor(horizon / self.visit_weeks + 1e-9)) + 1) * self.visit_weeks
        h = self.control.cumulative_hazard(visits)
        e = rng.standard_exponential((n_trials, n), dtype=np.float32)
        k = np.empty((n_trials, n), np.int64)  # index of the onset visit (len(visits): after the last visit)
        k[:, :nc] = np.searchsorted(h.astype(np.float32), e[:, :nc], side="left")
        k[:, nc:] = np.searchsorted((h * self.true_hr).astype(np.float32), e[:, nc:], side="left")
        end = self.min_follow_up_weeks + rng.random((n_trials, n), dtype=np.float32) * np.float32(self.accrual_weeks)
        if self.dropout_per_year > 0:
            rate = -np.log1p(-self.dropout_per_year) / WEEKS_PER_YEAR
            end = np.minimum(end, rng.standard_exponential((n_trials, n), dtype=np.float32) / np.float32(rate))
        last = np.floor(end / np.float32(self.visit_weeks) + np.float32(1e-6)).astype(np.int64)  # last visit index
        onset = k + 1  # visit number (1 = first post-baseline visit)
        confirmed = onset * self.visit_weeks + self.confirmation_weeks <= end + 1e-6
        event = confirmed | ((onset <= last) & (self.unconfirmed == "event"))
        step = int(self.visit_weeks) if float(self.visit_weeks).is_integer() else float(self.visit_weeks)
        time = np.where(event, onset, last) * step  # integer weeks on whole-week visit grids
        treated = np.zeros(n, bool)
        treated[nc:] = True
        return time, event, np.broadcast_to(treated, time.shape)
