"""What the generator simulates for a trial: its named assumptions and its design (arms, visits, follow-up)."""

from __future__ import annotations

from msevidence.errors import CalibrationError
from msevidence.evidence import EvidenceSet, Trial
from msevidence.synthetic.model import ASSUMPTION_IDS, Design, edss_distribution


def assumptions_for(trial: Trial, evidence: EvidenceSet) -> dict[str, dict]:
    """Named assumptions the generator uses: the trial's own, else ORATORIO's (recorded as a fallback)."""
    out = {}
    for aid in ASSUMPTION_IDS:
        src = trial.id
        try:
            a = trial.assumption(aid)
        except KeyError:
            if "ORATORIO" not in evidence:
                raise CalibrationError(f"{trial.id}: assumption {aid!r} missing and no ORATORIO fallback") from None
            a, src = evidence["ORATORIO"].assumption(aid), "ORATORIO (fallback)"
        out[aid] = {"value": a.value, "unit": a.unit, "rationale": " ".join(a.rationale.split()), "from": src}
    return out


def design_for(trial: Trial, assumptions: dict[str, dict], n_per_arm: dict[str, int] | None = None,
               unconfirmed: str | None = None) -> tuple[Design, dict]:
    """Simulation design from the trial (arm sizes, visits, follow-up rule, baseline EDSS) and its notes."""
    ctrl, trt = trial.control, trial.treatment
    n_per_arm = n_per_arm or {}
    unknown = set(n_per_arm) - {ctrl.id, trt.id}
    if unknown:
        raise CalibrationError(f"{trial.id}: unknown arm(s) {sorted(unknown)} in n_per_arm (arms: {ctrl.id}, {trt.id})")
    n = []
    for arm in (ctrl, trt):
        k = n_per_arm.get(arm.id, arm.n_randomized)
        if not k or k < 1:
            raise CalibrationError(f"{trial.id}: arm {arm.id} has no n_randomized; pass n_per_arm")
        n.append(int(k))
    d = trial.design
    fu = d.min_follow_up_weeks or d.treatment_weeks
    if fu is None:
        raise CalibrationError(f"{trial.id}: design has neither min_follow_up_weeks nor treatment_weeks")
    extra = assumptions["follow_up_extra_weeks_max"]["value"] if d.event_driven else 0.0
    # event-driven without a stated minimum ("up to N weeks or until K events"): N is the maximum follow-up
    up_to = d.event_driven and d.min_follow_up_weeks is None
    if up_to:
        extra = min(float(extra), float(fu))
        fu = fu - extra
    el = trial.eligibility
    # range: eligibility widened to the published baseline range (screening and baseline EDSS can differ)
    ranges = [(b.min, b.max) for b in trial.baseline if b.characteristic == "edss"]
    lo = min([el.edss_min if el.edss_min is not None else 0.0] + [r[0] for r in ranges if r[0] is not None])
    hi = max([el.edss_max if el.edss_max is not None else 9.5] + [r[1] for r in ranges if r[1] is not None])
    b = trial.baseline_of("edss", ctrl.id) or trial.baseline_of("edss")
    notes = {}
    if b is not None and b.mean is not None and b.sd is not None:
        mean, sd = b.mean, b.sd
        notes["baseline_edss"] = f"discretized normal matching published mean {mean} and SD {sd} on [{lo}, {hi}] (eligibility range widened to the published baseline range)"
    else:
        mean = b.median if b is not None and b.median is not None else (lo + hi) / 2
        sd = (hi - lo) / 4
        notes["baseline_edss"] = (f"no published mean/SD: centred on {'the published median' if b else 'mid-range'} "
                                  f"{mean} with assumed SD (range/4 = {sd}) on [{lo}, {hi}]")
    grid, probs = edss_distribution(lo, hi, mean, sd)
    rule = unconfirmed or (d.unconfirmed_progression if d.unconfirmed_progression != "not_stated" else "censor")
    notes["unconfirmed_progression"] = (
        f"{rule} (trial rule: {d.unconfirmed_progression}); an initial worsening that cannot be confirmed because "
        "follow-up ended is " + ("counted as an event at onset" if rule == "event" else "censored"))
    notes["follow_up"] = (f"{fu:g} weeks minimum" + (f" + uniform 0-{extra:g} weeks (event-driven, staggered enrolment)"
                                                      if extra else "")
                          + (f"; treatment_weeks {d.treatment_weeks} is the maximum (no minimum follow-up stated)"
                             if up_to else "") + f"; visits every {d.visit_interval_weeks} weeks")
    design = Design((ctrl.id, trt.id), tuple(n), d.visit_interval_weeks, float(fu), float(extra), grid, probs, rule)
    return design, notes
