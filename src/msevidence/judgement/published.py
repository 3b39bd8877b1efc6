"""Plain-language verdicts and tables built from the evidence store (never typed numbers).

The report spine (DESIGN.md): bottom line; disability progression (EDSS); walking speed (T25FW); how they
relate; what the trials do not show; provenance. Each domain gets a verdict — ``less worsening``,
``no difference shown``, ``more worsening``, ``improvement`` or ``not reported`` — because slowing of
worsening is not improvement. Published numbers carry their citation; synthetic numbers carry their label.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pandas as pd

from msevidence import formatting as fmt
from msevidence.evidence import EvidenceSet, Trial
from msevidence.evidence.schema import COMPARATOR_ADJECTIVES, COMPARATOR_LABELS, Effect, Endpoint
from msevidence.judgement.main_effect import main_effect
from msevidence.judgement.verdict import Direction, conclusion, judge_endpoint_effect
from msevidence.judgement.wording import comparison_kind, name_arms, parameter_name, parameter_value

LESS, SAME, MORE, BETTER, MISSING = Direction.LESS, Direction.SAME, Direction.MORE, Direction.IMPROVEMENT, Direction.MISSING
DOMAIN_TITLES = {"disability_progression": "Disability progression (EDSS)", "walking_speed": "Walking speed (T25FW)"}


# -- formatting -------------------------------------------------------------------------------------------
pct = fmt.percent  # 0.25 -> '25.0%' (msevidence.formatting: the one formatter)
pct_change = fmt.percent_change


def ratio_text(e: Effect | dict, name: str = "hazard ratio") -> str:
    """'hazard ratio 0.80 (95% CI 0.60 to 1.05; p = 0.1)' from an Effect or a dict with the same keys."""
    g = e.get if isinstance(e, dict) else lambda k, d=None: getattr(e, k, d)
    est, lo, hi, p = g("estimate", g("hr")), g("ci_low"), g("ci_high"), g("p")
    return fmt.effect(name, est, lo, hi, p, g("p_relation", "="))


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:]


def _moved(v: float) -> str:
    return f"rose by {fmt.fixed(v)}%" if v > 0 else f"fell by {fmt.fixed(-v)}%" if v < 0 else "did not change"


def _p(p: float, relation: str | None = "=") -> str:
    """'= 0.032' / '< 0.001' (the p-value after 'p ')."""
    return fmt.p_value(p, relation).removeprefix("p ")


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
    """The endpoint's main effect (:func:`msevidence.judgement.main_effect.main_effect`, the one rule)."""
    return main_effect(ep)


def published_progression_verdict(trial: Trial, confirmation_weeks: int = 12) -> DomainVerdict:
    """Published EDSS CDP result of `trial` as a verdict and a sentence (hazard ratio, else relative reduction)."""
    ep = progression_endpoint(trial, confirmation_weeks) or progression_endpoint(trial, None)
    eff = progression_effect(ep)
    if eff is None:
        return DomainVerdict(trial.id, "disability_progression", MISSING,
                             f"{trial.name} did not report a {confirmation_weeks}-week confirmed disability "
                             "progression result.")
    tr, ct = eff.treatment, eff.control
    verdict = judge_endpoint_effect(ep, eff).direction
    if eff.statistic == "hazard_ratio":
        effect_text = ratio_text(eff)
        nums: dict[str, Any] = {"hr": eff.estimate, "ci_low": eff.ci_low, "ci_high": eff.ci_high, "p": eff.p}
    else:
        pv = "" if eff.p is None else f"; p {_p(eff.p, eff.p_relation)}"
        effect_text = f"a {pct(eff.estimate, 0)} lower risk (relative risk reduction{pv}; no hazard ratio published)"
        nums = {"relative_reduction": eff.estimate, "p": eff.p}
    cites = [trial.cite(eff.source)]
    words = {LESS: "slowed", SAME: "did not clearly change", MORE: "sped up", BETTER: "reversed"}[verdict]
    s = (f"In {trial.name}, {trial.arm(tr).drug} {words} {ep.definition.confirmation_weeks}-week confirmed "
         f"disability progression on the EDSS ({ep.definition.period}) compared with {trial.arm(ct).label.lower()}: {effect_text} [{cites[0]}].")
    r_t, r_c = ep.result(tr, "proportion_with_event"), ep.result(ct, "proportion_with_event")
    if r_t and r_c:
        cites.append(trial.cite(r_t.source))
        s += (f" Over the trial, {pct(r_t.value)} of people on {trial.arm(tr).drug} and {pct(r_c.value)} on "
              f"{trial.arm(ct).drug} had confirmed progression [{cites[-1]}].")
        nums |= {"proportion_treatment": r_t.value, "proportion_control": r_c.value}
    return DomainVerdict(trial.id, "disability_progression", verdict, s, ep.id, nums, tuple(dict.fromkeys(cites)))


