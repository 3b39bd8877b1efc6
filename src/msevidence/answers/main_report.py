"""The main report (progression vs walking) for one placebo-controlled trial: published evidence next to a
labelled synthetic reproduction, section by section (see notebooks/progression_vs_walking.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from msevidence.evidence import EvidenceSet, Trial, require_placebo
from msevidence.judgement.published import (
    DomainVerdict,
    bottom_line,
    certainty,
    comparison_table,
    pct,
    pct_change,
    progression_effect,
    progression_endpoint,
    provenance,
    published_progression_verdict,
    published_walking_verdict,
    relation_text,
    verdict_table,
    walking_endpoints,
    what_trials_do_not_show,
)
from msevidence.judgement.wording import assumption_name, name_arms
from msevidence.presentation.tables import details

_CODE_ASIDE = re.compile(r"\s*\([^()]*\b[a-z][a-z0-9]*_[a-z0-9_]+\b[^()]*\)")


def without_code_asides(text: str) -> str:
    """`text` without parenthetical asides that name fields or symbols (``(mu_0 of the mixture)``): those are
    for analysts reading the evidence file, not for the page."""
    return _CODE_ASIDE.sub("", text)


def _value_with_unit(value: float, unit: str) -> str:
    """An assumption's value for reading: proportions as percentages ("0.08 proportion per year" -> "8% per
    year"), other units as given."""
    if unit.startswith("proportion"):
        return f"{100 * value:g}%{unit.removeprefix('proportion')}"
    return f"{value:g} {unit}"


def _per100(count: int, n: int) -> str:
    """A count out of `n` as people out of 100 ("12 of 150" -> "8")."""
    return f"{100 * count / n:.0f}" if n else "—"


def _warnings_text(messages: tuple[str, ...]) -> str:
    """Estimation warnings recorded by the fit, as a sentence (empty when there were none)."""
    return f" Estimation warnings: {'; '.join(messages)}." if messages else ""


# -- the main report: published evidence next to a labelled synthetic reproduction ------------------------------
def _n_per_arm(trial: Trial, n_per_arm: int | None) -> dict[str, int] | None:
    return None if n_per_arm is None else {a.id: int(n_per_arm) for a in trial.arms}


