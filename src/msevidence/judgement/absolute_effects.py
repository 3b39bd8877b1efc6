"""Absolute effects a reader sees: one rule, one control-risk basis per table.

- **Observed** (what a reader sees on every page): where the trial reports both groups' risks on the table's
  basis, those two published risks and their difference ("in the trial").
- **Derived** (analyst view only, labelled): the treatment-group risk expected from the hazard ratio under
  proportional hazards, ``R_t = 1 - (1 - R_c)^HR`` (GRADE guideline 27; Skoetz et al., J Clin Epidemiol 2020;
  118:124-131), with its interval from the HR's interval. It differs from the observed risk because the HR
  summarizes the whole follow-up while the observed risk is read at one time (or over a period of unequal
  length), and because a relative reduction published without a HR is read as ``HR = 1 - reduction``.
- **Basis**: one per trial in a table (:func:`table_basis`) — Kaplan-Meier risk at a stated week
  (``km_at_week``), or the share of each group with an event over the trial period (``trial_period``) —
  the one most of the trial's endpoints report, a fixed week winning a tie. Rows of that trial use it, stated
  once; a row that lacks it says so instead of switching basis.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from msevidence import formatting as fmt
from msevidence.evidence import Trial
from msevidence.evidence.schema import ArmResult, Effect, Endpoint

KM, PERIOD = "km_at_week", "trial_period"
RISK_STATISTICS = ("km_proportion_at_week", "proportion_with_event")
FORMULA = "R_t = 1 - (1 - R_c)^HR (GRADE guideline 27; proportional hazards)"
BASIS_WORDS = {KM: "Kaplan-Meier risk of each group at the week stated for the outcome",
               PERIOD: "share of each group with an event over the whole trial period (follow-up differed "
                       "between people)"}
DERIVED_WHY = ("expected from the hazard ratio under proportional hazards (GRADE guideline 27): it differs from "
               "what was observed because the hazard ratio summarizes the whole follow-up, while the observed "
               "risk is read at one time or over a period of unequal length")

CONTINUOUS = "continuous outcome: the effect is a change from baseline, not a risk (see the relative effect)"
OBSERVED_NOTE = ("Absolute effects are the two groups' risks as published (in the trial); the risk expected from "
                 "the hazard ratio (GRADE guideline 27) is shown separately to analysts, labelled derived.")
DERIVED_NOTE = (f"Intervention risk expected from the hazard ratio, {FORMULA}; difference per 1,000 = "
                "1000 (R_t - R_c), its CI from the HR's CI (derived).")


@dataclass(frozen=True)
class AbsoluteEffect:
    """Risks per group (proportions) on one basis: `kind` "observed" (both published), "derived" (treatment
    risk from the HR; analyst view only) or "none" (see `reason`). `derived_*` hold the HR-derived
    treatment risk and difference, for the analyst view, whenever a control risk and a ratio exist."""

    endpoint: str
    kind: str
    basis: str
    week: float | None
    control_risk: float | None
    treatment_risk: float | None
    difference: float | None
    reason: str
    derived_treatment_risk: float | None = None
    derived_difference: float | None = None
    derived_difference_low: float | None = None
    derived_difference_high: float | None = None
    derived_reason: str = ""
    sources: tuple[str, ...] = ()

    @property
    def observed(self) -> bool:
        return self.kind == "observed"

    @property
    def basis_text(self) -> str:
        """The basis in words, with its week ("... (week 120)")."""
        return BASIS_WORDS[self.basis] + (f" (week {self.week:g})" if self.week is not None else "")

    @property
    def difference_low(self) -> float | None:
        """Interval of the shown difference: the HR's for a derived one; none was published for observed ones."""
        return self.derived_difference_low if self.kind == "derived" else None

    @property
    def difference_high(self) -> float | None:
        return self.derived_difference_high if self.kind == "derived" else None

    @property
    def crosses_no_effect(self) -> bool:
        """True when the HR-derived interval of the difference includes no effect (or is not known)."""
        lo, hi = self.derived_difference_low, self.derived_difference_high
        return lo is None or hi is None or lo <= 0 <= hi

    def to_json(self) -> dict:
        return asdict(self) | {"basis_text": self.basis_text}


def _arm_risk(ep: Endpoint, arm: str, basis: str) -> ArmResult | None:
    if basis == KM:
        km = sorted((r for r in ep.results if r.arm == arm and r.statistic == "km_proportion_at_week" and r.week),
                    key=lambda r: r.week)
        if not km:
            return None
        return km[-1] if ep.definition.analysis == "proportion_at_week" else km[0]
    return ep.result(arm, "proportion_with_event")


def bases_of(ep: Endpoint, treatment: str, control: str) -> list[str]:
    """The bases on which the endpoint reports the control group's risk (both groups' for observed)."""
    return [b for b in (KM, PERIOD) if _arm_risk(ep, control, b) is not None]


def table_basis(trial: Trial, endpoints: list[Endpoint]) -> str:
    """The one control-risk basis for `trial`'s rows of a table: the one most endpoints report (a fixed
    week wins a tie); :data:`PERIOD` when none reports any."""
    counts = Counter(b for ep in endpoints for b in bases_of(ep, trial.treatment.id, trial.control.id))
    if not counts:
        return PERIOD
    return max((KM, PERIOD), key=lambda b: (counts[b], b == KM))


