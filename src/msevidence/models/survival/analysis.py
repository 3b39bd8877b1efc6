"""`analyze`: the whole time-to-event analysis of one endpoint, bundled for the CLI and the notebooks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from msevidence.data.events import EventsTableError, read_events, select_endpoint
from msevidence.data.tables import infer_arms
from msevidence.models.survival.absolute import AbsoluteEffect, absolute_effect
from msevidence.models.survival.cox import CoxPH, CoxResult, PHTestResult
from msevidence.models.survival.km import KaplanMeier, LogRankResult, logrank_test
from msevidence.models.survival.rmst import RMSTResult, default_tau, rmst

DEFAULT_AT_WEEK = 120.0


def week_key(week: float) -> str:
    """JSON key of a week: "120" for whole weeks, "60.5" otherwise."""
    return f"{week:g}"


def _num(x: float | None) -> float | None:
    """A plain Python float for JSON (None for missing/NaN)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


@dataclass(frozen=True)
class SurvivalAnalysis:
    """KM, log-rank, Cox (with PH test), RMST and absolute effects of treatment vs control for one endpoint."""

    endpoint: str
    treatment: str
    control: str
    n: dict[str, int]
    events: dict[str, int]
    km: KaplanMeier
    logrank: LogRankResult
    cox: CoxResult
    ph_test: PHTestResult
    rmst: RMSTResult
    absolute: AbsoluteEffect
    at: tuple[float, ...]
    strata: tuple[str, ...] = ()
    data_provenance: str | None = None
    cox_model: CoxPH | None = field(default=None, repr=False, compare=False)

    def km_at(self) -> pd.DataFrame:
        """KM survival with CI per arm at the `at` weeks (NaN beyond an arm's follow-up)."""
        return self.km.survival_at(self.at)

    def to_json(self) -> dict:
        """The result as plain JSON types, with the keys documented for ``msevidence fit --json``."""
        s = self.km_at()
        return {
            "endpoint": self.endpoint,
            "data_provenance": self.data_provenance or "unstated",
            "n": {a: int(v) for a, v in self.n.items()},
            "events": {a: int(v) for a, v in self.events.items()},
            "cox": {"hr": _num(self.cox.hr), "ci_low": _num(self.cox.ci_low), "ci_high": _num(self.cox.ci_high),
                    "p": _num(self.cox.p), "ties": self.cox.ties, "estimable": self.cox.estimable,
                    "reason": self.cox.reason},
            "logrank": {"chi2": _num(self.logrank.chi2), "p": _num(self.logrank.p)},
            "km": {a: {week_key(w): _num(v) for w, v in zip(g["week"], g["survival"], strict=True)}
                   for a, g in s.groupby("arm", sort=False)},
            "rmst": {a.arm: {"estimate": _num(a.estimate), "se": _num(a.se)}
                     for a in (self.rmst.treatment, self.rmst.control)},
            "rmst_difference": {"estimate": _num(self.rmst.difference), "ci_low": _num(self.rmst.ci_low),
                                "ci_high": _num(self.rmst.ci_high), "p": _num(self.rmst.p),
                                "tau": _num(self.rmst.tau)},
            "absolute": {"at_week": _num(self.absolute.at_week), "risk_control": _num(self.absolute.risk_control),
                         "risk_treatment": _num(self.absolute.risk_treatment),
                         "difference": _num(self.absolute.difference), "ci_low": _num(self.absolute.ci_low),
                         "ci_high": _num(self.absolute.ci_high), "nnt": _num(self.absolute.nnt)},
            "ph_test": {"p": _num(self.ph_test.p)},
        }

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per headline estimate (HR, log-rank, RMST difference, risk difference, PH test)."""
        c, r, a = self.cox, self.rmst, self.absolute
        rows = [
            ("hazard ratio", c.hr, c.ci_low, c.ci_high, c.p, f"Cox PH, {c.ties} ties"),
            ("log-rank chi2", self.logrank.chi2, None, None, self.logrank.p, self.logrank.method),
            (f"RMST difference (tau {r.tau:g} wk)", r.difference, r.ci_low, r.ci_high, r.p, r.method),
            (f"risk difference at week {a.at_week:g}", a.difference, a.ci_low, a.ci_high, None, a.note),
            ("PH test (scaled Schoenfeld)", self.ph_test.chi2, None, None, self.ph_test.p, self.ph_test.message),
        ]
        return pd.DataFrame(rows, columns=["quantity", "estimate", "ci_low", "ci_high", "p", "method"]).assign(
            endpoint=self.endpoint, data_provenance=self.data_provenance)

    def plot(self, **kwargs):
        """KM curves with the risk table; see `msevidence.figures.survival.km_plot`."""
        return self.km.plot(**kwargs)

    def __repr__(self) -> str:
        return (f"<SurvivalAnalysis {self.endpoint}: {self.treatment} vs {self.control}, n={self.n}, "
                f"events={self.events}; HR {self.cox.hr:.3f} ({self.cox.ci_low:.3f}–{self.cox.ci_high:.3f}); "
                f"RMST diff {self.rmst.difference:.2f} wk at tau {self.rmst.tau:g}; {self.ph_test.message}"
                f"{f' [{self.data_provenance}]' if self.data_provenance else ''}>")


def analyze(events: pd.DataFrame | str | Path, endpoint: str, treatment: str | None = None,
            control: str | None = None, tau: float | None = None, at: float | Iterable[float] | None = None,
            strata: Sequence[str] | None = None, *, ties: str = "efron", conf_level: float = 0.95,
            data_provenance: str | None = None) -> SurvivalAnalysis:
    """Analyse one endpoint: KM per arm, (stratified) log-rank, Cox HR + PH test, RMST(tau), absolute effect.

    Defaults: arms inferred when there are two (ocrelizumab-like name = treatment); `tau` = minimum over
    arms of the last follow-up; `at` = week 120, or tau if follow-up is shorter. The absolute effect is
    given at the largest `at` week within both arms' follow-up. `strata` are extra columns (Cox, log-rank).
    """
    source = str(events) if not isinstance(events, pd.DataFrame) else "events table"
    table = read_events(events, source=source)
    table = select_endpoint(table, endpoint, source=source, strata=strata)
    treatment, control = infer_arms(table["arm"].unique(), treatment, control, source=source)
    table = table[table["arm"].isin([treatment, control])].reset_index(drop=True)
    arms = [treatment, control]
    if table["event"].sum() == 0:
        raise EventsTableError(f"no events in arms {treatment!r} and {control!r} of endpoint {endpoint!r}",
                               source=source, column="event")
    horizon = default_tau(table, arms)
    tau = horizon if tau is None else float(tau)
    if at is None:
        at_weeks: tuple[float, ...] = (DEFAULT_AT_WEEK if horizon >= DEFAULT_AT_WEEK else tau,)
    else:
        at_weeks = tuple(float(w) for w in ([at] if isinstance(at, int | float) else at))
    if not at_weeks:
        raise ValueError("at least one week is needed for `at`")
    within = [w for w in at_weeks if w <= horizon]
    if not within:
        raise ValueError(f"every --at week ({', '.join(f'{w:g}' for w in at_weeks)}) is beyond the follow-up of "
                         f"an arm (shortest last follow-up: {horizon:g} weeks)")

    km = KaplanMeier(conf_level=conf_level, data_provenance=data_provenance).fit(table, arms=arms)
    cox_model = CoxPH(ties=ties, conf_level=conf_level, data_provenance=data_provenance).fit(
        table, treatment, control, strata=strata)
    return SurvivalAnalysis(
        endpoint=endpoint, treatment=treatment, control=control,
        n={a: int((table["arm"] == a).sum()) for a in arms},
        events={a: int(table.loc[table["arm"] == a, "event"].sum()) for a in arms},
        km=km, logrank=logrank_test(table, strata=strata, arms=arms, data_provenance=data_provenance),
        cox=cox_model.result_, ph_test=cox_model.ph_test(),
        rmst=rmst(table, tau, treatment, control, conf_level=conf_level, data_provenance=data_provenance),
        absolute=absolute_effect(km, max(within), treatment, control, conf_level=conf_level),
        at=at_weeks, strata=tuple(strata or ()), data_provenance=data_provenance, cox_model=cox_model)
