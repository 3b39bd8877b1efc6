"""Plain-language report text built from the evidence store and computed results (never typed numbers).

The report spine (DESIGN.md): bottom line; disability progression (EDSS); walking speed (T25FW); how they
relate; what the trials do not show; provenance. Each domain gets a verdict — ``less worsening``,
``no difference shown``, ``more worsening``, ``improvement`` or ``not reported`` — because slowing of
worsening is not improvement. Published numbers carry their citation; synthetic numbers carry their label.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from .evidence import EvidenceSet, Trial
from .evidence.schema import Effect, Endpoint

LESS, SAME, MORE, BETTER, MISSING = ("less worsening", "no difference shown", "more worsening", "improvement",
                                     "not reported")
DOMAIN_TITLES = {"disability_progression": "Disability progression (EDSS)", "walking_speed": "Walking speed (T25FW)"}


# -- formatting -------------------------------------------------------------------------------------------
def pct(fraction: float | None, digits: int = 1) -> str:
    """0.329 -> '32.9%'."""
    return "n/a" if fraction is None else f"{100 * fraction:.{digits}f}%"


def pct_change(value: float | None, digits: int = 1) -> str:
    """A percent change already in percent: 38.9 -> '+38.9%'."""
    return "n/a" if value is None else f"{value:+.{digits}f}%"


def ratio_text(e: Effect | dict, name: str = "hazard ratio") -> str:
    """'hazard ratio 0.76 (95% CI 0.59 to 0.98; p = 0.03)' from an Effect or a dict with the same keys."""
    g = e.get if isinstance(e, dict) else lambda k, d=None: getattr(e, k, d)
    est, lo, hi, p = g("estimate", g("hr")), g("ci_low"), g("ci_high"), g("p")
    ci = f" (95% CI {lo:.2f} to {hi:.2f}" if lo is not None and hi is not None else " (CI not published"
    rel = g("p_relation", "=") or "="
    pv = "" if p is None else f"; p {rel} {_p(p)}"
    return f"{name} {est:.2f}{ci}{pv})"


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _moved(v: float) -> str:
    return f"rose by {v:.1f}%" if v > 0 else f"fell by {-v:.1f}%" if v < 0 else "did not change"


def _p(p: float) -> str:
    return f"{p:.3f}" if p < 0.01 else f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def md_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (no tabulate dependency)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |" for row in df.itertuples(False)]
    return "\n".join(lines)


# -- finding the evidence for each domain ---------------------------------------------------------------------
def progression_endpoint(trial: Trial, confirmation_weeks: int | None = 12) -> Endpoint | None:
    """The trial's EDSS confirmed-disability-progression endpoint (not a milestone such as EDSS >= 7).

    `confirmation_weeks=None` accepts any confirmation window (shortest first).
    """
    found = [e for e in trial.find_endpoints(scale="EDSS", analysis="time_to_event")
             if e.definition.milestone is None and e.domain == "disability_progression"
             and confirmation_weeks in (None, e.definition.confirmation_weeks)]
    found.sort(key=lambda e: e.definition.confirmation_weeks or 0)
    return sorted(found, key=lambda e: (not e.primary, e.definition.period != "double-blind"))[0] if found else None


def walking_endpoints(trial: Trial) -> list[Endpoint]:
    """The trial's T25FW endpoints (walking speed domain), percent change first."""
    found = [e for e in trial.endpoints if e.domain == "walking_speed"]
    return sorted(found, key=lambda e: e.definition.analysis != "change_from_baseline")


def _ratio_verdict(e: Effect) -> str:
    """Verdict for a ratio of a harm (progression, worsening): < 1 means less worsening."""
    if e.ci_low is not None and e.ci_high is not None:
        return LESS if e.ci_high < 1 else MORE if e.ci_low > 1 else SAME
    significant = e.p is not None and (e.p < 0.05 or (e.p_relation == "<" and e.p <= 0.05))
    return SAME if not significant else LESS if e.estimate < 1 else MORE