@dataclass(frozen=True)
class ProgressionWalkingReport:
    """Everything the main report shows for one placebo-controlled trial, built by :func:`progression_vs_walking`.

    `progression` is a survival analysis of synthetic EDSS CDP events; `walking` a walking summary of synthetic
    visits, or None when the trial reported no T25FW result (then nothing about walking is simulated).
    """

    evidence: EvidenceSet
    trial: Trial
    parameters: dict[str, Any]
    label: str
    synthetic: Any
    progression: Any
    walking: Any | None
    confirmation_weeks: int = 12
    week: float = 120

    def drug(self, arm: str) -> str:
        """An arm by its treatment ("OCR" -> "ocrelizumab"), as every reader-facing text names it."""
        return self.trial.arm(arm).drug

    @property
    def arm_names(self) -> dict[str, str]:
        return {a.id: a.drug for a in self.trial.arms}

    # -- spine ------------------------------------------------------------------------------------------------
    def bottom_line(self) -> str:
        return bottom_line(self.trial, self.confirmation_weeks)

    def verdicts(self) -> pd.DataFrame:
        return verdict_table(self.trial, self.confirmation_weeks)

    def progression_verdict(self) -> DomainVerdict:
        return published_progression_verdict(self.trial, self.confirmation_weeks)

    def walking_verdict(self) -> DomainVerdict:
        return published_walking_verdict(self.trial)

    def synthetic_note(self) -> str:
        return (f"**About the reproduced numbers.** Numbers marked *{self.label}* come from simulated patients "
                f"whose disease course was calibrated to {self.trial.name}'s published summaries. They show that "
                "the published results can be reproduced by a simple model and let us compute what was not "
                "published; they are not patient data and add no evidence of their own.")

    def walking_model_note(self) -> str:
        """How the synthetic walking data were generated, with the model's caveat (walking terms only)."""
        c = self.synthetic.metadata.get("calibrated_params", {})
        pi, omega = c.get("walking_progressor_prob"), c.get("walking_progressor_ratio")
        mu = c.get("t25fw_progressor_log_change_per_year") or {}
        if pi is None or omega is None or self.walking is None:
            return ""
        t = self.trial
        text = (f"**How the synthetic walking data were made** (*{self.label}*). About {pct(pi, 0)} of simulated "
                f"patients on {t.control.label.lower()} and {pct(pi * omega, 0)} on {t.treatment.label} are "
                "'walking decliners' whose walk time rises steadily; the others walk at a steady pace with "
                "visit-to-visit variation. These shares are model settings chosen to reproduce the published "
                "summaries, not measurements.")
        if mu and mu["treatment"] > mu["control"]:
            text += (" To reproduce all published summaries together, the model also lets decliners on "
                     f"{t.treatment.drug} slow down faster than decliners on {t.control.drug}; that is a compromise "
                     "of this simple model, not a finding of the trial.")
        return text

    # -- disability progression ----------------------------------------------------------------------------------
    def progression_estimand(self) -> str:
        t, cw = self.trial, self.confirmation_weeks
        ep = progression_endpoint(t, cw)
        rule = {"event": "the trial counted it as confirmed", "censor": "the trial censored it",
                "not_stated": "the trial did not say how it was handled"}[t.design.unconfirmed_progression]
        used = self.synthetic.metadata.get("unconfirmed_progression", t.design.unconfirmed_progression)
        used = {"event": "counts it as confirmed", "censor": "censors it"}.get(used, used)
        return (f"**Estimand.** Time from randomization to {cw}-week confirmed disability progression on the EDSS "
                f"(an increase of at least 1.0 point if baseline EDSS was 5.5 or less, 0.5 point if above, still "
                f"present at every visit until at least {cw} weeks later), {t.treatment.label} vs "
                f"{t.control.label.lower()}, all randomized patients. Published summary: "
                f"{ep.definition.summary if ep else 'not reported'}. A progression not yet confirmed when follow-up "
                f"ended: {rule}; the reproduction {used}.")

    def progression_model(self) -> str:
        eff = progression_effect(progression_endpoint(self.trial, self.confirmation_weeks))
        c, ph = self.progression.cox, self.progression.ph_test
        return (f"**Model.** Published: {eff.method if eff and eff.method else 'not stated in the evidence store'}. "
                "Reproduced "
                f"(*{self.label}*): Kaplan-Meier curves, log-rank test and a Cox proportional-hazards model "
                f"({c.ties} ties); proportional-hazards check: {ph.message.rstrip('.')}."
                + (f" The hazard ratio could not be estimated: {c.reason}." if not c.estimable else "")
                + _warnings_text(getattr(self.progression.cox_model, "warnings_", ())))

    def progression_method(self) -> str:
        """Estimand and model, collapsed under "How this was computed" (method detail for those who want it)."""
        return details("How this was computed", self.progression_estimand() + "\n\n" + self.progression_model())

    def progression_figure(self):
        """Cumulative incidence of confirmed progression (synthetic), with numbers at risk; returns the Figure."""
        return self.progression.plot(cumulative_incidence=True, provenance=self.label, names=self.arm_names,
                                     title=f"{self.confirmation_weeks}-week confirmed disability progression (EDSS)")

    def progression_table(self) -> pd.DataFrame:
        t, res = self.trial, self.progression
        ep = progression_endpoint(t, self.confirmation_weeks)
        tr, ct = t.treatment.id, t.control.id
        cox = res.cox
        rows = []
        hr = ep.effect("hazard_ratio") if ep else None
        rows.append({"quantity": f"hazard ratio, {self.drug(tr)} vs {self.drug(ct)} (95% CI)",
                     "published": f"{hr.estimate:.2f} ({hr.ci_low:.2f} to {hr.ci_high:.2f})" if hr and hr.ci_low
                     else (f"{hr.estimate:.2f}" if hr else "not reported"),
                     "source": t.cite(hr.source) if hr else "—",
                     "reproduced": f"{cox.hr:.2f} ({cox.ci_low:.2f} to {cox.ci_high:.2f})" if cox.estimable
                     else f"not estimable: {cox.reason}"})
        rr = ep.effect("relative_reduction") if ep else None
        if rr is not None:
            rows.append({"quantity": "relative risk reduction", "published": pct(rr.estimate, 0),
                         "source": t.cite(rr.source),
                         "reproduced": f"{pct(1 - cox.hr, 0)} (1 − hazard ratio)" if cox.estimable else "not estimable"})
        for arm in (tr, ct):
            r = ep.result(arm, "proportion_with_event") if ep else None
            rows.append({"quantity": f"share with confirmed progression over the trial, {self.drug(arm)}",
                         "published": pct(r.value) if r else "not reported", "source": t.cite(r.source) if r else "—",
                         "reproduced": pct(res.events[arm] / res.n[arm])})
        for arm in (tr, ct):
            r = ep.result(arm, "km_proportion_at_week") if ep else None
            if r is None or r.week is None:
                continue
            s = float(res.km.survival_at([r.week]).set_index("arm").loc[arm, "survival"])
            rows.append({"quantity": f"share progressed by week {r.week:g} (Kaplan-Meier estimate), {self.drug(arm)}",
                         "published": pct(r.value), "source": t.cite(r.source),
                         "reproduced": "beyond follow-up" if s != s else pct(1 - s)})
        return comparison_table(rows, self.label)

    def progression_absolute(self) -> str:
        t, a = self.trial, self.progression.absolute
        ep = progression_endpoint(t, self.confirmation_weeks)
        out = []
        r_t = ep.result(t.treatment.id, "proportion_with_event") if ep else None
        r_c = ep.result(t.control.id, "proportion_with_event") if ep else None
        if r_t and r_c:
            out.append(f"Published: over the trial, about {100 * r_c.value:.0f} in 100 people on "
                       f"{t.control.drug} and {100 * r_t.value:.0f} in 100 on {t.treatment.drug} had confirmed "
                       f"progression [{t.cite(r_t.source)}] — about {100 * (r_c.value - r_t.value):.0f} fewer per 100 "
                       f"(derived: difference of the two published percentages).")
        nnt = f"; number needed to treat for one fewer progression about {a.nnt:.0f}" if a.nnt and a.nnt > 0 else ""
        out.append(f"Reproduced (*{self.label}*): by week {a.at_week:g}, {pct(a.risk_control)} on "
                   f"{t.control.drug} vs {pct(a.risk_treatment)} on {t.treatment.drug} had progressed "
                   f"(risk difference {100 * a.difference:+.1f} percentage points{nnt}).")
        return "**Absolute effects.** " + " ".join(out)

    def progression_certainty(self) -> str:
        return "**Certainty.** " + certainty(self.trial, "disability_progression", self.confirmation_weeks)

    # -- walking speed -------------------------------------------------------------------------------------------
    def walking_estimand(self) -> str:
        eps = walking_endpoints(self.trial)
        if not eps:
            return f"**Not reported in this trial.** {published_walking_verdict(self.trial).sentence}"
        d = eps[0].definition
        return (f"**Estimand.** Percent change in the time to walk 25 feet (Timed 25-Foot Walk) from baseline to "
                f"week {d.week:g}, {self.trial.treatment.label} vs {self.trial.control.label.lower()}; positive "
                f"means slower walking. Published summary: {d.summary}. The reproduced figure is the geometric-mean "
                "percent change, the closest match to a model on log-transformed times.")

    def walking_model(self) -> str:
        if self.walking is None:
            return ""
        m = self.walking.mixed_model
        text = (f"**Model.** Reproduced (*{self.label}*): {m.method}; confirmed worsening and improvement use a "
                "20% change in walk time confirmed 12 weeks later.")
        if not m.estimable:
            text += f" The walk-time ratio could not be estimated: {m.reason}."
        return text + _warnings_text(m.warnings)

    def walking_method(self) -> str:
        """Estimand, model and how the synthetic walking data were made, collapsed under "How this was computed";
        says plainly (not collapsed) when the trial reported no walking result."""
        if self.walking is None:
            return self.walking_estimand()
        parts = [self.walking_estimand(), self.walking_model(), self.walking_model_note()]
        return details("How this was computed", "\n\n".join(x for x in parts if x))

    def walking_figure(self):
        """Walk-time trajectories per arm (synthetic); None when the trial reported no T25FW result."""
        if self.walking is None:
            return None
        from msevidence.presentation.figures.walking import plot_trajectories

        return plot_trajectories(self.walking, names=self.arm_names, provenance=self.label)

    def walking_table(self) -> pd.DataFrame:
        if self.walking is None:
            return comparison_table([{"quantity": "walking speed (T25FW)", "published":
                                              "not reported in this trial", "source": "—",
                                              "reproduced": "not simulated (nothing published to reproduce)"}],
                                            self.label)
        t, w = self.trial, self.walking
        ep = walking_endpoints(t)[0]
        rows = []
        for role in ("treatment", "control"):
            a = w.arm(role)
            r = ep.result(a.arm, "mean_pct_change")
            rows.append({"quantity": f"change in walk time to week {w.week:g}, {self.drug(a.arm)}",
                         "published": pct_change(r.value) if r else "not reported",
                         "source": t.cite(r.source) if r else "—",
                         "reproduced": f"{pct_change(a.geometric_mean_pct_change)} (geometric mean)"})
        eff = ep.effect("relative_reduction")
        gt, gc = w.arm("treatment").geometric_mean_pct_change, w.arm("control").geometric_mean_pct_change
        rows.append({"quantity": "relative reduction in walk-time increase",
                     "published": pct(eff.estimate, 0) if eff else "not reported",
                     "source": t.cite(eff.source) if eff else "—", "reproduced": pct(1 - gt / gc, 0)})
        m = w.mixed_model
        rows.append({"quantity": f"ratio of walk times, {self.drug(w.treatment)} vs {self.drug(w.control)}, at week "
                                 f"{w.week:g} (95% CI; below 1: walk time grew less)",
                     "published": "not reported", "source": "—",
                     "reproduced": f"{m.ratio:.2f} ({m.ci_low:.2f} to {m.ci_high:.2f})" if m.estimable
                     else f"not estimable: {m.reason}"})
        for role in ("treatment", "control"):
            a = w.arm(role)
            rows.append({"quantity": f"confirmed ≥20% slower walking by week {w.week:g}, {self.drug(a.arm)}",
                         "published": "not reported", "source": "—", "reproduced": pct(a.worsened_20_confirmed_12w)})
        for role in ("treatment", "control"):
            a = w.arm(role)
            rows.append({"quantity": f"confirmed ≥20% faster walking by week {w.week:g}, {self.drug(a.arm)}",
                         "published": "not reported", "source": "—", "reproduced": pct(a.improved_20_confirmed_12w)})
        return comparison_table(rows, self.label)

    def walking_absolute(self) -> str:
        if self.walking is None:
            return ""
        t, c = self.walking.arm("treatment"), self.walking.arm("control")
        dt_, dc = self.trial.arm(t.arm).drug, self.trial.arm(c.arm).drug
        return (f"**Absolute effects** (*{self.label}*; not published). By week {self.walking.week:g}, about "
                f"{100 * c.worsened_20_confirmed_12w:.0f} in 100 people on {dc} and "
                f"{100 * t.worsened_20_confirmed_12w:.0f} in 100 on {dt_} walked at least 20% slower, confirmed 12 "
                f"weeks later. Average walking speed changed by {t.walking_speed_change_m_s:+.2f} m/s on {dt_} and "
                f"{c.walking_speed_change_m_s:+.2f} m/s on {dc} (negative means slower). In the synthetic data about "
                f"{100 * c.improved_20_confirmed_12w:.0f} in 100 on {dc} and {100 * t.improved_20_confirmed_12w:.0f} "
                f"in 100 on {dt_} also walked at least 20% faster at two visits in a row; this partly reflects "
                "day-to-day variation built into the model. No such proportion was published, and the trials do "
                "not show that anyone's walking improved because of treatment.\n")

    def walking_certainty(self) -> str:
        return "**Certainty.** " + certainty(self.trial, "walking_speed")

    # -- how they relate, limits, provenance -------------------------------------------------------------------
    def relation(self) -> str:
        text = relation_text(self.trial, self.confirmation_weeks)
        if self.walking is None:
            return text
        d = {x.arm: x for x in self.walking.discordance}
        parts = [f"on {self.drug(a)}, out of 100 people {_per100(x.both, x.n)} had both, {_per100(x.edss_only, x.n)} "
                 f"EDSS progression only, {_per100(x.t25fw_only, x.n)} slower walking only and "
                 f"{_per100(x.neither, x.n)} neither (the two measures agreed for {pct(x.agreement, 0)} of people)"
                 for a, x in d.items()]
        return (text + f"\n\nIn the reproduction (*{self.label}*), people with confirmed EDSS progression and "
                f"with confirmed ≥20% slower walking by week {self.walking.week:g} overlap only partly: "
                + "; ".join(parts) + ".")

    def relation_detail(self) -> str:
        """Counts and chance-corrected agreement (Cohen's kappa) behind :meth:`relation` (method detail)."""
        if self.walking is None:
            return ""
        return " ".join(f"On {self.drug(x.arm)} (N = {x.n}): both {x.both}, EDSS only {x.edss_only}, walking only "
                        f"{x.t25fw_only}, neither {x.neither}; agreement {pct(x.agreement, 0)}, Cohen's kappa "
                        + (f"{x.kappa:.2f}." if x.kappa == x.kappa else "not estimable (one outcome never or always "
                           "occurred).") for x in self.walking.discordance)

    def relation_figure(self):
        if self.walking is None:
            return None
        from msevidence.presentation.figures.walking import plot_discordance

        return plot_discordance(self.walking, provenance=self.label, names=self.arm_names)

    def limits(self) -> str:
        return "\n".join(f"- {without_code_asides(x)}" for x in what_trials_do_not_show(self.evidence, self.trial))

    def provenance(self) -> pd.DataFrame:
        return provenance(self.evidence, [self.trial.id], self.parameters, self.label)

    def calibration(self) -> pd.DataFrame:
        """How closely the SYNTHETIC trials match each published target (mean and spread over replicates)."""
        c = self.synthetic.calibration

        def fmt(v: float) -> str:
            return "—" if pd.isna(v) else f"{v:.3g}"

        return pd.DataFrame({
            "target": [self._plain(x) for x in c["target"]],
            "published": c["published"].map(fmt),
            "synthetic, mean over replicates": c["achieved_mean"].map(fmt),
            "synthetic, 95% of single trials": [f"{fmt(lo)} to {fmt(hi)}" if pd.notna(lo) else "—"
                                               for lo, hi in zip(c["achieved_low"], c["achieved_high"], strict=True)],
            "tolerance": c["tolerance"].map(lambda v: "—" if pd.isna(v) else f"±{v:g}"),
            "met": [("yes" if m else "NO") if st == "calibrated" else st.replace("_", " ")
                    for m, st in zip(c["met"], c["status"], strict=True)],
            "source": c["source"],
        })

    def calibration_summary(self) -> str:
        """One plain sentence on how many published targets the synthetic trials reproduce."""
        c = self.synthetic.calibration
        cal = c[c["status"] == "calibrated"]
        met = int(cal["met"].astype(bool).sum())
        other = len(c) - len(cal)
        return (f"The simulated trials were tuned to {len(cal)} published numbers of {self.trial.name} and "
                f"reproduce {met} of them within the tolerance set for each"
                + (f"; {other} further published numbers are shown for comparison only" if other else "")
                + ". The table under *How the simulation was checked* lists each one.")

    def _plain(self, text: str) -> str:
        """Reader's words for a technical label: arms by treatment, quoted endpoint ids by their label."""
        def label(m: re.Match) -> str:
            ep = next((e for e in self.trial.endpoints if e.id == m.group(1)), None)
            return f"“{ep.label}”" if ep else m.group(0)

        return name_arms(re.sub(r"'([a-z0-9_]+)'", label, text), self.trial, self.evidence)

    def assumptions(self) -> pd.DataFrame:
        """Numbers the generator needs that were never published: named ASSUMPTIONS, each with its rationale."""
        rows = [{"assumption": assumption_name(k), "value": _value_with_unit(a["value"], a["unit"]),
                 "taken from": f"{self._trial_name(a.get('from', ''))} evidence file",
                 "rationale": without_code_asides(a["rationale"])}
                for k, a in self.synthetic.metadata["assumptions"].items()]
        return pd.DataFrame(rows)

    def assumption_ids(self) -> str:
        """Markdown: which evidence-file name each assumption has (for analysts who want to change one)."""
        return "Names in the evidence file: " + "; ".join(
            f"{assumption_name(k)}: `{k}`" for k in self.synthetic.metadata["assumptions"]) + "."

    def _trial_name(self, source: str) -> str:
        tid, _, rest = source.partition(" ")
        return (self.evidence[tid].name + (f" {rest}" if rest else "")) if tid in self.evidence else source

    def record(self) -> dict[str, Any]:
        """The report's key numbers, recorded in the notebook's outputs (see :func:`msevidence.presentation.record.record`)."""
        from msevidence.presentation.record import record

        pv, wv = self.progression_verdict(), self.walking_verdict()
        values = {
            "trial": self.trial.id, "parameters": self.parameters, "label": self.label,
            "evidence_sha256": self.evidence.sha256(self.trial.id),
            "published": {"progression": pv.numbers, "walking": wv.numbers},
            "verdicts": {"disability_progression": pv.verdict, "walking_speed": wv.verdict},
            "reproduced": {"progression": self.progression.to_json(),
                           "walking": None if self.walking is None else self.walking.to_json()},
        }
        for k, v in values.items():
            record(k, v)
        return values


