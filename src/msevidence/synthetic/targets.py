"""Calibration targets: the published summaries of a trial the generator is calibrated to (read from the store).

Targets: control and treatment proportions with EDSS CDP12/CDP24 (``proportion_with_event``, or a Kaplan-Meier
proportion at a published week), the CDP12 and CDP24 hazard ratios, and the T25FW percent change at its published
week per arm (compared with the synthetic *geometric-mean* percent change, 100*(exp(mean log(T_w/T_0)) - 1);
ORATORIO's figure comes from an MMRM on log-transformed data). Composite CDP hazard ratios use exactly the
published components; they are targets when T25FW is a component and the T25FW % change is calibrated, else
checks. "No evidence of progression" proportions are derived check rows. Every target carries its week
explicitly (``Target.week``); nothing is parsed back out of names.
"""

from __future__ import annotations

from dataclasses import dataclass

from msevidence.errors import CalibrationError
from msevidence.evidence import Trial
from msevidence.synthetic.model import COMPONENTS, Composite, GeneratorParams

TOLERANCE = {"proportion": 0.02, "hazard_ratio": 0.03, "pct_change": 3.0}
DEFAULT_T25FW_LOG_CHANGE_PER_YEAR = 0.1  # used only when a trial has no T25FW target (recorded as "no target")
DEFAULT_T25FW_WEEK = 120.0  # week of the T25FW row when the trial publishes no T25FW change ("no target")
T25FW_GM_PCT = "t25fw_gm_pct"  # endpoint key of the synthetic geometric-mean % change of T25FW


@dataclass(frozen=True)
class Target:
    """One calibration target or check row.

    kind: proportion | hazard_ratio | pct_change; endpoint: synthetic endpoint key (``T25FW_GM_PCT`` for the
    T25FW % change); role: control | treatment | None (effects); status: calibrated | no target | check;
    week: the Kaplan-Meier week of a proportion (None: crude proportion over the follow-up) or the week of a
    % change; composite: the definition of a composite endpoint (components, confirmation, threshold).
    """

    name: str
    kind: str
    endpoint: str
    role: str | None
    published: float | None
    summary: str
    source: str
    status: str
    week: float | None = None
    composite: Composite | None = None  # the composite endpoint's definition (endpoint is its name)

    @property
    def tolerance(self) -> float | None:
        return TOLERANCE[self.kind] if self.status == "calibrated" else None


def _edss_tte(trial: Trial, cw: int):
    eps = [e for e in trial.find_endpoints(scale="EDSS", analysis="time_to_event", confirmation_weeks=cw)
           if e.definition.milestone is None and e.definition.period == "double-blind"]
    return sorted(eps, key=lambda e: not e.primary)[0] if eps else None


def _hr(ep, trial: Trial):
    eff = ep.effect("hazard_ratio") if ep is not None else None
    if eff is None or eff.treatment != trial.treatment.id or eff.control != trial.control.id:
        return None
    return eff