@dataclass(frozen=True)
class DomainVerdict:
    """What the published evidence shows in one domain of one trial, in plain words, with its sources."""

    trial: str
    domain: str
    verdict: str
    sentence: str
    endpoint: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    citations: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"trial": self.trial, "domain": self.domain, "verdict": self.verdict,
                              "endpoint": self.endpoint, "sentence": self.sentence,
                              "sources": "; ".join(self.citations)}])


def progression_effect(ep: Endpoint | None) -> Effect | None:
    """The endpoint's hazard ratio, else its relative risk reduction, else None."""
    return None if ep is None else ep.effect("hazard_ratio") or ep.effect("relative_reduction")


def progression_verdict(trial: Trial, confirmation_weeks: int = 12) -> DomainVerdict:
    """Published EDSS CDP result of `trial` as a verdict and a sentence (hazard ratio, else relative reduction)."""
    ep = progression_endpoint(trial, confirmation_weeks) or progression_endpoint(trial, None)
    eff = progression_effect(ep)
    if eff is None:
        return DomainVerdict(trial.id, "disability_progression", MISSING,
                             f"{trial.name} did not report a {confirmation_weeks}-week confirmed disability "
                             "progression result.")
    tr, ct = eff.treatment, eff.control
    if eff.statistic == "hazard_ratio":
        verdict, effect_text = _ratio_verdict(eff), ratio_text(eff)
        nums: dict[str, Any] = {"hr": eff.estimate, "ci_low": eff.ci_low, "ci_high": eff.ci_high, "p": eff.p}
    else:
        significant = eff.p is not None and eff.p < 0.05
        verdict = SAME if not significant else LESS if eff.estimate > 0 else MORE
        pv = "" if eff.p is None else f"; p {eff.p_relation} {_p(eff.p)}"
        effect_text = f"a {pct(eff.estimate, 0)} lower risk (relative risk reduction{pv}; no hazard ratio published)"
        nums = {"relative_reduction": eff.estimate, "p": eff.p}
    cites = [trial.cite(eff.source)]
    words = {LESS: "slowed", SAME: "did not clearly change", MORE: "sped up"}[verdict]
    s = (f"In {trial.name}, {trial.arm(tr).drug} {words} {ep.definition.confirmation_weeks}-week confirmed "
         f"disability progression on the EDSS ({ep.definition.period}) compared with {trial.arm(ct).label.lower()}: {effect_text} [{cites[0]}].")
    r_t, r_c = ep.result(tr, "proportion_with_event"), ep.result(ct, "proportion_with_event")
    if r_t and r_c:
        cites.append(trial.cite(r_t.source))
        s += (f" Over the trial, {pct(r_t.value)} of people on {trial.arm(tr).drug} and {pct(r_c.value)} on "
              f"{trial.arm(ct).drug} had confirmed progression [{cites[-1]}].")
        nums |= {"proportion_treatment": r_t.value, "proportion_control": r_c.value}
    return DomainVerdict(trial.id, "disability_progression", verdict, s, ep.id, nums, tuple(dict.fromkeys(cites)))


