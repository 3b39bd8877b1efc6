"""A what-if design from a trial in the evidence store: its arms, visits and follow-up, and a control arm
estimated from a large SYNTHETIC trial calibrated to it (labelled synthetic wherever it travels)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from msevidence.data.confirm import confirmed_onsets, edss_worsened, pct_worsened
from msevidence.data.visits import t25fw_or_unable
from msevidence.designs.design import ControlDistribution, TrialDesign
from msevidence.errors import OptionError
from msevidence.evidence import EvidenceSet, load_evidence
from msevidence.models.survival.batched import event_table, fit_many
from msevidence.synthetic import simulate_trial
from msevidence.synthetic.design import assumptions_for, design_for

REFERENCE_N_PER_ARM = 15000  # size of each arm of the synthetic reference trial the control arm is read from
REFERENCE_SEED = 20260101  # its seed (not a published number)
# synthetic endpoint -> (visits column, % threshold or None for the EDSS rule, its confirmation weeks)
SPECS = {"cdp12_edss": ("edss", None, 12), "cdp24_edss": ("edss", None, 24),
         "t25fw20_cp12": ("t25fw_s", 20.0, 12), "t25fw20_cp24": ("t25fw_s", 20.0, 24),
         "nhpt20_cp12": ("nhpt_s", 20.0, 12), "nhpt20_cp24": ("nhpt_s", 20.0, 24),
         "ccdp12": (None, None, 12), "ccdp24": (None, None, 24)}


def reference_events(trial: str, endpoint: str, confirmation_weeks: int | None = None,
                     evidence: EvidenceSet | None = None, n_per_arm: int = REFERENCE_N_PER_ARM,
                     seed: int = REFERENCE_SEED) -> tuple[pd.DataFrame, dict]:
    """Events (arm, time_weeks, event) of a large synthetic trial for `endpoint`, re-derived from its visits
    when `confirmation_weeks` differs from the endpoint's own; and the synthetic trial's metadata."""
    ev = evidence or load_evidence()
    if trial not in ev:
        raise OptionError("--trial", f"{trial!r} is not in the evidence store (known: {', '.join(ev.ids)})")
    if endpoint not in SPECS:
        raise OptionError("--endpoint", f"{endpoint!r} is not a synthetic endpoint (choose one of "
                          f"{', '.join(SPECS)})")
    tr = ev[trial]
    st = simulate_trial(tr, seed=seed, evidence=ev,
                        n_per_arm={tr.control.id: n_per_arm, tr.treatment.id: n_per_arm})
    col, pct, own_cw = SPECS[endpoint]
    if confirmation_weeks is None or confirmation_weeks == own_cw:
        e = st.events[st.events["endpoint"] == endpoint][["patient_id", "arm", "time_weeks", "event"]]
        return e.reset_index(drop=True), st.metadata
    if col is None:
        raise OptionError("--confirmation-weeks", "cannot re-derive a composite endpoint at another confirmation "
                          "window; choose a single-scale endpoint such as cdp12_edss")
    visit = tr.design.visit_interval_weeks
    if confirmation_weeks <= 0 or confirmation_weeks % visit:
        raise OptionError("--confirmation-weeks", f"must be a positive multiple of the visit interval ({visit} weeks)")
    visits = st.visits.assign(t25fw_s=t25fw_or_unable(st.visits))  # could not walk: assessed, and worse
    wide = visits.pivot(index="patient_id", columns="week", values=col)
    values, weeks = wide.to_numpy(float), wide.columns.to_numpy(float)
    crit = edss_worsened(values, values[:, 0]) if pct is None else pct_worsened(values, values[:, 0], pct)
    time, event = confirmed_onsets(values, weeks, crit, confirmation_weeks, st.metadata["unconfirmed_progression"])
    arm = st.visits.drop_duplicates("patient_id").set_index("patient_id")["arm"].reindex(wide.index)
    return pd.DataFrame({"patient_id": wide.index, "arm": arm.to_numpy(), "time_weeks": time,
                         "event": event}), st.metadata


def control_from_events(events: pd.DataFrame, arm: str, visit_weeks: float, source: str) -> ControlDistribution:
    """Piecewise-exponential hazard between visits from the Kaplan-Meier curve of one arm."""
    sub = events[events["arm"] == arm]
    tab = event_table(sub["time_weeks"].to_numpy(float), sub["event"].to_numpy(int),
                      np.zeros(len(sub), bool))
    last = float(sub["time_weeks"].max())
    breaks = np.arange(visit_weeks, last + 1e-9, visit_weeks)
    surv = np.ones(breaks.size + 1)
    for i, w in enumerate(breaks):
        keep = tab.time <= w + 1e-9
        surv[i + 1] = np.prod(1 - tab.d0[keep] / tab.n0[keep])
    with np.errstate(divide="ignore"):
        hazards = -np.diff(np.log(np.maximum(surv, 1e-300))) / visit_weeks
    return ControlDistribution(breaks, np.maximum(hazards, 0.0), source, "synthetic")


def design_from_trial(trial: str, endpoint: str = "cdp12_edss", *, n_per_arm: dict[str, int] | None = None,
                      true_hr: float | None = None, confirmation_weeks: int | None = None,
                      evidence: EvidenceSet | None = None) -> TrialDesign:
    """The trial's design (arm sizes, visits, follow-up, dropout, unconfirmed rule) with the control arm of a
    large synthetic trial calibrated to it; `true_hr` defaults to that synthetic trial's Cox HR (Efron)."""
    ev = evidence or load_evidence()
    events, meta = reference_events(trial, endpoint, confirmation_weeks, ev)
    tr = ev[trial]
    a_full = assumptions_for(tr, ev)
    d, notes = design_for(tr, a_full, n_per_arm)
    ctrl, trt = d.arms
    cw = confirmation_weeks if confirmation_weeks is not None else SPECS[endpoint][2]
    source = (f"SYNTHETIC: control arm ({ctrl}) of a {REFERENCE_N_PER_ARM}-per-arm synthetic trial calibrated to "
              f"{trial}, endpoint {endpoint}, confirmed at {cw} weeks (seed {REFERENCE_SEED})")
    control = control_from_events(events, ctrl, float(d.visit_weeks), source)
    if true_hr is None:
        fit = fit_many(events["time_weeks"].to_numpy(float), events["event"].to_numpy(int),
                       (events["arm"] == trt).to_numpy())
        true_hr = float(fit.hr[0])
        notes = {**notes, "true_hr": f"Cox HR of the synthetic reference trial ({true_hr:.3f}; synthetic)"}
    else:
        notes = {**notes, "true_hr": f"{true_hr:g} (given)"}
    return TrialDesign(
        n_control=d.n[0], n_treated=d.n[1], true_hr=float(true_hr), control=control,
        visit_weeks=float(d.visit_weeks), min_follow_up_weeks=d.min_follow_up, accrual_weeks=d.extra_follow_up_max,
        dropout_per_year=float(a_full["dropout_per_year"]["value"]), confirmation_weeks=float(cw),
        unconfirmed=meta["unconfirmed_progression"], arms=(ctrl, trt),
        label=f"SYNTHETIC what-if of {trial} ({endpoint}, confirmed at {cw} weeks)", notes=notes)