def progression_vs_walking(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
                           confirmation_weeks: int = 12, week: float = 120) -> ProgressionWalkingReport:
    """Simulate a labelled synthetic trial calibrated to `trial`, analyse both domains, and bundle the report.

    Refuses a trial that is not placebo-controlled (:func:`msevidence.evidence.require_placebo`).
    """
    from msevidence.models.survival import analyze
    from msevidence.models.walking import summarize_walking
    from msevidence.synthetic import simulate_trial

    t = require_placebo(ev[trial], "the main report")
    syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev)
    label = syn.label.replace(t.id, t.name)
    cdp = analyze(syn.events, f"cdp{confirmation_weeks}_edss", treatment=t.treatment.id, control=t.control.id,
                  at=week, data_provenance=label)
    walk = (summarize_walking(syn.visits, week=week, treatment=t.treatment.id, control=t.control.id,
                              data_provenance=label) if walking_endpoints(t) else None)
    params = {"trial": trial, "seed": seed, "n_per_arm": n_per_arm, "confirmation_weeks": confirmation_weeks,
              "week": week}
    return ProgressionWalkingReport(ev, t, params, label, syn, cdp, walk, confirmation_weeks, week)


def events_for(ev: EvidenceSet, trial: str, endpoint: str, data_source: str = "synthetic", seed: int = 1,
               n_per_arm: int | None = None, unconfirmed_progression: str | None = None) -> tuple[pd.DataFrame, str]:
    """Patient-level events for one endpoint and the label that must accompany them.

    `data_source` is "synthetic" (simulated, calibrated to the published summaries) or "reconstructed"
    (from digitized Kaplan-Meier curves, Guyot et al. 2012).
    """
    t = ev[trial]
    if data_source == "synthetic":
        from msevidence.synthetic import simulate_trial

        syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev,
                             unconfirmed_progression=unconfirmed_progression)
        events = syn.events[syn.events["endpoint"] == endpoint]
        if events.empty:
            raise ValueError(f"synthetic {t.id} has no endpoint {endpoint!r} "
                             f"(has: {', '.join(sorted(syn.events['endpoint'].unique()))})")
        return events.reset_index(drop=True), syn.label
    if data_source == "reconstructed":
        from msevidence.reconstruct import reconstruct_trial

        rec = reconstruct_trial(t, endpoint, evidence=ev)
        return rec.events_, rec.label_
    raise ValueError(f"data_source must be 'synthetic' or 'reconstructed', not {data_source!r}")