def walking_verdict(trial: Trial) -> DomainVerdict:
    """Published T25FW result of `trial` as a verdict and a sentence; says plainly when it was not reported."""
    eps = walking_endpoints(trial)
    if not eps:
        return DomainVerdict(trial.id, "walking_speed", MISSING,
                             f"Walking speed (Timed 25-Foot Walk) was not reported in {trial.name}: the evidence "
                             "store holds no T25FW result for this trial, so this report says nothing about it.")
    ep = eps[0]
    tr, ct = trial.treatment.id, trial.control.id
    r_t, r_c = ep.result(tr, "mean_pct_change"), ep.result(ct, "mean_pct_change")
    eff = next((e for e in ep.effects), None)
    cites = [trial.cite(x.source) for x in (r_t, eff) if x is not None]
    if r_t is None or r_c is None:  # a time-to-event T25FW endpoint
        if eff is None:
            return DomainVerdict(trial.id, "walking_speed", MISSING,
                                 f"{trial.name} reports {_lower(ep.label)} without a number.", ep.id)
        v = _ratio_verdict(eff) if eff.statistic.endswith("ratio") else SAME
        s = f"In {trial.name}, {_lower(ep.label)}: {ratio_text(eff, eff.statistic.replace('_', ' '))} [{cites[0]}]."
        if v == LESS:
            s += " Fewer people had confirmed slower walking: that is less worsening, not improvement."
        return DomainVerdict(trial.id, "walking_speed", v, s, ep.id, {"estimate": eff.estimate}, tuple(cites))
    significant = eff is not None and eff.p is not None and eff.p < 0.05
    slower_both = r_t.value > 0 and r_c.value > 0
    if r_t.value < 0 and significant:
        verdict = BETTER
    elif significant:
        verdict = LESS if r_t.value < r_c.value else MORE
    else:
        verdict = SAME
    week = int(r_t.week or ep.definition.week or 0)
    s = (f"In {trial.name}, the time to walk 25 feet {_moved(r_t.value)} with "
         f"{trial.arm(tr).drug} and {_moved(r_c.value).replace('rose by ', 'by ')} with {trial.arm(ct).drug} from baseline to week "
         f"{week} [{cites[0]}]")
    s += (": walking got slower in both groups" if slower_both else "") + "."
    if eff is not None and eff.p is not None:
        s += f" The difference between groups was statistically significant (p {eff.p_relation} {_p(eff.p)}) " \
             f"[{trial.cite(eff.source)}]." if significant else " The difference was not statistically significant."
    if verdict == LESS:
        s += " That is less worsening, not improvement: on average, walking did not get better."
    nums = {"pct_change_treatment": r_t.value, "pct_change_control": r_c.value, "week": week,
            "p": eff.p if eff else None}
    return DomainVerdict(trial.id, "walking_speed", verdict, s, ep.id, nums, tuple(dict.fromkeys(cites)))


# -- the spine ----------------------------------------------------------------------------------------------
def bottom_line(trial: Trial, confirmation_weeks: int = 12) -> str:
    """Markdown: a plain answer to "does it help me walk?", then disability progression, for one trial."""
    w, p = walking_verdict(trial), progression_verdict(trial, confirmation_weeks)
    drug = trial.treatment.drug
    answer = {
        LESS: f"**Does {drug} help walking?** Not in the sense of walking better. {w.sentence}",
        BETTER: f"**Does {drug} help walking?** On average, walking improved. {w.sentence}",
        SAME: f"**Does {drug} help walking?** The trial did not show a difference in walking speed. {w.sentence}",
        MORE: f"**Does {drug} help walking?** Walking worsened more with {drug}. {w.sentence}",
        MISSING: f"**Does {drug} help walking?** This trial cannot say. {w.sentence}",
    }[w.verdict]
    prog = {LESS: f"**Disability progression** (a separate question) was slowed. {p.sentence}",
            SAME: f"**Disability progression** (a separate question) was not clearly changed. {p.sentence}",
            MORE: f"**Disability progression** (a separate question) was faster. {p.sentence}",
            MISSING: f"**Disability progression** (a separate question): {p.sentence}"}[p.verdict]
    pop = f"*{trial.name}: {trial.population}, {trial.treatment.label} vs {trial.control.label.lower()}.*"
    return f"{pop}\n\n{answer}\n\n{prog}"


def verdict_table(trial: Trial, confirmation_weeks: int = 12) -> pd.DataFrame:
    """One row per domain: the verdict and its sources."""
    rows = [progression_verdict(trial, confirmation_weeks), walking_verdict(trial)]
    return pd.DataFrame([{"Domain": DOMAIN_TITLES[v.domain], "What the trial shows": v.verdict,
                          "Endpoint": v.endpoint or "—", "Source": "; ".join(v.citations) or "—"}
                         for v in rows]).set_index("Domain")