def published_walking_verdict(trial: Trial) -> DomainVerdict:
    """Published T25FW result of `trial` as a verdict and a sentence; says plainly when it was not reported."""
    eps = walking_endpoints(trial)
    if not eps:
        return DomainVerdict(trial.id, "walking_speed", MISSING,
                             f"Walking speed (Timed 25-Foot Walk) was not reported in {trial.name}: the evidence "
                             "store holds no T25FW result for this trial, so this report says nothing about it.")
    ep = eps[0]
    tr, ct = trial.treatment.id, trial.control.id
    r_t, r_c = ep.result(tr, "mean_pct_change"), ep.result(ct, "mean_pct_change")
    eff = main_effect(ep)
    cites = [trial.cite(x.source) for x in (r_t, eff) if x is not None]
    if r_t is None or r_c is None:  # a time-to-event T25FW endpoint
        if eff is None:
            return DomainVerdict(trial.id, "walking_speed", MISSING,
                                 f"{trial.name} reports {_lower(ep.label)} without a number.", ep.id)
        v = judge_endpoint_effect(ep, eff).direction
        s = f"In {trial.name}, {_lower(ep.label)}: {ratio_text(eff, eff.statistic.replace('_', ' '))} [{cites[0]}]."
        s += f" So {conclusion(v, 'walking_speed', trial.arm(tr).drug, trial.arm(ct).drug)}."
        return DomainVerdict(trial.id, "walking_speed", v, s, ep.id, {"estimate": eff.estimate}, tuple(cites))
    judged = judge_endpoint_effect(ep, eff, treatment_change=r_t.value) if eff is not None else None
    verdict = judged.direction if judged is not None else SAME
    significant = judged is not None and judged.difference_shown
    slower_both = r_t.value > 0 and r_c.value > 0
    week = int(r_t.week or ep.definition.week or 0)
    s = (f"In {trial.name}, the time to walk 25 feet {_moved(r_t.value)} with "
         f"{trial.arm(tr).drug} and {_moved(r_c.value).replace('rose by ', 'by ')} with {trial.arm(ct).drug} from baseline to week "
         f"{week} [{cites[0]}]")
    s += (": walking got slower in both groups" if slower_both else "") + "."
    if eff is not None and eff.p is not None:
        s += f" The difference between groups was statistically significant (p {_p(eff.p, eff.p_relation)}) " \
             f"[{trial.cite(eff.source)}]." if significant else " The difference was not statistically significant."
    s += f" So {conclusion(verdict, 'walking_speed', trial.arm(tr).drug, trial.arm(ct).drug)}."
    nums = {"pct_change_treatment": r_t.value, "pct_change_control": r_c.value, "week": week,
            "p": eff.p if eff else None}
    return DomainVerdict(trial.id, "walking_speed", verdict, s, ep.id, nums, tuple(dict.fromkeys(cites)))


# -- the spine ----------------------------------------------------------------------------------------------
def bottom_line(trial: Trial, confirmation_weeks: int = 12) -> str:
    """Markdown: a plain answer to "does it help me walk?", then disability progression, for one trial."""
    w, p = published_walking_verdict(trial), published_progression_verdict(trial, confirmation_weeks)
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
    rows = [published_progression_verdict(trial, confirmation_weeks), published_walking_verdict(trial)]
    return pd.DataFrame([{"Domain": DOMAIN_TITLES[v.domain], "What the trial shows": v.verdict,
                          "Outcome": trial.endpoint(v.endpoint).label if v.endpoint else "—",
                          "Source": "; ".join(v.citations) or "—"} for v in rows])