def reconstruction_for(ev: EvidenceSet, trial: str, endpoint: str):
    """(fitted KMReconstruction or None, a sentence for the reader): what the reconstructed path can show.

    None with a plain explanation when the trial has no digitized curve for the endpoint; the sentence says
    plainly when the curve is a SYNTHETIC example rather than a published figure.
    """
    from msevidence.reconstruct.trial import curves_for, no_curve_message, reconstruct_trial

    t = ev[trial]
    curves = curves_for(t, endpoint)
    if not curves:
        return None, no_curve_message(t, endpoint)
    rec = reconstruct_trial(t, endpoint, evidence=ev)
    if all(c.example for c in curves):
        what = ("**This curve is an example, not a published figure**: it was made from SYNTHETIC (simulated) "
                f"{t.name} data and clicked as a digitizer would, because no published {t.name} Kaplan-Meier curve "
                "has been digitized yet. Everything below shows how the method works, not what the trial found.")
    else:
        what = f"The curve was digitized from a published {t.name} figure (see the evidence file's `curves:`)."
    return rec, f"**Data:** {rec.label_}. {what}"


@dataclass(frozen=True)
class TimeToEventData:
    """Events for one endpoint (None when there are none to analyse), their label, a sentence for the reader,
    and the reconstruction behind them (reconstructed data only)."""

    events: pd.DataFrame | None
    label: str | None
    message: str
    reconstruction: object | None = None