def certainty(trial: Trial, domain: str, confirmation_weeks: int = 12) -> str:
    """A short, rule-based statement of how sure the evidence is (one trial, CI near 1, abstract-only source)."""
    v = progression_verdict(trial, confirmation_weeks) if domain == "disability_progression" else walking_verdict(trial)
    if v.verdict == MISSING:
        return "No evidence: not reported."
    parts = [f"One randomized {trial.comparator}-controlled trial ({trial.name})."]
    ep = trial.endpoint(v.endpoint)
    eff = progression_effect(ep) or next(iter(ep.effects), None)
    if eff is not None and eff.ci_high is not None and eff.statistic.endswith("ratio") and 0.9 <= eff.ci_high < 1:
        parts.append(f"The upper end of the confidence interval ({eff.ci_high:.2f}) is close to 1 (no effect), so "
                     "the true effect could be small.")
    if eff is not None and eff.ci_low is None:
        parts.append("No confidence interval was published for the between-group effect.")
    kinds = {trial.reference(x.source.ref).kind for x in [*ep.results, *ep.effects]}
    if "congress_abstract" in kinds:
        parts.append("Part of this evidence comes from a congress abstract, not a full paper.")
    if domain == "walking_speed" and any("pct_change" in r.statistic for r in ep.results):
        parts.append(f"The summary is {ep.definition.summary.split(';')[0].strip()}.")
    return " ".join(parts)


def published_vs_reproduced(rows: list[dict[str, Any]], label: str) -> pd.DataFrame:
    """Table of published numbers (with citation) next to reproduced ones labelled with `label` (synthetic)."""
    df = pd.DataFrame(rows, columns=["quantity", "published", "source", "reproduced"])
    return df.rename(columns={"reproduced": f"reproduced — {label}"}).set_index("quantity")


def what_trials_do_not_show(ev: EvidenceSet, trial: Trial) -> list[str]:
    """Plain-language limits, each derived from the evidence store (gaps, comparators, methods)."""
    out: list[str] = []
    w = walking_verdict(trial)
    if w.verdict == MISSING:
        out.append(f"{trial.name} did not report walking speed, so it cannot tell whether walking was affected.")
    elif w.verdict != BETTER:
        out.append("They do not show that walking is restored: no trial in the evidence store shows walking speed improving on "
                   "average with treatment; the published benefit is slower worsening.")
    out += [f"Not published for {trial.name}: {g}." for g in trial.gaps]
    active = [t for t in ev if t.comparator == "active"]
    if active:
        names = ", ".join(t.name for t in active)
        drugs = ", ".join(sorted({t.control.drug for t in active}))
        out.append(f"{names} compared ocrelizumab with an active drug ({drugs}), not placebo: they are not "
                   "evidence of benefit over no treatment and are kept out of every placebo comparison.")
    for ep in trial.endpoints:
        for x in [*ep.effects, *ep.results]:
            text = f"{getattr(x, 'method', '') or ''} {x.note or ''}".lower()
            if "extrapolat" in text:
                out.append(f"{ep.label}: the published figures include a model extrapolation beyond follow-up; "
                           "an extrapolation is not an observation.")
                break
    el = trial.eligibility
    if el.age_min is not None and el.edss_min is not None:
        out.append(f"People outside the trial's population ({el.population}; age {el.age_min}–{el.age_max}, "
                   f"EDSS {el.edss_min}–{el.edss_max} at entry) were not studied.")
    if trial.design.min_follow_up_weeks:
        out.append(f"Effects beyond the controlled follow-up (at least {trial.design.min_follow_up_weeks} weeks "
                   "per patient) are not observed in the randomized comparison.")
    return out


def relation_text(trial: Trial, confirmation_weeks: int = 12) -> str:
    """How the two domains relate, from the published verdicts (the walking module adds patient-level detail)."""
    p, w = progression_verdict(trial, confirmation_weeks), walking_verdict(trial)
    if w.verdict == MISSING:
        return (f"Only disability progression was reported in {trial.name}; nothing can be said about how it "
                "relates to walking speed in this trial.")
    return (f"The EDSS and the T25FW measure different things: the EDSS is a clinician-rated scale in half-point "
            f"steps that, in this range, depends mostly on walking distance and aids; the T25FW times a short walk "
            f"in seconds. In {trial.name} the verdict is **{p.verdict}** for disability progression and "
            f"**{w.verdict}** for walking speed. A patient can progress on one and not the other, so one result "
            "does not stand in for the other.")