def targets(trial: Trial) -> list[Target]:
    """Calibration targets and check rows found in the evidence (rows with status "no target" when absent)."""
    ctrl, trt = trial.control.id, trial.treatment.id
    out: list[Target] = []
    for cw in (12, 24):
        ep = _edss_tte(trial, cw)
        for role, arm in (("control", ctrl), ("treatment", trt)):
            r = ep.result(arm, "proportion_with_event") if ep is not None else None
            km = ep.result(arm, "km_proportion_at_week") if ep is not None and r is None else None
            if km is not None and km.week is not None:
                out.append(Target(
                    f"CDP{cw} EDSS Kaplan-Meier proportion at week {km.week:g}, {arm}", "proportion",
                    f"cdp{cw}_edss", role, km.value, "1 - Kaplan-Meier survival at the published week",
                    trial.cite(km.source), "calibrated", km.week))
                continue
            out.append(Target(
                f"CDP{cw} EDSS proportion with event, {arm}", "proportion", f"cdp{cw}_edss", role,
                r.value if r else None,
                "proportion of patients with an event over the whole follow-up" if r else "no target (not calibrated)",
                trial.cite(r.source) if r else "", "calibrated" if r else "no target"))
        eff = _hr(ep, trial)
        out.append(Target(
            f"CDP{cw} EDSS hazard ratio {trt} vs {ctrl}", "hazard_ratio", f"cdp{cw}_edss", None,
            eff.estimate if eff else None,
            "Cox hazard ratio (Efron ties, unstratified)" if eff else "no target (follows from the proportions)",
            trial.cite(eff.source) if eff else "", "calibrated" if eff else "no target"))
    t25 = trial.find_endpoints(scale="T25FW", analysis="change_from_baseline", period="double-blind")
    for role, arm in (("control", ctrl), ("treatment", trt)):
        r = next((e.result(arm, "mean_pct_change") for e in t25 if e.result(arm, "mean_pct_change")), None)
        week = float(r.week) if r and r.week is not None else DEFAULT_T25FW_WEEK
        out.append(Target(
            f"T25FW % change at week {week:g}, {arm}", "pct_change", T25FW_GM_PCT, role,
            r.value if r else None,
            "synthetic geometric-mean % change 100*(exp(mean log(T_w/T_0))-1), compared with the published "
            "figure (for ORATORIO an adjusted geometric mean from an MMRM on log T25FW)" if r else
            f"no target: default T25FW log drift {DEFAULT_T25FW_LOG_CHANGE_PER_YEAR:g}/year in both arms "
            "(no treatment effect on walking assumed)",
            trial.cite(r.source) if r else "", "calibrated" if r else "no target", week))
    walking = any(t.kind == "pct_change" and t.status == "calibrated" for t in out)
    for cw in (12, 24):
        for ep in trial.find_endpoints(scale="composite", analysis="time_to_event", confirmation_weeks=cw,
                                       period="double-blind"):
            eff, parts = _hr(ep, trial), ep.definition.components
            if eff is None or not parts or not set(parts) <= set(COMPONENTS):
                continue
            pct = ep.definition.threshold_pct or GeneratorParams().pct_threshold
            comps = "/".join(c for c in COMPONENTS if c in parts)
            calibrated = walking and "T25FW" in parts
            comp = Composite(tuple(c for c in COMPONENTS if c in parts), cw, float(pct))
            out.append(Target(
                f"cCDP{cw} hazard ratio ({comps}) {trt} vs {ctrl}", "hazard_ratio", comp.name,
                None, eff.estimate,
                (f"Cox hazard ratio of the synthetic composite built as published ({comps}, >={pct:g}%, confirmed "
                 f"at {cw} weeks); " + ("calibrated through the walking-progressor probability and its "
                                        "treatment ratio"
                                        if calibrated else "check only (not calibrated)")),
                trial.cite(eff.source), "calibrated" if calibrated else "check", composite=comp))
        # "No evidence of progression" at a week (e.g. ORATORIO NEP, post hoc): a check of the composite's level.
        for ep in trial.find_endpoints(scale="composite", analysis="proportion_at_week", confirmation_weeks=cw):
            parts, week = ep.definition.components, ep.definition.week
            if not parts or not set(parts) <= set(COMPONENTS) or week is None:
                continue
            pct = ep.definition.threshold_pct or GeneratorParams().pct_threshold
            comp = Composite(tuple(c for c in COMPONENTS if c in parts), cw, float(pct))
            for role, arm in (("control", ctrl), ("treatment", trt)):
                r = ep.result(arm, "proportion")
                if r is not None:
                    out.append(Target(
                        f"Composite progression by week {week:g} (1 - published '{ep.id}'), {arm}", "proportion",
                        comp.name, role, round(1 - r.value, 6),
                        f"derived: 1 - published proportion free of progression ({r.value:g}); synthetic: 1 - "
                        f"Kaplan-Meier at week {week:g}; check only (not calibrated)",
                        trial.cite(r.source), "check", float(week), comp))
        for ep in trial.find_endpoints(scale="9HPT", analysis="time_to_event", confirmation_weeks=cw,
                                       threshold_pct=20, period="double-blind"):
            for role, arm in (("control", ctrl), ("treatment", trt)):
                r = ep.result(arm, "proportion_with_event")
                if r is not None:
                    out.append(Target(
                        f">=20% 9HPT CP{cw} proportion with event, {arm}", "proportion", f"nhpt20_cp{cw}", role,
                        r.value, "per-arm 9HPT log drift solved by bisection (replaces the assumed drift)",
                        trial.cite(r.source), "calibrated"))
    if not any(t.status == "calibrated" and t.kind == "proportion" and t.role == "control" for t in out):
        raise CalibrationError(
            f"{trial.id}: no usable calibration targets (needs a control-arm proportion_with_event or "
            "km_proportion_at_week for the EDSS time-to-event endpoint with confirmation 12 or 24 weeks)")
    return out