def absolute_effect(trial: Trial, ep: Endpoint, eff: Effect | None, basis: str) -> AbsoluteEffect:
    """The absolute effect of `ep` on `basis` (see the module docstring); never a mix of bases."""
    tr, ct = (eff.treatment, eff.control) if eff is not None else (trial.treatment.id, trial.control.id)
    if ep.definition.analysis not in ("time_to_event", "proportion_at_week"):
        return AbsoluteEffect(ep.id, "none", basis, None, None, None, None, CONTINUOUS)
    rc, rt = _arm_risk(ep, ct, basis), _arm_risk(ep, tr, basis)
    week = rc.week if rc is not None and basis == KM else None
    sources = tuple(dict.fromkeys(trial.cite(r.source) for r in (rc, rt) if r is not None))
    if rc is None:
        other = bases_of(ep, tr, ct)
        reason = ("no group risk was published for this outcome" if not other else
                  f"not reported on this table's basis ({BASIS_WORDS[basis].split(' (')[0]}); the trial gives "
                  f"only the {BASIS_WORDS[other[0]].split(' (')[0]}")
        return AbsoluteEffect(ep.id, "none", basis, None, None, None, None, reason)
    derived = _derived(rc.value, ep, eff)
    if rt is not None and (basis != KM or rt.week == rc.week):
        return AbsoluteEffect(ep.id, "observed", basis, week, rc.value, rt.value, rt.value - rc.value,
                              "both groups' risks as published; the difference is theirs (derived by subtraction)",
                              *derived, sources=sources)
    if derived[0] is not None:
        return AbsoluteEffect(ep.id, "derived", basis, week, rc.value, derived[0], derived[1],
                              "only the control group's risk was published; the other is " + DERIVED_WHY,
                              *derived, sources=sources)
    return AbsoluteEffect(ep.id, "none", basis, week, rc.value, None, None,
                          "only the control group's risk was published and no hazard ratio converts it",
                          sources=sources)


def _derived(control_risk: float, ep: Endpoint, eff: Effect | None):
    """(treatment risk, difference, low, high, reason) expected from the HR (or 1 − relative reduction)."""
    from msevidence.models.survival.absolute import absolute_from_hr

    none = (None, None, None, None, "")
    if eff is None or ep.definition.analysis != "time_to_event":
        return none
    if eff.statistic == "hazard_ratio":
        hr, lo, hi, how = eff.estimate, eff.ci_low, eff.ci_high, ""
    elif eff.statistic == "relative_reduction":
        hr, lo, hi, how = 1 - eff.estimate, None, None, " (no hazard ratio published: read as 1 - relative reduction)"
    else:
        return none
    a = absolute_from_hr(control_risk, hr, lo, hi)
    d = a.risk_treatment - control_risk
    dlo = None if a.risk_treatment_low is None else a.risk_treatment_low - control_risk
    dhi = None if a.risk_treatment_high is None else a.risk_treatment_high - control_risk
    return a.risk_treatment, d, dlo, dhi, DERIVED_WHY + how


def absolute_cell(kind: str, control: float | None, treatment: float | None, difference: float | None,
                  low: float | None, high: float | None, reason: str, derived_treatment: float | None = None,
                  derived_difference: float | None = None, analyst: bool = False) -> str:
    """A table cell (risks per 1,000): the risks shown to every reader; with `analyst`, also the risk expected
    from the hazard ratio, labelled derived (never on a lay page)."""
    if kind == "none":
        return f"not estimable: {reason}"
    ci = f" ({fmt.interval(low, high, 0)})" if low is not None and high is not None else ""
    diff = fmt.fixed(difference, 0, signed=True)
    text = (f"{'in the trial' if kind == 'observed' else 'derived from the hazard ratio'}: {fmt.people(control)} vs "
            f"{fmt.people(treatment)} per 1,000; {diff}{ci}")
    if analyst and kind == "observed" and derived_treatment is not None and derived_difference is not None:
        d = fmt.fixed(derived_difference, 0, signed=True)
        text += (f". Expected from the hazard ratio (derived): {fmt.people(derived_treatment)} per 1,000 ({d}); "
                 "it differs because the ratio summarizes the whole follow-up")
    return text


def lay_sentence(group: str, outcome: str, trial: str, drug: str, control: str, control_per_1000: float,
                 treatment_per_1000: float, week: float | None, certainty: str) -> str:
    """One plain sentence about the two groups' published risks ("in the trial"), per 1,000 people."""
    fewer = control_per_1000 - treatment_per_1000
    event = outcome.removeprefix("Time to ").split(" (")[0]
    event = event[:1].lower() + event[1:]
    when = f"by week {week:g}" if week is not None else "during the trial"
    return (f"{group.split(' (')[0]}: in {trial}, out of 1,000 people about {fmt.people(control_per_1000)} on "
            f"{control} and {fmt.people(treatment_per_1000)} on {drug} had {event} {when}. That is "
            f"{fmt.people(fewer)} {'fewer' if fewer > 0 else 'more'} in the trial. Our confidence in this is "
            f"{certainty}.")