def provenance(ev: EvidenceSet, trial_ids: list[str], parameters: dict[str, Any] | None = None,
               data_label: str | None = None) -> pd.DataFrame:
    """Table: evidence file hashes, parameters, seed, data label and package versions."""
    rows = [{"item": f"evidence file {ev.files[t].name}", "value": f"sha256 {ev.sha256(t)}"} for t in trial_ids]
    for k, v in (parameters or {}).items():
        rows.append({"item": f"parameter {k}", "value": repr(v)})
    if data_label:
        rows.append({"item": "reproduced data", "value": data_label})
    rows.append({"item": "python", "value": platform.python_version()})
    for p in ("msevidence", "numpy", "pandas", "scipy", "lifelines", "statsmodels", "matplotlib"):
        try:
            rows.append({"item": p, "value": version(p)})
        except PackageNotFoundError:
            rows.append({"item": p, "value": "not installed"})
    return pd.DataFrame(rows).set_index("item")


def evidence_summary(ev: EvidenceSet) -> pd.DataFrame:
    """One row per trial: comparator, population, number of endpoints per domain."""
    tidy = ev.endpoints()
    rows = []
    for t in ev:
        doms = tidy[tidy["trial"] == t.id].groupby("domain")["endpoint"].nunique()
        rows.append({"trial": t.id, "comparator": t.comparator_label + (" (placebo)" if t.comparator == "placebo"
                                                                         else " (ACTIVE, not placebo)"),
                     "population": t.population, "randomized": t.total_randomized,
                     **{DOMAIN_TITLES.get(d, d): int(doms.get(d, 0)) for d in
                        ("disability_progression", "walking_speed")},
                     "other endpoints": int(doms.drop(list(DOMAIN_TITLES), errors="ignore").sum())})
    return pd.DataFrame(rows).set_index("trial")


def published_table(ev: EvidenceSet, domain: str, include_active: bool = True) -> pd.DataFrame:
    """Every published number of one domain, formatted for reading, with its citation and comparator."""
    df = ev.endpoints(domain=domain)
    if not include_active:
        df = df[df["comparator"] == "placebo"]
    rows = []
    for r in df.itertuples(index=False):
        is_prop = r.statistic in ("proportion_with_event", "km_proportion_at_week", "proportion")
        val = pct(r.value) if is_prop else pct_change(r.value) if r.statistic == "mean_pct_change" else f"{r.value:g}"
        ci = f"{r.ci_low:g} to {r.ci_high:g}" if pd.notna(r.ci_low) and pd.notna(r.ci_high) else ""
        rows.append({"trial": r.trial, "vs": "placebo" if r.comparator == "placebo" else "ACTIVE (not placebo)",
                     "endpoint": r.label, "arm / effect": r.arm if r.kind == "arm" else f"{r.treatment} vs {r.control}",
                     "statistic": r.statistic.replace("_", " "), "value": val, "95% CI": ci,
                     "p": "" if pd.isna(r.p) else f"{r.p_relation if r.p_relation == '<' else ''}{r.p:g}",
                     "provenance": r.provenance, "source": r.citation})
    return pd.DataFrame(rows, columns=["trial", "vs", "endpoint", "arm / effect", "statistic", "value", "95% CI", "p",
                                       "provenance", "source"]).set_index("trial")


