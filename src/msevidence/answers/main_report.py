"""The main report (progression vs walking) for one placebo-controlled trial, rendered from its typed answer
(:mod:`msevidence.answers.trial_answer`): published evidence is the answer, a labelled synthetic reproduction
illustrates it (see notebooks/progression_vs_walking.py). Nothing here re-picks an effect or re-decides a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from msevidence import formatting as fmt
from msevidence.answers import synthetic_notes as notes
from msevidence.answers.reproduce import ReproducedTrial, reproduce
from msevidence.answers.synthetic_notes import without_code_asides
from msevidence.answers.trial_answer import EndpointAnswer, TrialAnswer, trial_answer
from msevidence.evidence import EvidenceSet, Trial, require_placebo
from msevidence.judgement.published import (
    BETTER,
    LESS,
    MISSING,
    MORE,
    SAME,
    DomainVerdict,
    provenance,
    walking_endpoints,
    what_trials_do_not_show,
)
from msevidence.presentation.tables import details

CERTAINTY_WORDS = {"high": "high. More research is very unlikely to change this result",
                   "moderate": "moderate. The true effect is probably close to this, but it could be different",
                   "low": "low. The true effect may be quite different",
                   "very low": "very low. We are very unsure about this result"}


def _warnings_text(messages: tuple[str, ...]) -> str:
    """Estimation warnings recorded by the fit, as a sentence (empty when there were none)."""
    return f" Estimation warnings: {'; '.join(messages)}." if messages else ""


def _per100(count: int, n: int) -> str:
    return fmt.per(count / n, 100) if n else "—"


@dataclass(frozen=True)
class ProgressionWalkingReport:
    """Everything the main report shows for one placebo-controlled trial, built by :func:`progression_vs_walking`:
    the typed `answer` (published evidence, the page's answer) and the labelled synthetic `reproduced` trial."""

    evidence: EvidenceSet
    trial: Trial
    parameters: dict[str, Any]
    answer: TrialAnswer
    reproduced: ReproducedTrial
    confirmation_weeks: int = 12
    week: float = 120

    @property
    def label(self) -> str:
        return self.reproduced.label

    @property
    def synthetic(self):
        return self.reproduced.synthetic

    @property
    def progression(self):
        return self.reproduced.progression

    @property
    def walking(self):
        return self.reproduced.walking

    @property
    def arm_names(self) -> dict[str, str]:
        return {a.id: a.drug for a in self.trial.arms}

    def drug(self, arm: str) -> str:
        """An arm by its treatment ("OCR" -> "ocrelizumab"), as every reader-facing text names it."""
        return self.trial.arm(arm).drug

    # -- spine ------------------------------------------------------------------------------------------------
    def bottom_line(self) -> str:
        """The plain answer first (:func:`plain_answer`)."""
        return plain_answer(self.answer, self.trial)

    def verdicts(self) -> pd.DataFrame:
        """One row per domain: the verdict (from the answer) and its sources."""
        rows = [self.answer.domains[d] for d in ("disability_progression", "walking_speed")]
        titles = {"disability_progression": "Disability getting worse (EDSS)",
                  "walking_speed": "Walking speed (25-foot walk)"}
        return pd.DataFrame([{"Question": titles[v.domain], "What the trial shows": str(v.verdict),
                              "Outcome": self.trial.endpoint(v.endpoint).label if v.endpoint else "—",
                              "Certainty": self._level(v.domain), "Source": "; ".join(v.citations) or "—"}
                             for v in rows])

    def _level(self, domain: str) -> str:
        e = self.answer.main(domain)
        return e.certainty if e is not None else "—"

    def progression_verdict(self) -> DomainVerdict:
        return self.answer.domains["disability_progression"]

    def walking_verdict(self) -> DomainVerdict:
        return self.answer.domains["walking_speed"]

    def synthetic_note(self) -> str:
        return notes.synthetic_note(self.trial, self.answer.reproduction)

    def walking_model_note(self) -> str:
        return notes.walking_model_note(self.trial, self.synthetic, self.label) if self.walking is not None else ""

    # -- disability progression ----------------------------------------------------------------------------------
    def progression_estimand(self) -> str:
        t, cw = self.trial, self.confirmation_weeks
        eid = self.progression_verdict().endpoint  # the answer's endpoint, not picked again
        ep = t.endpoint(eid) if eid else None
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
        e = self.answer.main("disability_progression")
        eff = self.trial.endpoint(e.endpoint).effect(e.main_effect.statistic) if e and e.main_effect else None
        c, ph = self.progression.cox, self.progression.ph_test
        return (f"**Model.** Published: {eff.method if eff and eff.method else 'not stated in the evidence store'}. "
                f"Reproduced (*{self.label}*): Kaplan-Meier curves, log-rank test and a Cox proportional-hazards "
                f"model ({c.ties} ties); proportional-hazards check: {ph.message.rstrip('.')}."
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
        """Published next to reproduced (the answer's one comparison table)."""
        return self.answer.comparison_frame("disability_progression")

    def progression_absolute(self) -> str:
        """What happened to 100 people in the trial (published risks of both groups; lay view)."""
        e = self.answer.main("disability_progression")
        if e is None or not e.absolute.observed:
            return ("**Out of 100 people.** The trial did not publish how many people in each group got worse, "
                    "so this page does not say it.")
        a, t = e.absolute, self.trial
        when = f"by week {a.week:g}" if a.week is not None else "during the trial"
        fewer = fmt.per(-a.difference, 100)
        return (f"**Out of 100 people.** In the trial, about {fmt.per(a.control_risk, 100)} in 100 people on "
                f"{t.control.drug} and {fmt.per(a.treatment_risk, 100)} in 100 on Ocrevus got worse {when}. That "
                f"is about {fewer} fewer in 100 with Ocrevus [{'; '.join(a.sources)}].")

    def progression_absolute_derived(self) -> str:
        """Analyst view: the risk expected from the hazard ratio (derived) and the synthetic risks, labelled."""
        e = self.answer.main("disability_progression")
        out = []
        if e is not None and e.absolute.derived_treatment_risk is not None:
            a = e.absolute
            out.append(f"Expected from the hazard ratio (derived, GRADE guideline 27): {fmt.per(a.control_risk)} vs "
                       f"{fmt.per(a.derived_treatment_risk)} per 1,000 ({fmt.people(1000 * a.derived_difference)} "
                       f"{'fewer' if a.derived_difference < 0 else 'more'}); {a.derived_reason}.")
        r = self.progression.absolute
        crosses = not (r.ci_high < 0 or r.ci_low > 0)
        out.append(f"Reproduced (*{self.label}*, an illustration): by week {r.at_week:g}, {fmt.percent(r.risk_control)} "
                   f"on {self.trial.control.drug} vs {fmt.percent(r.risk_treatment)} on {self.trial.treatment.drug} "
                   f"had progressed ({fmt.points(r.difference)}; number needed to treat "
                   f"{fmt.nnt(r.risk_control, r.risk_treatment, crosses)}).")
        return "**Absolute effects, analyst view.** " + " ".join(out)

    def _certainty(self, domain: str) -> str:
        e = self.answer.main(domain)
        if e is None:
            return "**How sure can we be?** There is no published result to be sure about."
        return (f"**How sure can we be?** Our confidence in this result is {CERTAINTY_WORDS[e.certainty]}.\n\n"
                + details("Why", "; ".join(e.certainty_reasons).capitalize() + "." if e.certainty_reasons
                          else "No reason to lower it."))

    def progression_certainty(self) -> str:
        return self._certainty("disability_progression")

    # -- walking speed -------------------------------------------------------------------------------------------
    def walking_estimand(self) -> str:
        eps = walking_endpoints(self.trial)
        if not eps:
            return f"**Not reported in this trial.** {self.walking_verdict().sentence}"
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
        """Published next to reproduced (the answer's one comparison table)."""
        if self.walking is None:
            return pd.DataFrame([{"quantity": "walking speed (25-foot walk)", "published": "not reported in this "
                                  "trial", "source": "—", f"reproduced — {self.label}": "not simulated"}]
                                ).set_index("quantity")
        return self.answer.comparison_frame("walking_speed")

    def walking_absolute(self) -> str:
        """Analyst view: synthetic shares walking slower or faster (never published), with the calibration miss."""
        if self.walking is None:
            return ""
        t, c = self.walking.arm("treatment"), self.walking.arm("control")
        dt_, dc = self.trial.arm(t.arm).drug, self.trial.arm(c.arm).drug
        rep = self.answer.reproduction
        miss = f" {rep.note}" if rep is not None and not rep.agrees else ""
        return (f"**Simulated shares** (*{self.label}*; an illustration, never published). By week "
                f"{self.walking.week:g}, about {fmt.per(c.worsened_20_confirmed_12w, 100)} in 100 simulated people on "
                f"{dc} and {fmt.per(t.worsened_20_confirmed_12w, 100)} in 100 on {dt_} walked at least 20% slower, "
                f"confirmed 12 weeks later; {fmt.per(c.improved_20_confirmed_12w, 100)} and "
                f"{fmt.per(t.improved_20_confirmed_12w, 100)} in 100 walked at least 20% faster at two visits in a "
                "row, which partly reflects day-to-day variation built into the model. Average walking speed "
                f"changed by {fmt.fixed(t.walking_speed_change_m_s, 2, signed=True)} m/s on {dt_} and {fmt.fixed(c.walking_speed_change_m_s, 2, signed=True)} "
                f"m/s on {dc}.{miss}\n")

    def walking_plain(self) -> str:
        """Lay view: the published walking result in short sentences (numbers from the answer)."""
        w = self.answer.domains["walking_speed"]
        n = w.numbers
        if w.verdict == MISSING or "pct_change_treatment" not in n:
            return f"**In the trial.** {w.sentence}"
        return (f"**In the trial.** By week {n['week']:g}, the time to walk 25 feet went up by about "
                f"{fmt.percent(abs(n['pct_change_treatment']) / 100, 0)} with Ocrevus and by about "
                f"{fmt.percent(abs(n['pct_change_control']) / 100, 0)} with {self.trial.control.drug}. A longer time "
                "means slower walking. So walking got slower in both groups, but less with Ocrevus.")

    def walking_certainty(self) -> str:
        return self._certainty("walking_speed")

    # -- how they relate, limits, provenance -------------------------------------------------------------------
    def relation(self) -> str:
        """Lay view: the two measures are different; one does not stand in for the other."""
        if self.answer.domains["walking_speed"].verdict == MISSING:
            return (f"{self.trial.name} reported only disability getting worse. It says nothing about how that "
                    "relates to walking speed.")
        return ("The EDSS and the 25-foot walk measure different things. The EDSS is a score a doctor gives. In "
                "this range it depends mostly on how far a person can walk, and with what help. The 25-foot walk "
                "times a short walk in seconds. A person can get worse on one and not on the other. So one result "
                "does not stand in for the other.")

    def relation_detail(self) -> str:
        """Analyst view: how the simulated people overlap, with the chance-corrected agreement (kappa)."""
        if self.walking is None:
            return ""
        parts = [f"on {self.drug(x.arm)} (N = {x.n}), out of 100 people {_per100(x.both, x.n)} had both, "
                 f"{_per100(x.edss_only, x.n)} EDSS progression only, {_per100(x.t25fw_only, x.n)} slower walking "
                 f"only and {_per100(x.neither, x.n)} neither; agreement {fmt.percent(x.agreement, 0)}, Cohen's "
                 f"kappa {fmt.ratio(x.kappa) if x.kappa == x.kappa else 'not estimable'}"
                 for x in self.walking.discordance]
        return (f"In the reproduction (*{self.label}*, an illustration), confirmed EDSS progression and confirmed "
                f"≥20% slower walking by week {self.walking.week:g} overlap only partly: " + "; ".join(parts) + ".")

    def relation_figure(self):
        if self.walking is None:
            return None
        from msevidence.presentation.figures.walking import plot_discordance

        return plot_discordance(self.walking, provenance=self.label, names=self.arm_names)

    def limits(self) -> str:
        return "\n".join(f"- {without_code_asides(x)}" for x in what_trials_do_not_show(self.evidence, self.trial,
                                                                                      self.walking_verdict()))

    def provenance(self) -> pd.DataFrame:
        return provenance(self.evidence, [self.trial.id], self.parameters, self.label)

    def calibration(self) -> pd.DataFrame:
        """How closely the SYNTHETIC trials match each published target (mean and spread over replicates)."""
        return notes.calibration_frame(self.trial, self.evidence, self.synthetic)

    def calibration_summary(self) -> str:
        return notes.calibration_summary(self.trial, self.answer.reproduction)

    def assumptions(self) -> pd.DataFrame:
        return notes.assumptions_frame(self.evidence, self.synthetic)

    def assumption_ids(self) -> str:
        return notes.assumption_ids(self.synthetic)

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
            "answer": self.answer.to_json(),
        }
        for k, v in values.items():
            record(k, v)
        return values


def _risks(trial: Trial, e: EndpointAnswer | None) -> str:
    a = e.absolute if e is not None else None
    if a is None or not a.observed:
        return ""
    when = f"by week {a.week:g}" if a.week is not None else "during the trial"
    return (f" {when.capitalize()}, {fmt.per(a.treatment_risk, 100)} in 100 people on Ocrevus and "
            f"{fmt.per(a.control_risk, 100)} in 100 on {trial.control.drug} got worse in the trial.")


def plain_answer(a: TrialAnswer, t: Trial) -> str:
    """Markdown: the plain answer first, Ocrevus named, one short paragraph per question, from the published
    evidence only (the published sentences with their numbers and sources sit in a collapsed section)."""
    w, p = a.domains["walking_speed"], a.domains["disability_progression"]
    walk = {
        LESS: "Walking got slower in both groups. It got slower more slowly with Ocrevus. On average, "
              "nobody's walking got better.",
        BETTER: "On average, walking got faster with Ocrevus.",
        SAME: "The trial did not show a clear difference in walking speed.",
        MORE: "Walking got slower faster with Ocrevus.",
        MISSING: "This trial did not report walking speed, so it cannot answer this.",
    }[w.verdict]
    prog = {
        LESS: "Fewer people had their disability get worse and stay worse with Ocrevus.",
        SAME: "The trial did not show a clear difference in how many people got worse.",
        MORE: "More people had their disability get worse with Ocrevus.",
        MISSING: "This trial did not report it.",
        BETTER: "On average, disability got better with Ocrevus.",
    }[p.verdict] + _risks(t, a.main("disability_progression"))
    who = t.population.split(" (")[0]
    return (f"**The question.** Does {a.brand} help people with {who[:1].lower() + who[1:]} to walk? "
            f"{t.name} compared it with {t.control.drug}.\n\n"
            f"**Walking speed.** {walk}\n\n"
            f"**Disability getting worse** (a separate question). {prog}\n\n"
            + details("The published numbers behind this answer", f"{w.sentence}\n\n{p.sentence}"))


def progression_vs_walking(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
                           confirmation_weeks: int = 12, week: float = 120) -> ProgressionWalkingReport:
    """Build the trial's answer once, with a labelled synthetic reproduction, and bundle the report.

    Refuses a trial that is not placebo-controlled (:func:`msevidence.evidence.require_placebo`).
    """
    t = require_placebo(ev[trial], "the main report")
    rep = reproduce(ev, t, seed, n_per_arm, confirmation_weeks, week)
    params = {"trial": trial, "seed": seed, "n_per_arm": n_per_arm, "confirmation_weeks": confirmation_weeks,
              "week": week}
    answer = trial_answer(ev, trial, confirmation_weeks, rep)
    return ProgressionWalkingReport(ev, t, params, answer, rep, confirmation_weeks, week)