def certainty(trial: Trial, domain: str, confirmation_weeks: int = 12) -> str:
    """A short, rule-based statement of how sure the evidence is (one trial, CI near 1, abstract-only source)."""
    v = published_progression_verdict(trial, confirmation_weeks) if domain == "disability_progression" else published_walking_verdict(trial)
    if v.verdict == MISSING:
        return "No evidence: not reported."
    parts = [f"One randomized {COMPARATOR_ADJECTIVES[trial.comparator]} trial ({trial.name})."]
    ep = trial.endpoint(v.endpoint)
    eff = main_effect(ep)
    if eff is not None and eff.ci_high is not None and eff.statistic.endswith("ratio") and 0.9 <= eff.ci_high < 1:
        parts.append(f"The upper end of the confidence interval ({fmt.ratio(eff.ci_high)}) is close to 1 (no effect), so "
                     "the true effect could be small.")
    if eff is not None and eff.ci_low is None:
        parts.append("No confidence interval was published for the between-group effect.")
    sourced = [*ep.results, *ep.effects]
    kinds = {trial.reference(x.source.ref).kind for x in sourced}
    if "congress_abstract" in kinds:
        parts.append("Part of this evidence comes from a congress abstract, not a full paper.")
    secondary = [x for x in sourced if x.source.secondary]
    if secondary:
        how = "All" if len(secondary) == len(sourced) else "Some"
        parts.append(f"{how} of these figures were seen only in secondary reports (congress news coverage or "
                     "summary websites), not in the trial's own publication, so they may contain reporting errors.")
    if domain == "walking_speed" and any("pct_change" in r.statistic for r in ep.results):
        parts.append(f"The summary is {ep.definition.summary.split(';')[0].strip()}.")
    return " ".join(parts)


def what_trials_do_not_show(ev: EvidenceSet, trial: Trial, walking: DomainVerdict | None = None) -> list[str]:
    """Plain-language limits, each derived from the evidence store (gaps, comparators, methods); `walking`: the
    walking verdict already decided for the page (the trial's answer), else the published one."""
    out: list[str] = []
    w = walking if walking is not None else published_walking_verdict(trial)
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
    delayed = [t for t in ev if t.comparator == "delayed_treatment"]
    if delayed:
        names = ", ".join(t.name for t in delayed)
        out.append(f"{names} compared starting ocrelizumab early with starting it later (the comparison group "
                   "switched from placebo to ocrelizumab), not with placebo: it shows the cost of waiting, not "
                   "the benefit over no treatment, and is kept out of every placebo comparison.")
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
    p, w = published_progression_verdict(trial, confirmation_weeks), published_walking_verdict(trial)
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
        rows.append({"item": f"setting: {parameter_name(k)}", "value": parameter_value(k, v, ev)})
    if data_label:
        rows.append({"item": "reproduced data", "value": data_label})
    rows.append({"item": "python", "value": platform.python_version()})
    for p in ("msevidence", "numpy", "pandas", "scipy", "lifelines", "statsmodels", "matplotlib"):
        try:
            rows.append({"item": p, "value": version(p)})
        except PackageNotFoundError:
            rows.append({"item": p, "value": "not installed"})
    return pd.DataFrame(rows)


def evidence_summary(ev: EvidenceSet) -> pd.DataFrame:
    """One row per trial: comparator, population, number of endpoints per domain."""
    tidy = ev.endpoints()
    rows = []
    for t in ev:
        doms = tidy[tidy["trial"] == t.id].groupby("domain")["endpoint"].nunique()
        label = re.sub(r"\s*\((?:active comparator|[^()]*not placebo)[^()]*\)", "", name_arms(t.comparator_label, t, ev))
        rows.append({"trial": t.name, "comparator": f"{label} ({COMPARATOR_LABELS[t.comparator]})",
                     "population": t.population, "randomized": t.total_randomized,
                     **{DOMAIN_TITLES.get(d, d): int(doms.get(d, 0)) for d in
                        ("disability_progression", "walking_speed")},
                     "other outcomes": int(doms.drop(list(DOMAIN_TITLES), errors="ignore").sum())})
    return pd.DataFrame(rows)


# How each published statistic reads, and how its value (and CI) is written: percentages for proportions and
# relative reductions, percentage points for risk differences, two decimals for ratios.
STATISTIC_WORDS = {
    "proportion_with_event": "share with the event over the trial", "proportion": "share",
    "km_proportion_at_week": "share with the event by week {week} (Kaplan-Meier estimate)",
    "mean_pct_change": "average change in time", "mean_change": "average change", "mean_count": "average count",
    "annualized_rate": "events per year", "median_time_years": "median time (years)",
    "hazard_ratio": "hazard ratio", "risk_ratio": "risk ratio", "rate_ratio": "rate ratio",
    "odds_ratio": "odds ratio", "relative_reduction": "relative reduction", "risk_difference": "risk difference",
    "mean_difference": "difference in averages", "time_difference_years": "difference in median time (years)",
}
PERCENT = {"proportion_with_event", "proportion", "km_proportion_at_week", "proportion_by_week", "relative_reduction"}