def tidy_evidence(ev: EvidenceSet, include_active: bool = True) -> pd.DataFrame:
    """``ev.endpoints()``, without active-controlled trials unless `include_active`."""
    df = ev.endpoints()
    return df if include_active else df[df["comparator"] == "placebo"].reset_index(drop=True)


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

    # -- spine ------------------------------------------------------------------------------------------------
    def bottom_line(self) -> str:
        return bottom_line(self.trial, self.confirmation_weeks)

    def verdicts(self) -> pd.DataFrame:
        return verdict_table(self.trial, self.confirmation_weeks)

    def progression_verdict(self) -> DomainVerdict:
        return progression_verdict(self.trial, self.confirmation_weeks)

    def walking_verdict(self) -> DomainVerdict:
        return walking_verdict(self.trial)

    def synthetic_note(self) -> str:
        return (f"**About the reproduced numbers.** Numbers marked *{self.label}* come from simulated patients "
                f"whose disease course was calibrated to {self.trial.name}'s published summaries. They show that "
                "the published results can be reproduced by a simple model and let us compute what was not "
                "published; they are not patient data and add no evidence of their own.")

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
                f"({c.ties} ties); proportional-hazards check: {ph.message.rstrip('.')}.")

    def progression_figure(self):
        """Cumulative incidence of confirmed progression (synthetic), with numbers at risk; returns the Figure."""
        return self.progression.plot(cumulative_incidence=True, provenance=self.label,
                                     title=f"{self.confirmation_weeks}-week confirmed disability progression (EDSS)")

    def progression_table(self) -> pd.DataFrame:
        t, res = self.trial, self.progression.to_json()
        ep = progression_endpoint(t, self.confirmation_weeks)
        tr, ct = t.treatment.id, t.control.id
        cox = res["cox"]
        rows = []
        hr = ep.effect("hazard_ratio") if ep else None
        rows.append({"quantity": f"hazard ratio, {tr} vs {ct} (95% CI)",
                     "published": f"{hr.estimate:.2f} ({hr.ci_low:.2f} to {hr.ci_high:.2f})" if hr and hr.ci_low
                     else (f"{hr.estimate:.2f}" if hr else "not reported"),
                     "source": t.cite(hr.source) if hr else "—",
                     "reproduced": f"{cox['hr']:.2f} ({cox['ci_low']:.2f} to {cox['ci_high']:.2f})"})
        rr = ep.effect("relative_reduction") if ep else None
        if rr is not None:
            rows.append({"quantity": "relative risk reduction", "published": pct(rr.estimate, 0),
                         "source": t.cite(rr.source), "reproduced": f"{pct(1 - cox['hr'], 0)} (1 − hazard ratio)"})
        for arm in (tr, ct):
            r = ep.result(arm, "proportion_with_event") if ep else None
            ev_n = res["events"][arm] / res["n"][arm]
            rows.append({"quantity": f"proportion with confirmed progression over the trial, {arm}",
                         "published": pct(r.value) if r else "not reported", "source": t.cite(r.source) if r else "—",
                         "reproduced": pct(ev_n)})
        for arm in (tr, ct):
            r = ep.result(arm, "km_proportion_at_week") if ep else None
            if r is None or r.week is None:
                continue
            s = res["km"].get(arm, {}).get(f"{r.week:g}")
            rows.append({"quantity": f"Kaplan-Meier proportion progressed by week {r.week:g}, {arm}",
                         "published": pct(r.value), "source": t.cite(r.source),
                         "reproduced": "beyond follow-up" if s is None else pct(1 - s)})
        return published_vs_reproduced(rows, self.label)

    def progression_absolute(self) -> str:
        t, a = self.trial, self.progression.to_json()["absolute"]
        ep = progression_endpoint(t, self.confirmation_weeks)
        out = []
        r_t = ep.result(t.treatment.id, "proportion_with_event") if ep else None
        r_c = ep.result(t.control.id, "proportion_with_event") if ep else None
        if r_t and r_c:
            out.append(f"Published: over the trial, about {100 * r_c.value:.0f} in 100 people on "
                       f"{t.control.drug} and {100 * r_t.value:.0f} in 100 on {t.treatment.drug} had confirmed "
                       f"progression [{t.cite(r_t.source)}] — about {100 * (r_c.value - r_t.value):.0f} fewer per 100 "
                       f"(derived: difference of the two published percentages).")
        nnt = f"; number needed to treat for one fewer progression about {a['nnt']:.0f}" if a["nnt"] else ""
        out.append(f"Reproduced (*{self.label}*): by week {a['at_week']:g}, {pct(a['risk_control'])} on "
                   f"{t.control.drug} vs {pct(a['risk_treatment'])} on {t.treatment.drug} had progressed "
                   f"(risk difference {100 * a['difference']:+.1f} percentage points{nnt}).")
        return "**Absolute effects.** " + " ".join(out)

    def progression_certainty(self) -> str:
        return "**Certainty.** " + certainty(self.trial, "disability_progression", self.confirmation_weeks)

    # -- walking speed -------------------------------------------------------------------------------------------
    def walking_estimand(self) -> str:
        eps = walking_endpoints(self.trial)
        if not eps:
            return f"**Not reported in this trial.** {walking_verdict(self.trial).sentence}"
        d = eps[0].definition
        return (f"**Estimand.** Percent change in the time to walk 25 feet (Timed 25-Foot Walk) from baseline to "
                f"week {d.week:g}, {self.trial.treatment.label} vs {self.trial.control.label.lower()}; positive "
                f"means slower walking. Published summary: {d.summary}. The reproduced figure is the geometric-mean "
                "percent change, the closest match to a model on log-transformed times.")

    def walking_model(self) -> str:
        if self.walking is None:
            return ""
        m = self.walking.mixed_model
        return (f"**Model.** Reproduced (*{self.label}*): {m.method}; confirmed worsening and improvement use a "
                "20% change in walk time confirmed 12 weeks later.")

    def walking_figure(self):
        """Walk-time trajectories per arm (synthetic); None when the trial reported no T25FW result."""
        if self.walking is None:
            return None
        return self.walking.plot()

    def walking_table(self) -> pd.DataFrame:
        if self.walking is None:
            return published_vs_reproduced([{"quantity": "walking speed (T25FW)", "published":
                                              "not reported in this trial", "source": "—",
                                              "reproduced": "not simulated (nothing published to reproduce)"}],
                                            self.label)
        t, w = self.trial, self.walking
        ep = walking_endpoints(t)[0]
        rows = []
        for role in ("treatment", "control"):
            a = w.arm(role)
            r = ep.result(a.arm, "mean_pct_change")
            rows.append({"quantity": f"change in walk time to week {w.week:g}, {a.arm}",
                         "published": pct_change(r.value) if r else "not reported",
                         "source": t.cite(r.source) if r else "—",
                         "reproduced": f"{pct_change(a.geometric_mean_pct_change)} (geometric mean)"})
        eff = ep.effect("relative_reduction")
        gt, gc = w.arm("treatment").geometric_mean_pct_change, w.arm("control").geometric_mean_pct_change
        rows.append({"quantity": "relative reduction in walk-time increase",
                     "published": pct(eff.estimate, 0) if eff else "not reported",
                     "source": t.cite(eff.source) if eff else "—", "reproduced": pct(1 - gt / gc, 0)})
        m = w.mixed_model
        rows.append({"quantity": f"walk-time ratio {w.treatment}/{w.control} at week {w.week:g} (95% CI)",
                     "published": "not reported", "source": "—",
                     "reproduced": f"{m.ratio:.2f} ({m.ci_low:.2f} to {m.ci_high:.2f})"})
        for role in ("treatment", "control"):
            a = w.arm(role)
            rows.append({"quantity": f"confirmed ≥20% slower walking by week {w.week:g}, {a.arm}",
                         "published": "not reported", "source": "—", "reproduced": pct(a.worsened_20_confirmed_12w)})
        for role in ("treatment", "control"):
            a = w.arm(role)
            rows.append({"quantity": f"confirmed ≥20% faster walking by week {w.week:g}, {a.arm}",
                         "published": "not reported", "source": "—", "reproduced": pct(a.improved_20_confirmed_12w)})
        return published_vs_reproduced(rows, self.label)

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
        parts = [f"on {self.trial.arm(a).drug}, {x.both} had both, {x.edss_only} EDSS progression only, "
                 f"{x.t25fw_only} slower walking only and {x.neither} neither (agreement {pct(x.agreement, 0)}, "
                 f"kappa {x.kappa:.2f})" for a, x in d.items()]
        return (text + f"\n\nIn the reproduction (*{self.label}*), patients with confirmed EDSS progression and "
                f"with confirmed ≥20% slower walking by week {self.walking.week:g} overlap only partly — "
                + "; ".join(parts) + ".")

    def relation_figure(self):
        if self.walking is None:
            return None
        from .figures.walking import plot_discordance

        return plot_discordance(self.walking, provenance=self.label)

    def limits(self) -> str:
        return "\n".join(f"- {x}" for x in what_trials_do_not_show(self.evidence, self.trial))

    def provenance(self) -> pd.DataFrame:
        return provenance(self.evidence, [self.trial.id], self.parameters, self.label)

    def calibration(self) -> pd.DataFrame:
        """How closely the SYNTHETIC trials match each published target (mean and spread over replicates)."""
        c = self.synthetic.calibration

        def fmt(v: float) -> str:
            return "" if pd.isna(v) else f"{v:.3g}"

        return pd.DataFrame({
            "target": c["target"],
            "published": c["published"].map(fmt),
            "synthetic, mean over replicates": c["achieved_mean"].map(fmt),
            "synthetic, 95% of single trials": [f"{fmt(lo)} to {fmt(hi)}" if pd.notna(lo) else ""
                                               for lo, hi in zip(c["achieved_low"], c["achieved_high"], strict=True)],
            "tolerance": c["tolerance"].map(lambda v: "" if pd.isna(v) else f"±{v:g}"),
            "met": [("yes" if m else "NO") if st == "calibrated" else st
                    for m, st in zip(c["met"], c["status"], strict=True)],
            "source": c["source"],
        }).set_index("target")

    def assumptions(self) -> pd.DataFrame:
        """Numbers the generator needs that were never published: named ASSUMPTIONS, each with its rationale."""
        rows = [{"assumption": k, "value": f"{a['value']:g} {a['unit']}", "taken from": f"{a.get('from', '')} "
                 "evidence file", "rationale": a["rationale"]}
                for k, a in self.synthetic.metadata["assumptions"].items()]
        return pd.DataFrame(rows).set_index("assumption")

    def record(self) -> dict[str, Any]:
        """The report's key numbers, recorded in the notebook's outputs (see :func:`msevidence.reports.record`)."""
        from .reports import record

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

    Raises ValueError for an active-controlled trial (never used as placebo evidence).
    """
    from .survival import analyze
    from .synthetic import simulate_trial
    from .walking import summarize_walking

    t = ev[trial]
    if t.comparator != "placebo":
        raise ValueError(f"{t.id} is {t.comparator}-controlled; the main report compares with placebo only")
    syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev)
    label = syn.label
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
        from .synthetic import simulate_trial

        syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev,
                             unconfirmed_progression=unconfirmed_progression)
        events = syn.events[syn.events["endpoint"] == endpoint]
        if events.empty:
            raise ValueError(f"synthetic {t.id} has no endpoint {endpoint!r} "
                             f"(has: {', '.join(sorted(syn.events['endpoint'].unique()))})")
        return events.reset_index(drop=True), syn.label
    if data_source == "reconstructed":
        from .reconstruct import reconstruct_trial

        return reconstruct_trial(t, endpoint, evidence=ev), f"RECONSTRUCTED from digitized {t.name} KM curves"
    raise ValueError(f"data_source must be 'synthetic' or 'reconstructed', not {data_source!r}")


def walking_reproduction(ev: EvidenceSet, trial: str, seed: int = 1, n_per_arm: int | None = None,
                         week: float = 120, unconfirmed_at_end: str = "censor"):
    """A walking summary of a synthetic trial calibrated to `trial`; refuses trials with no T25FW result."""
    from .synthetic import simulate_trial
    from .walking import summarize_walking

    t = ev[trial]
    if not walking_endpoints(t):
        raise ValueError(f"{t.id} reports no walking speed (T25FW) result: there is nothing to reproduce, "
                         "and simulating walking would invent it")
    syn = simulate_trial(t, seed=seed, n_per_arm=_n_per_arm(t, n_per_arm), evidence=ev)
    return summarize_walking(syn.visits, week=week, treatment=t.treatment.id, control=t.control.id,
                             unconfirmed_at_end=unconfirmed_at_end, data_provenance=syn.label)