def time_to_event_data(ev: EvidenceSet, trial: str, endpoint: str, data_source: str = "synthetic", seed: int = 1,
                       n_per_arm: int | None = None, unconfirmed_progression: str | None = None) -> TimeToEventData:
    """What the time-to-progression notebook analyses: synthetic events, or reconstructed ones when the trial
    has a digitized curve (otherwise no events and a plain sentence saying why)."""
    if data_source == "reconstructed":
        rec, message = reconstruction_for(ev, trial, endpoint)
        if rec is None:
            return TimeToEventData(None, None, message)
        return TimeToEventData(rec.events_, rec.label_, message + f" **Endpoint:** `{endpoint}`.", rec)
    events, label = events_for(ev, trial, endpoint, data_source, seed=seed, n_per_arm=n_per_arm,
                               unconfirmed_progression=unconfirmed_progression)
    return TimeToEventData(events, label, f"**Data:** {label}. **Endpoint:** `{endpoint}`.")


def walking_reproduction(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
                         week: float = 120, unconfirmed_at_end: str = "censor"):
    """A walking summary of a synthetic trial calibrated to `trial`; refuses trials with no T25FW result."""
    from msevidence.models.walking import summarize_walking
    from msevidence.synthetic import simulate_trial

    t = ev[trial]
    if not walking_endpoints(t):
        raise ValueError(f"{t.id} reports no walking speed (T25FW) result: there is nothing to reproduce, "
                         "and simulating walking would invent it")
    syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev)
    return summarize_walking(syn.visits, week=week, treatment=t.treatment.id, control=t.control.id,
                             unconfirmed_at_end=unconfirmed_at_end, data_provenance=syn.label)