def statistic_words(statistic: str, week: float | None = None) -> str:
    words = STATISTIC_WORDS.get(statistic, statistic.replace("_", " "))
    return words.format(week=f"{week:g}" if week is not None and week == week else "?")


def format_value(statistic: str, value: float | None) -> str:
    """A value as a reader sees it: 0.3 relative reduction -> '30%', −0.1 risk difference -> '−10.0 percentage
    points', +40 % change -> '+40.0%', ratios with two decimals."""
    if value is None or value != value:
        return "—"
    if statistic in PERCENT:
        return pct(value, 0 if statistic == "relative_reduction" else 1)
    if statistic == "risk_difference":
        return fmt.points(value)
    if statistic == "mean_pct_change":
        return pct_change(value)
    if statistic.endswith("ratio") or statistic.startswith("ratio_of"):
        return fmt.ratio(value)
    return fmt.number(value)


def format_ci(statistic: str, low: float | None, high: float | None) -> str:
    if low is None or high is None or low != low or high != high:
        return "—"
    if statistic in PERCENT:
        return fmt.percent_interval(low, high)
    if statistic == "risk_difference":
        return f"{fmt.interval(100 * low, 100 * high, digits=1)} points"
    if statistic.endswith("ratio") or statistic.startswith("ratio_of"):
        return fmt.interval(low, high)
    return f"{fmt.number(low)} to {fmt.number(high)}".replace("-", fmt.MINUS)


def effect_words(eff: Effect, name: str, nested: bool = False) -> str:
    """A published effect as every table writes it: 'hazard ratio 0.80 (95% CI 0.60 to 0.99)', or with the p-value
    when no CI was published; `nested` (inside parentheses already): 'hazard ratio 0.80, 95% CI 0.60 to 0.99'."""
    value = format_value(eff.statistic, eff.estimate)
    has_ci = eff.ci_low is not None and eff.ci_high is not None
    ci = f"95% CI {format_ci(eff.statistic, eff.ci_low, eff.ci_high)}" if has_ci else "CI not published"
    p = f"; {fmt.p_value(eff.p, eff.p_relation)}" if eff.p is not None and not has_ci else ""
    if nested:
        return f"{name} {value}" + (f", {ci}" if has_ci else (f", {fmt.p_value(eff.p, eff.p_relation)}" if p else ""))
    return f"{name} {value} ({ci}{p})"


def published_table(ev: EvidenceSet, domain: str, include_active: bool = True) -> pd.DataFrame:
    """Every published number of one domain, formatted for reading, with its citation and comparator: trials by
    name, arms by treatment, proportions as percentages, risk differences in percentage points."""
    df = ev.endpoints(domain=domain)
    if not include_active:
        df = df[df["comparator"] == "placebo"]
    rows = []
    for r in df.itertuples(index=False):
        t = ev[r.trial]
        who = r.arm if r.kind == "arm" else f"{r.treatment} vs {r.control}"
        p = "—" if pd.isna(r.p) else fmt.p_value(r.p, r.p_relation).removeprefix("p ").removeprefix("= ")
        kind = comparison_kind(r.comparator, r.period)
        rows.append({"trial": t.name, "vs": COMPARATOR_LABELS[kind].removeprefix("vs "),
                     "outcome": name_arms(r.label, t, ev), "group or comparison": name_arms(who, t, ev),
                     "statistic": statistic_words(r.statistic, None if pd.isna(r.week) else r.week),
                     "value": format_value(r.statistic, r.value),
                     "95% CI": format_ci(r.statistic, None if pd.isna(r.ci_low) else r.ci_low,
                                         None if pd.isna(r.ci_high) else r.ci_high),
                     "p": p, "provenance": r.provenance, "source": r.citation})
    return pd.DataFrame(rows, columns=["trial", "vs", "outcome", "group or comparison", "statistic", "value",
                                       "95% CI", "p", "provenance", "source"])


def tidy_evidence(ev: EvidenceSet, include_active: bool = True) -> pd.DataFrame:
    """``ev.endpoints()``; with `include_active=False` placebo comparisons only (no active or early-vs-delayed)."""
    df = ev.endpoints()
    return df if include_active else df[df["comparator"] == "placebo"].reset_index(drop=True)
